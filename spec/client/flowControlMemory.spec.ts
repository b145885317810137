/**
 * Client flow control on the memory transport with jest's fake clock: async handlers (one at
 * a time, in order, acks after they settle, opt-in concurrency), incoming high-water marks
 * (reading paused and resumed), keepalive while paused, manual ack (paho 2.x), the write
 * high-water mark with the bounded QoS 0 queue, and the queue counters.
 */
import {
  Client, MQTT_ERR_KEEPALIVE, MQTT_ERR_NOT_FOUND, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS, MQTT_LOG_ERR, MQTTMessage, ValueError,
} from '../../lib';
import type { TransportHandlers } from '../../lib/transport/types';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { advance, deferred, settle, started, useFakeClock } from '../support/wait';
import { debugSizes } from '../support/clientInternals';

useFakeClock();

const payloads = (ms: MQTTMessage[]): string[] => ms.map((m) => m.payload.toString());

describe('async message handlers', () => {
  test('run one at a time in arrival order; each PUBACK goes out after its handler settles', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    const running: MQTTMessage[] = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
      running.push(m);
      const d = deferred();
      gates.push(d);
      return d.promise;
    };
    await started(c);
    broker.send(publishPacket('t', 'a', 1, 1), publishPacket('t', 'b', 1, 2), publishPacket('t', 'c', 0));
    await settle();
    expect(payloads(running)).toEqual(['a']);
    expect(broker.receivedOf('puback')).toEqual([]);
    expect(c.incomingMessages).toBe(2);
    gates[0].resolve();
    await settle();
    expect(broker.receivedOf('puback').map((p) => p.packetId)).toEqual([1]);
    expect(payloads(running)).toEqual(['a', 'b']);
    gates[1].resolve();
    await settle();
    expect(broker.receivedOf('puback').map((p) => p.packetId)).toEqual([1, 2]);
    expect(payloads(running)).toEqual(['a', 'b', 'c']);
    gates[2].resolve();
    await settle();
    expect(c.incomingMessages).toBe(0);
    c.disconnect();
  });

  test("a rejecting handler is logged like a throwing one (paho's line; the Error on 'error'), and its message is still acknowledged", async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    const logs: Array<[number, string]> = [];
    c.on_log = (_c: Client, _u: unknown, level: number, text: string) => logs.push([level, text]);
    const errors: unknown[] = [];
    c.on('error', (e: unknown) => errors.push(e));
    c.on_message = async () => { throw new Error('handler failed'); };
    await started(c);
    broker.send(publishPacket('t', 'x', 2, 5), { type: 'pubrel', packetId: 5 });
    await settle();
    expect(broker.receivedOf('pubrec').map((p) => p.packetId)).toEqual([5]);
    expect(broker.receivedOf('pubcomp').map((p) => p.packetId)).toEqual([5]);
    expect(logs.filter(([l]) => l === MQTT_LOG_ERR)).toEqual([[MQTT_LOG_ERR, 'Caught exception in on_message: handler failed']]);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).stack).toMatch(/^Error: handler failed\n\s+at /);
    c.disconnect();
  });

  test("a throwing messageCallbackAdd handler is logged under paho's name for it", async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    const logs: string[] = [];
    c.on_log = (_c: Client, _u: unknown, level: number, text: string) => { if (level === MQTT_LOG_ERR) logs.push(text.split('\n')[0]); };
    c.messageCallbackAdd('dogs/#', function on_message_dogs() { throw new Error('bad dog'); });
    c.messageCallbackAdd('cats/#', () => { throw new Error('bad cat'); });
    await started(c);
    broker.send(publishPacket('dogs/rex', 'x', 0));
    broker.send(publishPacket('cats/tom', 'x', 0));
    await settle();
    expect(logs).toEqual([
      'Caught exception in user defined callback function on_message_dogs: bad dog',
      'Caught exception in user defined callback function <lambda>: bad cat',
    ]);
    c.disconnect();
  });

  test('messageConcurrencySet(3): three handlers at once; the order of starts is the arrival order', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.messageConcurrencySet(3);
    const started_: string[] = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    c.messageCallbackAdd('t/#', (_c: Client, _u: unknown, m: MQTTMessage) => {
      started_.push(m.payload.toString());
      const d = deferred();
      gates.push(d);
      return d.promise;
    });
    await started(c);
    broker.send(...['1', '2', '3', '4', '5'].map((p, i) => publishPacket('t/x', p, 1, i + 1)));
    await settle();
    expect(started_).toEqual(['1', '2', '3']);
    gates[1].resolve(); // the second finishes first: its ack goes out, the fourth starts
    await settle();
    expect(broker.receivedOf('puback').map((p) => p.packetId)).toEqual([2]);
    expect(started_).toEqual(['1', '2', '3', '4']);
    expect(() => c.messageConcurrencySet(0)).toThrow(ValueError);
    for (const g of gates) g.resolve();
    await settle();
    for (const g of gates) g.resolve();
    await settle();
    expect(broker.receivedOf('puback').map((p) => p.packetId).sort()).toEqual([1, 2, 3, 4, 5]);
    c.disconnect();
  });

  test('sync handlers: no waiting; the acks of a chunk go out in the pump turn that delivered it', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); };
    await started(c);
    const writesBefore = broker.peer.received.length;
    broker.send(publishPacket('t', 'a', 1, 1), publishPacket('t', 'b', 2, 2));
    await settle();
    expect(got).toEqual(['a']); // QoS 2 is delivered at its PUBREL (paho)
    expect(broker.peer.received.length).toBe(writesBefore + 1); // PUBACK + PUBREC in one write
    expect(broker.received.slice(-2).map((p) => p.type)).toEqual(['puback', 'pubrec']);
    broker.send({ type: 'pubrel', packetId: 2 }, publishPacket('t', 'c', 1, 3));
    await settle();
    expect(got).toEqual(['a', 'b', 'c']);
    expect(broker.peer.received.length).toBe(writesBefore + 2); // PUBCOMP + PUBACK in one write
    expect(broker.received.slice(-2).map((p) => [p.type, (p as { packetId?: number }).packetId])).toEqual([['pubcomp', 2], ['puback', 3]]);
    c.disconnect();
  });
});

