/**
 * Session engine, flow control: held incoming acknowledgements (the driver acks after the
 * handler settles, or on the application's manual ack), QoS 2 exactly-once with held acks
 * (PUBREC on receipt, delivery at PUBREL, PUBCOMP held), held acks at a connection loss; outgoing bounds (count, bytes, QoS 0 while the
 * writer is blocked) and the reject-newest / drop-oldest policies.
 */
import { MQTT_ERR_CONN_LOST, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS } from '../../lib/constants';
import { MQTTMessage, PublishError } from '../../lib/message';
import { defaultOutgoingLimits } from '../../lib/session/queueLimits';
import { ack, ids, NonLogEvent, pub, ScriptedBroker, types } from './harness';

const T0 = 1_000_000;

function held(config: ConstructorParameters<typeof ScriptedBroker>[0] = {}) {
  const b = new ScriptedBroker(config, T0);
  b.s.holdAcks = true;
  b.connectAndAccept();
  return b;
}

function messages(ev: NonLogEvent[]): MQTTMessage[] {
  return ev.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
}

/** The delivered messages, each held as the driver holds the ack of an async handler's message. */
function heldMessages(b: ScriptedBroker): MQTTMessage[] {
  const ms = messages(b.events());
  for (const m of ms) if (m.qos > 0) b.s.holdAck(m);
  return ms;
}