describe('incoming high-water marks', () => {
  test('reading pauses when maxIncoming messages wait and resumes below half; nothing is lost, order kept', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.maxIncomingSet(10);
    const got: string[] = [];
    let gate = deferred();
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
      got.push(m.payload.toString());
      return gate.promise;
    };
    await started(c);
    for (let i = 0; i < 100; i++) broker.send(publishPacket('t', String(i), 0));
    await settle();
    expect(c.readingPaused).toBe(true);
    expect(broker.peer.clientPaused).toBe(true);
    expect(c.incomingMessages).toBe(10); // decoding stopped at the mark: the rest waits as bytes
    for (let i = 100; i < 200; i++) broker.send(publishPacket('t', String(i), 0));
    await settle();
    expect(broker.peer.pendingToClient).toBeGreaterThan(0); // no longer read: it waits in the "socket"
    expect(c.incomingMessages).toBe(10);
    for (let round = 0; round < 400 && got.length < 200; round++) {
      const g = gate;
      gate = deferred();
      g.resolve();
      await settle(2);
      expect(c.incomingMessages).toBeLessThanOrEqual(10);
    }
    gate.resolve();
    await settle();
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(c.readingPaused).toBe(false);
    c.disconnect();
  });

  test('manual mode: the inbox is bounded by bytes when loop() is not called; loop() drains it and reading resumes', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.maxIncomingSet(1000, 1000);
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); };
    await c.connect('broker', 1883, 0);
    await c.loop(0);
    for (let i = 0; i < 50; i++) broker.send(publishPacket('t', `${i}`.padEnd(100, '.'), 0));
    await settle();
    expect(c.readingPaused).toBe(true);
    expect(debugSizes(c).inbox).toBeLessThan(15); // about 1,000 bytes of ~105-byte chunks
    while (got.length < 50) {
      await c.loop(0);
      await settle(2);
    }
    expect(got.map((p) => p.replace(/\.+$/, ''))).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(c.readingPaused).toBe(false);
    c.disconnect();
  });
});