describe('held incoming acknowledgements (holdAcks)', () => {
  it('the sync path: PUBREC goes out on receipt, PUBACK/PUBCOMP only at ackNow(), without bookkeeping', () => {
    const b = held();
    b.brokerSends(pub('a', 'y', 2, 8));
    expect(b.events()).toEqual([]); // QoS 2 waits for its PUBREL (paho)
    expect(b.sentPackets()).toEqual([ack('pubrec', 8)]);
    b.brokerSends(pub('a', 'x', 1, 7));
    const [m1] = messages(b.events());
    expect(m1.mid).toBe(7);
    expect(b.sentPackets()).toEqual([]);
    b.brokerSends(ack('pubrel', 8));
    const [m2] = messages(b.events());
    expect(m2.mid).toBe(8);
    expect(b.sentPackets()).toEqual([]);
    b.s.ackNow(m1);
    b.s.ackNow(m2);
    expect(b.sentPackets()).toEqual([ack('puback', 7), ack('pubcomp', 8)]);
    expect(b.s.heldAcks.size).toBe(0);
    // Behind a message delivered in the same read, PUBREC waits its turn (paho's packet order): the driver sends it.
    b.brokerSends(pub('a', 'x', 1, 10), pub('a', 'y', 2, 11));
    const ev = b.events();
    expect(ev.map((e) => e.kind)).toEqual(['message', 'pubrec']);
    expect(b.sentPackets()).toEqual([]);
    b.s.ackNow(messages(ev)[0]);
    b.s.sendPubrec(11);
    expect(b.sentPackets()).toEqual([ack('puback', 10), ack('pubrec', 11)]);
    b.brokerSends(ack('pubrel', 8)); // completed: a resent PUBREL is answered, not delivered
    expect(messages(b.events())).toEqual([]);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 8)]);
  });

  it('QoS 1: PUBACK goes out only at ackMessage(), once', () => {
    const b = held();
    b.brokerSends(pub('a', 'x', 1, 7));
    const [m] = heldMessages(b);
    expect(b.sentPackets()).toEqual([]);
    expect(b.s.heldAcks.size).toBe(1);
    expect(b.s.ackMessage(m, b.now)).toBe(true);
    expect(b.sentPackets()).toEqual([ack('puback', 7)]);
    expect(b.s.ackMessage(m, b.now)).toBe(false);
    expect(b.sentPackets()).toEqual([]);
    expect(b.s.heldAcks.size).toBe(0);
  });

  it('QoS 2 (paho 2.x manual ack): PUBREC on receipt, delivery at PUBREL, PUBCOMP at ack(mid, 2); a resent PUBREL while held is neither delivered nor answered', () => {
    const b = held();
    b.brokerSends(pub('a', 'x', 2, 9));
    expect(heldMessages(b)).toHaveLength(0);
    expect(b.sentPackets()).toEqual([ack('pubrec', 9)]);
    b.brokerSends(ack('pubrel', 9));
    expect(heldMessages(b)).toHaveLength(1);
    b.brokerSends(ack('pubrel', 9));
    expect(messages(b.events())).toHaveLength(0);
    expect(b.sentPackets()).toEqual([]);
    expect(b.s.ack(9, 1, b.now)).toBe(false); // wrong QoS: not this message
    expect(b.s.ack(9, 2, b.now)).toBe(true);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 9)]);
    b.brokerSends(ack('pubrel', 9));
    expect(messages(b.events())).toHaveLength(0);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 9)]);
  });

  it('acks are sent in the order the application gives them, not the order received', () => {
    const b = held();
    b.brokerSends(pub('a', '3', 2, 3));
    expect(b.sentPackets()).toEqual([ack('pubrec', 3)]);
    b.brokerSends(pub('a', '1', 1, 1), pub('a', '2', 1, 2), ack('pubrel', 3));
    const [m1, m2, m3] = heldMessages(b);
    b.s.ackMessage(m3, b.now);
    b.s.ackMessage(m1, b.now);
    b.s.ackMessage(m2, b.now);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 3), ack('puback', 1), ack('puback', 2)]);
  });

  it('unknown ids and QoS 0 messages: ack is a no-op returning false', () => {
    const b = held();
    b.brokerSends(pub('a', 'x', 0));
    const [m] = messages(b.events());
    expect(b.s.ackMessage(m, b.now)).toBe(false);
    expect(b.s.ack(42, 1, b.now)).toBe(false);
    expect(b.sentPackets()).toEqual([]);
  });

  it('a connection loss forgets held PUBACKs (the broker redelivers) but keeps held PUBCOMPs for the resumed session\'s PUBREL', () => {
    const b = held({ cleanSession: false });
    b.brokerSends(pub('a', 'two', 2, 2));
    expect(b.sentPackets()).toEqual([ack('pubrec', 2)]);
    b.brokerSends(pub('a', 'one', 1, 1), ack('pubrel', 2));
    const [m1, m2] = heldMessages(b);
    b.s.connectionLost();
    expect(b.s.heldAcks.size).toBe(1);
    b.connectAndAccept(true);
    // The QoS 1 ack of the old connection: nothing goes out.
    expect(b.s.ackMessage(m1, b.now)).toBe(false);
    expect(b.s.ack(1, 1, b.now)).toBe(false);
    expect(b.sentPackets()).toEqual([]);
    // The broker resends the QoS 1 PUBLISH (delivered again: never confirmed) and the QoS 2 PUBREL (not delivered again, not answered while held).
    b.brokerSends(pub('a', 'one', 1, 1, { dup: true }), ack('pubrel', 2));
    const again = heldMessages(b);
    expect(again.map((m) => [m.mid, m.dup])).toEqual([[1, true]]);
    expect(b.sentPackets()).toEqual([]);
    // A message received on the new connection with a reused id is not acked by the old object.
    expect(b.s.ackMessage(m1, b.now)).toBe(false);
    expect(b.s.ackMessage(again[0], b.now)).toBe(true);
    expect(b.s.ackMessage(m2, b.now)).toBe(true);
    expect(b.sentPackets()).toEqual([ack('puback', 1), ack('pubcomp', 2)]);
  });

  it('a PUBCOMP released while offline is owed: the resent PUBREL gets it, with reason 0 (MQTT 5)', () => {
    const b = held({ cleanSession: false, protocol: 5 });
    b.brokerSends(pub('a', 'two', 2, 2), ack('pubrel', 2));
    const [m2] = heldMessages(b);
    b.sentPackets();
    b.s.connectionLost();
    expect(b.s.ackMessage(m2, b.now)).toBe(true);
    b.connectAndAccept(true);
    expect(b.sentPackets()).toEqual([]);
    b.brokerSends(ack('pubrel', 2));
    expect(messages(b.events())).toEqual([]);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 2)]);
    b.brokerSends(ack('pubrel', 2)); // paid: now an unknown id
    expect(b.sentPackets()).toEqual([ack('pubcomp', 2, 0x92)]);
  });

  it('a clean session drops held PUBCOMPs: the broker forgot those flows', () => {
    const b = held({ cleanSession: true });
    b.brokerSends(pub('a', 'two', 2, 2), ack('pubrel', 2));
    const [m2] = heldMessages(b);
    b.s.connectionLost();
    b.connectAndAccept(false);
    expect(b.s.heldAcks.size).toBe(0);
    expect(b.s.ackMessage(m2, b.now)).toBe(false);
    expect(b.sentPackets()).toEqual([]);
  });

  it('without holdAcks (the default engine), acks go out at once as before', () => {
    const b = new ScriptedBroker({}, T0);
    b.connectAndAccept();
    b.brokerSends(pub('a', 'x', 1, 3), pub('a', 'y', 2, 4));
    expect(b.sentPackets()).toEqual([ack('puback', 3), ack('pubrec', 4)]);
    expect(b.s.heldAcks.size).toBe(0);
  });
});

describe('outgoing QoS 1/2 bounds', () => {
  it('by count (maxQueued): reject-newest returns MQTT_ERR_QUEUE_SIZE and counts it; the queue is unchanged', () => {
    const b = new ScriptedBroker({ maxQueued: 2 }, T0);
    expect(b.publish('t', 'a', 1).rc).toBe(MQTT_ERR_SUCCESS);
    expect(b.publish('t', 'b', 1).rc).toBe(MQTT_ERR_SUCCESS);
    const refused = b.publish('t', 'c', 1);
    expect(refused.rc).toBe(MQTT_ERR_QUEUE_SIZE);
    expect(b.s.rejectedMessages).toBe(1);
    expect(b.s.outgoing.size).toBe(2);
    expect(b.allEvents().filter((e) => e.kind === 'log' && /queue full/.test(e.text))).toHaveLength(1);
  });

  it('by bytes (payload + topic): a message that would pass the bound is refused', () => {
    const limits = { ...defaultOutgoingLimits(), maxQueuedBytes: 30 };
    const b = new ScriptedBroker({ limits }, T0);
    expect(b.publish('t', Buffer.alloc(14), 1).rc).toBe(MQTT_ERR_SUCCESS); // 15 bytes
    expect(b.publish('t', Buffer.alloc(14), 2).rc).toBe(MQTT_ERR_SUCCESS); // 30 bytes
    expect(b.s.outgoing.bytes).toBe(30);
    expect(b.publish('t', Buffer.alloc(0), 1).rc).toBe(MQTT_ERR_QUEUE_SIZE);
    // Completing a flow frees its bytes.
    const sent = b.connectAndAccept();
    expect(types(sent)).toEqual(['publish', 'publish']);
    b.brokerSends(ack('puback', 1));
    expect(b.s.outgoing.bytes).toBe(15);
    expect(b.publish('t', Buffer.alloc(14), 1).rc).toBe(MQTT_ERR_SUCCESS);
  });

  it('drop-oldest: the oldest never-sent message is dropped (its info fails with MQTT_ERR_QUEUE_SIZE), in-flight ones are kept', async () => {
    const limits = { ...defaultOutgoingLimits(), policy: 'drop-oldest' as const };
    const b = new ScriptedBroker({ maxQueued: 3, maxInflight: 1, limits }, T0);
    b.connectAndAccept();
    const first = b.publish('t', '1', 1); // in flight (window 1)
    const second = b.publish('t', '2', 1);
    const third = b.publish('t', '3', 1);
    const fourth = b.publish('t', '4', 1);
    expect(fourth.rc).toBe(MQTT_ERR_SUCCESS);
    expect(b.s.droppedMessages).toBe(1);
    await expect(second.waitForPublish()).rejects.toEqual(expect.objectContaining({ rc: MQTT_ERR_QUEUE_SIZE }));
    await expect(second.waitForPublish()).rejects.toBeInstanceOf(PublishError); // later calls too, no throw
    expect(second.isPublished()).toBe(false);
    expect([...b.s.outgoing.messages.keys()]).toEqual([first.mid, third.mid, fourth.mid]);
    expect(ids(b.sentPackets())).toEqual([first.mid]);
    expect(b.allEvents().some((e) => e.kind === 'log' && /dropped the oldest/.test(e.text))).toBe(true);
  });

  it('drop-oldest with only in-flight messages: the newest is refused', () => {
    const limits = { ...defaultOutgoingLimits(), policy: 'drop-oldest' as const };
    const b = new ScriptedBroker({ maxQueued: 2, limits }, T0);
    b.connectAndAccept();
    b.publish('t', '1', 1);
    b.publish('t', '2', 1);
    expect(b.publish('t', '3', 1).rc).toBe(MQTT_ERR_QUEUE_SIZE);
    expect(b.s.droppedMessages).toBe(0);
    expect(b.s.rejectedMessages).toBe(1);
  });
});