describe('manual loop() with a stuck async handler', () => {
  test('loop() waits its timeout instead of spinning while decoding is held at the high-water mark', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.maxIncomingSet(2);
    const gate = deferred();
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); return gate.promise; };
    await c.connect('broker', 1883, 0);
    await c.loop(0);
    for (let i = 0; i < 10; i++) broker.send(publishPacket('t', String(i), 0));
    await settle();
    await c.loop(0);
    expect(c.incomingMessages).toBe(2);
    let returned = false;
    const p = c.loop(1).then((rc) => { returned = true; return rc; });
    await settle();
    expect(returned).toBe(false); // nothing to do: it waits (a spinning loop() would starve the handler)
    gate.resolve();
    await settle();
    expect(returned).toBe(true); // the handler settled: decoding can go on, loop() returns to do it
    expect(await p).toBe(MQTT_ERR_SUCCESS);
    for (let i = 0; i < 50 && got.length < 10; i++) await Promise.all([c.loop(0), advance(1)]);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    c.disconnect();
  });
});

describe('keepalive while reading is paused', () => {
  test('PINGREQ still goes out; a healthy link is not declared dead; a dead link still is', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.maxIncomingSet(2);
    const disconnects: number[] = [];
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => disconnects.push(rc);
    const gate = deferred();
    c.on_message = () => gate.promise; // stuck for a long while
    await started(c, 10);
    for (let i = 0; i < 20; i++) broker.send(publishPacket('t', String(i), 0));
    await settle();
    expect(c.readingPaused).toBe(true);
    // A minute of stuck handler: PINGREQs keep going out, answered behind the queued data.
    await advance(60_000);
    expect(broker.receivedOf('pingreq').length).toBeGreaterThanOrEqual(4);
    expect(disconnects).toEqual([]);
    expect(c.isConnected()).toBe(true);
    // Now the broker dies silently (no answer, nothing more queued): found at the usual deadline.
    broker.answerPings = false;
    gate.resolve();
    await settle();
    expect(c.readingPaused).toBe(false);
    const stuck = deferred();
    c.on_message = () => stuck.promise;
    for (let i = 0; i < 20; i++) broker.send(publishPacket('t', `late${i}`, 0));
    await settle();
    expect(c.readingPaused).toBe(true);
    // PINGREQ at most 10 s after the last write, no answer within half a keepalive: the link is dead.
    await advance(20_000);
    expect(disconnects).toEqual([MQTT_ERR_KEEPALIVE]);
    stuck.resolve();
    c.disconnect();
  });
});

describe('manual ack (manualAckSet / ack)', () => {
  test('PUBACK/PUBCOMP only at ack() (PUBREC on receipt, delivery at PUBREL, as paho 2.x); unknown or repeated acks return MQTT_ERR_NOT_FOUND; bad arguments throw ValueError', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.manualAckSet(true);
    const got: MQTTMessage[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m); };
    await started(c);
    broker.send(publishPacket('t', 'one', 1, 11), publishPacket('t', 'two', 2, 12));
    await settle();
    expect(got.map((m) => m.mid)).toEqual([11]);
    expect(broker.receivedOf('puback')).toEqual([]);
    expect(broker.receivedOf('pubrec').map((p) => p.packetId)).toEqual([12]); // paho sends PUBREC on receipt, manual ack or not
    broker.send({ type: 'pubrel', packetId: 12 });
    await settle();
    expect(got.map((m) => m.mid)).toEqual([11, 12]);
    expect(broker.receivedOf('pubcomp')).toEqual([]);
    expect(c.ack(12, 2)).toBe(MQTT_ERR_SUCCESS);
    await settle();
    expect(broker.receivedOf('pubcomp').map((p) => p.packetId)).toEqual([12]);
    expect(c.ack(12, 2)).toBe(MQTT_ERR_NOT_FOUND);
    expect(c.ack(11, 1)).toBe(MQTT_ERR_SUCCESS);
    await settle();
    expect(broker.receivedOf('puback').map((p) => p.packetId)).toEqual([11]);
    expect(c.ack(11, 1)).toBe(MQTT_ERR_NOT_FOUND);
    expect(c.ack(999, 1)).toBe(MQTT_ERR_NOT_FOUND);
    expect(c.ack(5, 0)).toBe(MQTT_ERR_SUCCESS);
    expect(() => c.ack(-1, 1)).toThrow(ValueError);
    expect(() => c.ack(1, 3)).toThrow(ValueError);
    expect(() => c.manualAckSet('yes' as unknown as boolean)).toThrow(ValueError);
    c.disconnect();
  });

  test('acks pending at a connection loss are not sent on the new connection', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ clientId: 'keep', cleanSession: false });
    c.manualAckSet(true);
    c.reconnectDelaySet(1, 1);
    c.on_message = () => undefined;
    await started(c);
    broker.send(publishPacket('t', 'one', 1, 3));
    await settle();
    broker.peer.close(new Error('reset'));
    await settle();
    await advance(1000);
    expect(broker.packets.length).toBe(2);
    expect(c.ack(3, 1)).toBe(MQTT_ERR_NOT_FOUND);
    await settle();
    expect(broker.receivedOf('puback')).toEqual([]);
    c.disconnect();
  });

  test('off (default): ack() is a no-op returning MQTT_ERR_SUCCESS, as paho', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    await started(c);
    expect(c.ack(1, 1)).toBe(MQTT_ERR_SUCCESS);
    c.disconnect();
  });
});