describe('QoS 0 while the writer is blocked', () => {
  it('waits in the QoS 0 queue, in order, and goes out after writeUnblocked()', () => {
    const b = held();
    b.s.writeBlocked = true;
    const infos = ['a', 'b', 'c'].map((p) => b.publish('q', p, 0));
    expect(infos.map((i) => i.rc)).toEqual([0, 0, 0]);
    expect(b.s.qos0Waiting.length).toBe(3);
    expect(b.s.qos0Waiting.bytes).toBe(6);
    expect(b.sentPackets()).toEqual([]);
    b.s.writeUnblocked(b.now);
    const sent = b.sentPackets();
    expect(sent.map((p) => (p.type === 'publish' ? p.payload.toString() : p.type))).toEqual(['a', 'b', 'c']);
    expect(infos.every((i) => i.isPublished())).toBe(true);
  });

  it('bounded by count and bytes: reject-newest by default', () => {
    const limits = { ...defaultOutgoingLimits(), maxQueuedQos0: 2, maxQueuedQos0Bytes: 100 };
    const b = held({ limits });
    b.s.writeBlocked = true;
    expect(b.publish('q', 'a', 0).rc).toBe(MQTT_ERR_SUCCESS);
    expect(b.publish('q', 'b', 0).rc).toBe(MQTT_ERR_SUCCESS);
    expect(b.publish('q', 'c', 0).rc).toBe(MQTT_ERR_QUEUE_SIZE);
    limits.maxQueuedQos0 = 0; // unlimited by count: now the byte bound rules
    expect(b.publish('q', Buffer.alloc(96), 0).rc).toBe(MQTT_ERR_QUEUE_SIZE); // 4 + 97 > 100
    expect(b.publish('q', Buffer.alloc(95), 0).rc).toBe(MQTT_ERR_SUCCESS); // 4 + 96 = 100
    expect(b.s.rejectedMessages).toBe(2);
  });

  it('drop-oldest: the oldest waiting QoS 0 fails with MQTT_ERR_QUEUE_SIZE and is counted', async () => {
    const limits = { ...defaultOutgoingLimits(), maxQueuedQos0: 2, policy: 'drop-oldest' as const };
    const b = held({ limits });
    b.s.writeBlocked = true;
    const [a, bb, c] = ['a', 'b', 'c'].map((p) => b.publish('q', p, 0));
    expect(c.rc).toBe(MQTT_ERR_SUCCESS);
    await expect(a.waitForPublish()).rejects.toEqual(expect.objectContaining({ rc: MQTT_ERR_QUEUE_SIZE }));
    expect(b.s.droppedMessages).toBe(1);
    b.s.writeUnblocked(b.now);
    expect(b.sentPackets().map((p) => (p.type === 'publish' ? p.payload.toString() : p.type))).toEqual(['b', 'c']);
    expect(bb.isPublished()).toBe(true);
  });

  it('a connection loss fails waiting QoS 0 with MQTT_ERR_CONN_LOST; offline QoS 0 is still MQTT_ERR_NO_CONN', async () => {
    const b = held();
    b.s.writeBlocked = true;
    const w = b.publish('q', 'a', 0);
    b.s.connectionLost();
    await expect(w.waitForPublish()).rejects.toEqual(expect.objectContaining({ rc: MQTT_ERR_CONN_LOST }));
    expect(b.s.qos0Waiting.length).toBe(0);
    expect(b.s.writeBlocked).toBe(false);
    expect(b.publish('q', 'b', 0).rc).toBe(4); // MQTT_ERR_NO_CONN
  });
});