describe('write high-water mark and the outgoing bounds', () => {
  /** A memory transport whose unsent-bytes figure the spec controls, and whose drain it fires. */
  function stuckTransport(broker: MemoryBroker) {
    const ctl = { pending: 0, handlers: null as TransportHandlers | null };
    const create = () => {
      const t = broker.listener.createTransport();
      const open = t.open.bind(t);
      t.open = (h: TransportHandlers) => { ctl.handlers = h; return open(h); };
      Object.defineProperty(t, 'pendingBytes', { get: () => ctl.pending });
      return t;
    };
    return { ctl, create };
  }

  test('past the mark QoS 0 waits (bounded, reject-newest), QoS 1 waits in the session; on drain everything goes out in order', async () => {
    const broker = new MemoryBroker();
    const { ctl, create } = stuckTransport(broker);
    const c = broker.client({ createTransport: create });
    c.writeHighWaterSet(1000);
    c.maxQueuedQos0Set(3);
    await started(c);
    ctl.pending = 5000; // the socket buffer is full
    c.publish('t', 'first', 0);
    await settle(); // written; the transport now reports 5,000 unsent bytes: writes stop
    const infos = ['a', 'b', 'c', 'd'].map((p) => c.publish('t', p, 0));
    expect(infos.map((i) => i.rc)).toEqual([0, 0, 0, MQTT_ERR_QUEUE_SIZE]);
    const q1 = c.publish('t', 'q1', 1);
    await settle();
    expect(c.queuedMessages).toBe(4); // 3 QoS 0 + 1 QoS 1
    expect(c.queuedBytes).toBe(3 * 2 + 3);
    expect(c.rejectedMessages).toBe(1);
    expect(broker.receivedOf('publish').map((p) => p.payload.toString())).toEqual(['first']);
    ctl.pending = 0;
    ctl.handlers!.drain!();
    await settle();
    expect(broker.receivedOf('publish').map((p) => p.payload.toString())).toEqual(['first', 'a', 'b', 'c', 'q1']);
    expect(infos.slice(0, 3).every((i) => i.isPublished())).toBe(true);
    expect(q1.isPublished()).toBe(false); // waits for PUBACK
    c.disconnect();
  });

  test("drop-oldest: the oldest waiting QoS 0 is dropped, its waitForPublish rejects with MQTT_ERR_QUEUE_SIZE, counted and logged", async () => {
    const broker = new MemoryBroker();
    const { ctl, create } = stuckTransport(broker);
    const c = broker.client({ createTransport: create });
    const logs: string[] = [];
    c.on_log = (_c: Client, _u: unknown, _l: number, t: string) => logs.push(t);
    c.writeHighWaterSet(1000);
    c.maxQueuedQos0Set(2, 1_000_000);
    c.queuePolicySet('drop-oldest');
    expect(() => c.queuePolicySet('drop-newest' as never)).toThrow(ValueError);
    await started(c);
    ctl.pending = 5000;
    c.publish('t', 'first', 0);
    await settle();
    const [a, b, d] = ['a', 'b', 'd'].map((p) => c.publish('t', p, 0));
    expect(d.rc).toBe(MQTT_ERR_SUCCESS);
    await expect(a.waitForPublish()).rejects.toEqual(expect.objectContaining({ name: 'PublishError', rc: MQTT_ERR_QUEUE_SIZE }));
    expect(c.droppedMessages).toBe(1);
    await settle();
    expect(logs.some((t) => /dropped the oldest QoS 0 message/.test(t))).toBe(true);
    ctl.pending = 0;
    ctl.handlers!.drain!();
    await settle();
    expect(broker.receivedOf('publish').map((p) => p.payload.toString())).toEqual(['first', 'b', 'd']);
    expect(b.isPublished()).toBe(true);
    c.disconnect();
  });

  test('while writes are held back, control packets still go: PINGREQ on time, acks of received messages; no false keepalive failure', async () => {
    const broker = new MemoryBroker();
    const { ctl, create } = stuckTransport(broker);
    const c = broker.client({ createTransport: create });
    c.writeHighWaterSet(1000);
    const disconnects: number[] = [];
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => disconnects.push(rc);
    c.on_message = () => undefined;
    await started(c, 10);
    ctl.pending = 5000;
    c.publish('t', 'first', 0);
    await settle();
    const held = c.publish('t', 'held', 1);
    broker.send(publishPacket('in', 'x', 1, 77));
    await settle();
    expect(broker.receivedOf('puback').map((p) => p.packetId)).toEqual([77]);
    await advance(30_000);
    expect(broker.receivedOf('pingreq').length).toBeGreaterThanOrEqual(2);
    expect(disconnects).toEqual([]);
    expect(broker.receivedOf('publish').map((p) => p.payload.toString())).toEqual(['first']);
    expect(held.rc).toBe(MQTT_ERR_SUCCESS);
    c.disconnect();
  });

  test('maxQueuedBytesSet bounds QoS 1/2 by bytes while offline; argument checks', () => {
    const c = new Client({ clientId: 'offline' });
    c.maxQueuedBytesSet(10);
    expect(c.publish('t', '123456789', 1).rc).toBe(MQTT_ERR_SUCCESS); // 10 bytes with the topic
    expect(c.publish('t', '', 1).rc).toBe(MQTT_ERR_QUEUE_SIZE);
    expect(c.queuedMessages).toBe(1);
    expect(c.queuedBytes).toBe(10);
    expect(() => c.maxQueuedBytesSet(-1)).toThrow(ValueError);
    expect(() => c.maxQueuedQos0Set(1.5)).toThrow(ValueError);
    expect(() => c.writeHighWaterSet(0)).toThrow(ValueError);
    expect(() => c.maxIncomingSet(0)).toThrow(ValueError);
  });
});
