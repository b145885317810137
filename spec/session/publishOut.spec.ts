/**
 * Session engine, outgoing messages: QoS 0/1/2 flows, the in-flight window, the queue bound,
 * packet identifiers, MQTT 3.1's timed retry and the MQTT 5 server limits.
 */
import {
  MQTT_ERR_NO_CONN, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS, MQTT_LOG_WARNING,
} from '../../lib/constants';
import { ValueError } from '../../lib/errors';
import { PublishError } from '../../lib/message';
import { encode } from '../../lib/protocol';
import type { Packet, PublishPacket } from '../../lib/protocol/types';
import { ack, ids, pub, ScriptedBroker, settled, types } from './harness';

const T0 = 1_000_000;

function connected(config: ConstructorParameters<typeof ScriptedBroker>[0] = {}, connackProps?: Parameters<ScriptedBroker['connectAndAccept']>[1]) {
  const b = new ScriptedBroker(config, T0);
  expect(b.connectAndAccept(false, connackProps)).toEqual([]);
  return b;
}

describe('QoS 0', () => {
  it('is written at once; published only once taken for the socket', async () => {
    const b = connected();
    const info = b.publish('a/b', 'hello', 0);
    expect(info.rc).toBe(MQTT_ERR_SUCCESS);
    expect(info.mid).toBeGreaterThan(0);
    expect(b.events()).toEqual([]);
    expect(info.isPublished()).toBe(false);
    expect(b.sentPackets()).toEqual([pub('a/b', 'hello', 0)]);
    expect(b.events()).toEqual([{ kind: 'published', mid: info.mid, reasonCode: 0 }]);
    expect(info.isPublished()).toBe(true);
    await expect(info.waitForPublish()).resolves.toBeUndefined();
    expect(b.s.outgoing.size).toBe(0);
  });

  it('retain flag and an empty payload', () => {
    const b = connected();
    b.publish('a/b', Buffer.alloc(0), 0, true);
    expect(b.sentPackets()).toEqual([pub('a/b', '', 0, undefined, { retain: true })]);
  });

  it('several QoS 0 messages go out in order, one published event each', () => {
    const b = connected();
    const infos = [b.publish('t', '1', 0), b.publish('t', '2', 0), b.publish('t', '3', 0)];
    expect(b.sentPackets()).toEqual([pub('t', '1', 0), pub('t', '2', 0), pub('t', '3', 0)]);
    expect(b.events()).toEqual(infos.map((i) => ({ kind: 'published', mid: i.mid, reasonCode: 0 })));
  });

  it('not connected: rc MQTT_ERR_NO_CONN, nothing written, waitForPublish rejects', async () => {
    const b = new ScriptedBroker({}, T0);
    const info = b.publish('a/b', 'x', 0);
    expect(info.rc).toBe(MQTT_ERR_NO_CONN);
    expect([...info][0]).toBe(MQTT_ERR_NO_CONN);
    expect(info.isPublished()).toBe(false);
    expect(b.s.takeOutgoing(b.now)).toBeNull();
    await expect(info.waitForPublish()).rejects.toBeInstanceOf(PublishError);
    await expect(info.waitForPublish()).rejects.toMatchObject({ rc: MQTT_ERR_NO_CONN });
    expect(b.events()).toEqual([]);
  });

  it('after the connection is lost: rc MQTT_ERR_NO_CONN', () => {
    const b = connected();
    b.s.connectionLost();
    expect(b.publish('a/b', 'x', 0).rc).toBe(MQTT_ERR_NO_CONN);
  });
});

describe('QoS 1', () => {
  it('PUBLISH -> PUBACK -> published, state freed', async () => {
    const b = connected();
    const info = b.publish('a/b', 'x', 1);
    expect(info.rc).toBe(MQTT_ERR_SUCCESS);
    expect(info.mid).toBe(1);
    expect(b.sentPackets()).toEqual([pub('a/b', 'x', 1, 1)]);
    expect(b.events()).toEqual([]);
    expect(info.isPublished()).toBe(false);
    expect(await settled(info.waitForPublish())).toBe('pending');
    expect(b.s.outgoing.size).toBe(1);

    b.brokerSends({ type: 'puback', packetId: 1 });
    expect(b.events()).toEqual([{ kind: 'published', mid: 1, reasonCode: 0 }]);
    expect(info.isPublished()).toBe(true);
    await expect(info.waitForPublish()).resolves.toBeUndefined();
    expect(b.s.outgoing.size).toBe(0);
    expect(b.sentPackets()).toEqual([]);
  });

  it('a pending waitForPublish resolves on PUBACK', async () => {
    const b = connected();
    const info = b.publish('a/b', 'x', 1);
    b.sentPackets();
    const waiting = info.waitForPublish();
    b.brokerSends({ type: 'puback', packetId: info.mid });
    await expect(waiting).resolves.toBeUndefined();
  });

  it('retain and MQTT 5 properties are carried', () => {
    const b = connected({ protocol: 5 });
    b.publish('a/b', 'x', 1, true, { MessageExpiryInterval: 30, UserProperty: [['k', 'v']] });
    expect(b.sentPackets()).toEqual([
      pub('a/b', 'x', 1, 1, { retain: true, properties: { MessageExpiryInterval: 30, UserProperty: [['k', 'v']] } }),
    ]);
  });

  it('5.0: PUBACK with a failure reason code still ends the flow, the code reaches the event', () => {
    const b = connected({ protocol: 5 });
    const info = b.publish('a/b', 'x', 1);
    b.sentPackets();
    b.brokerSends({ type: 'puback', packetId: 1, reasonCode: 0x87, properties: { ReasonString: 'no' } });
    expect(b.events()).toEqual([{ kind: 'published', mid: 1, reasonCode: 0x87, properties: { ReasonString: 'no' } }]);
    expect(b.s.outgoing.size).toBe(0);
    expect(info.isPublished()).toBe(true);
  });

  it('PUBACK for an unknown id is ignored (a log line only)', () => {
    const b = connected();
    b.s.logging = true;
    const info = b.publish('a/b', 'x', 1);
    b.sentPackets();
    b.allEvents();
    b.brokerSends({ type: 'puback', packetId: 99 });
    const ev = b.allEvents();
    expect(ev.filter((e) => e.kind !== 'log')).toEqual([]);
    expect(ev).toContainEqual(expect.objectContaining({ kind: 'log', level: MQTT_LOG_WARNING }));
    expect(b.sentPackets()).toEqual([]);
    expect(info.isPublished()).toBe(false);
    expect(b.s.isConnected).toBe(true);
  });

  // PUBACK for a QoS 2 message (a broker that downgrades QoS 2): spec/session/ackMismatch.spec.ts.

  it('a second PUBACK for the same id is ignored', () => {
    const b = connected();
    b.publish('a/b', 'x', 1);
    b.sentPackets();
    b.brokerSends({ type: 'puback', packetId: 1 }, { type: 'puback', packetId: 1 });
    expect(b.events()).toEqual([{ kind: 'published', mid: 1, reasonCode: 0 }]);
  });
});

describe('QoS 2', () => {
  it('PUBLISH -> PUBREC -> PUBREL -> PUBCOMP -> published (MQTT 3.1.1 §4.3.3)', async () => {
    const b = connected();
    const info = b.publish('a/b', 'x', 2);
    expect(b.sentPackets()).toEqual([pub('a/b', 'x', 2, 1)]);
    b.brokerSends({ type: 'pubrec', packetId: 1 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 1)]);
    expect(b.events()).toEqual([]);
    expect(info.isPublished()).toBe(false);
    expect(b.s.outgoing.size).toBe(1);
    b.brokerSends({ type: 'pubcomp', packetId: 1 });
    expect(b.events()).toEqual([{ kind: 'published', mid: 1, reasonCode: 0 }]);
    expect(info.isPublished()).toBe(true);
    await expect(info.waitForPublish()).resolves.toBeUndefined();
    expect(b.s.outgoing.size).toBe(0);
    expect(b.sentPackets()).toEqual([]);
  });

  it('a duplicate PUBREC is answered with PUBREL again', () => {
    const b = connected();
    b.publish('a/b', 'x', 2);
    b.sentPackets();
    b.brokerSends({ type: 'pubrec', packetId: 1 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 1)]);
    b.brokerSends({ type: 'pubrec', packetId: 1 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 1)]);
    expect(b.events()).toEqual([]);
    b.brokerSends({ type: 'pubcomp', packetId: 1 });
    expect(b.events()).toEqual([{ kind: 'published', mid: 1, reasonCode: 0 }]);
  });

  it('PUBREC for an unknown id is answered with PUBREL (3.1.1)', () => {
    const b = connected();
    b.brokerSends({ type: 'pubrec', packetId: 42 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 42)]);
    expect(b.events()).toEqual([]);
  });

  it('5.0: PUBREC for an unknown id is answered with PUBREL 0x92 (Packet Identifier not found, MQTT 5.0 §3.6.2.1)', () => {
    const b = connected({ protocol: 5 });
    b.brokerSends({ type: 'pubrec', packetId: 42 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 42, 0x92)]);
  });

  it('5.0: PUBREC with a failure code ends the flow without PUBREL (MQTT 5.0 §4.3.3)', () => {
    const b = connected({ protocol: 5 });
    const info = b.publish('a/b', 'x', 2);
    b.sentPackets();
    b.brokerSends({ type: 'pubrec', packetId: 1, reasonCode: 0x80 });
    expect(b.sentPackets()).toEqual([]);
    expect(b.events()).toEqual([{ kind: 'published', mid: 1, reasonCode: 0x80 }]);
    expect(info.isPublished()).toBe(true);
    expect(b.s.outgoing.size).toBe(0);
  });

  it('PUBCOMP for an unknown id is ignored', () => {
    const b = connected();
    b.brokerSends({ type: 'pubcomp', packetId: 9 });
    expect(b.sentPackets()).toEqual([]);
    expect(b.events()).toEqual([]);
    expect(b.s.isConnected).toBe(true);
  });
});

describe('in-flight window', () => {
  it('maxInflight 20, 50 QoS 1 messages: 20 PUBLISH, each PUBACK releases exactly one more, in publish order', () => {
    const b = connected({ maxInflight: 20 });
    const infos = Array.from({ length: 50 }, (_, i) => b.publish('t', `m${i}`, 1));
    expect(infos.map((i) => i.rc)).toEqual(Array(50).fill(MQTT_ERR_SUCCESS));
    const first = b.sentPackets();
    expect(first).toEqual(infos.slice(0, 20).map((info, i) => pub('t', `m${i}`, 1, info.mid)));
    let next = 20;
    for (let k = 0; k < 50; k++) {
      b.brokerSends({ type: 'puback', packetId: infos[k].mid });
      const sent = b.sentPackets();
      if (next < 50) {
        expect(sent).toEqual([pub('t', `m${next}`, 1, infos[next].mid)]);
        next++;
      } else {
        expect(sent).toEqual([]);
      }
    }
    expect(infos.every((i) => i.isPublished())).toBe(true);
    expect(b.s.outgoing.size).toBe(0);
  });

  it('acks out of order still release the queued messages in publish order', () => {
    const b = connected({ maxInflight: 3 });
    const infos = Array.from({ length: 6 }, (_, i) => b.publish('t', `m${i}`, 1));
    expect(ids(b.sentPackets())).toEqual([1, 2, 3]);
    b.brokerSends({ type: 'puback', packetId: 3 });
    expect(b.sentPackets()).toEqual([pub('t', 'm3', 1, 4)]);
    b.brokerSends({ type: 'puback', packetId: 1 }, { type: 'puback', packetId: 2 });
    expect(b.sentPackets()).toEqual([pub('t', 'm4', 1, 5), pub('t', 'm5', 1, 6)]);
    expect(infos.map((i) => i.isPublished())).toEqual([true, true, true, false, false, false]);
  });

  it('QoS 2 holds its slot until PUBCOMP, not PUBREC (MQTT 5.0 §4.9)', () => {
    const b = connected({ maxInflight: 1 });
    b.publish('t', 'a', 2);
    b.publish('t', 'b', 2);
    expect(b.sentPackets()).toEqual([pub('t', 'a', 2, 1)]);
    b.brokerSends({ type: 'pubrec', packetId: 1 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 1)]);
    b.brokerSends({ type: 'pubcomp', packetId: 1 });
    expect(b.sentPackets()).toEqual([pub('t', 'b', 2, 2)]);
  });

  it('QoS 0 ignores the window', () => {
    const b = connected({ maxInflight: 1 });
    b.publish('t', 'a', 1);
    b.publish('t', 'b', 1);
    b.publish('t', 'c', 0);
    expect(b.sentPackets()).toEqual([pub('t', 'a', 1, 1), pub('t', 'c', 0)]);
  });

  it('maxInflight 0 = unlimited: 300 QoS 1 messages all go out at once', () => {
    const b = connected({ maxInflight: 0 });
    for (let i = 0; i < 300; i++) b.publish('t', `m${i}`, 1);
    const sent = b.sentPackets();
    expect(sent).toHaveLength(300);
    expect(ids(sent)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('5.0: CONNACK Receive Maximum 5 caps the window at 5 even with maxInflight 20 (MQTT 5.0 §4.9 [MQTT-4.9.0-2])', () => {
    const b = connected({ protocol: 5, maxInflight: 20 }, { ReceiveMaximum: 5 });
    for (let i = 0; i < 12; i++) b.publish('t', `m${i}`, i % 2 === 0 ? 1 : 2);
    expect(ids(b.sentPackets())).toEqual([1, 2, 3, 4, 5]);
    b.brokerSends({ type: 'puback', packetId: 1 });
    expect(ids(b.sentPackets())).toEqual([6]);
    b.brokerSends({ type: 'pubrec', packetId: 2 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 2)]); // PUBREC does not free the slot
    b.brokerSends({ type: 'pubcomp', packetId: 2 });
    expect(ids(b.sentPackets())).toEqual([7]);
  });

  it('5.0: Receive Maximum above maxInflight: maxInflight wins', () => {
    const b = connected({ protocol: 5, maxInflight: 3 }, { ReceiveMaximum: 100 });
    for (let i = 0; i < 10; i++) b.publish('t', `m${i}`, 1);
    expect(ids(b.sentPackets())).toEqual([1, 2, 3]);
  });

  it('5.0: Receive Maximum from an earlier connection does not stick to the next one', () => {
    const b = new ScriptedBroker({ protocol: 5, maxInflight: 0, cleanSession: false }, T0);
    b.connectAndAccept(false, { ReceiveMaximum: 1 });
    b.s.connectionLost();
    for (let i = 0; i < 4; i++) b.publish('t', `m${i}`, 1);
    expect(ids(b.connectAndAccept(true))).toEqual([1, 2, 3, 4]);
  });
});

describe('maxQueued', () => {
  it('the 11th unfinished QoS 1 message is refused with MQTT_ERR_QUEUE_SIZE; info methods throw ValueError', () => {
    const b = connected({ maxQueued: 10 });
    const infos = Array.from({ length: 10 }, (_, i) => b.publish('t', `m${i}`, 1));
    expect(infos.map((i) => i.rc)).toEqual(Array(10).fill(MQTT_ERR_SUCCESS));
    const refused = b.publish('t', 'm10', 1);
    expect(refused.rc).toBe(MQTT_ERR_QUEUE_SIZE);
    expect([...refused][0]).toBe(MQTT_ERR_QUEUE_SIZE);
    expect(() => refused.waitForPublish()).toThrow(ValueError);
    expect(() => refused.isPublished()).toThrow(ValueError);
    expect(b.sentPackets()).toHaveLength(10);
    expect(b.s.outgoing.size).toBe(10);

    // one finishes: room for one more
    b.brokerSends({ type: 'puback', packetId: infos[0].mid });
    const again = b.publish('t', 'm11', 1);
    expect(again.rc).toBe(MQTT_ERR_SUCCESS);
    expect(b.publish('t', 'm12', 2).rc).toBe(MQTT_ERR_QUEUE_SIZE);
  });

  it('counts messages waiting offline too', () => {
    const b = new ScriptedBroker({ maxQueued: 3 }, T0);
    expect([1, 2, 3].map((i) => b.publish('t', `${i}`, 1).rc)).toEqual([0, 0, 0]);
    expect(b.publish('t', '4', 2).rc).toBe(MQTT_ERR_QUEUE_SIZE);
  });

  it('QoS 0 is not counted against it', () => {
    const b = connected({ maxQueued: 1 });
    expect(b.publish('t', 'a', 1).rc).toBe(MQTT_ERR_SUCCESS);
    expect(b.publish('t', 'b', 0).rc).toBe(MQTT_ERR_SUCCESS);
  });

  it('0 = unlimited', () => {
    const b = new ScriptedBroker({ maxQueued: 0 }, T0);
    for (let i = 0; i < 1000; i++) expect(b.publish('t', 'x', 1).rc).toBe(MQTT_ERR_SUCCESS);
  });
});

describe('published while not connected', () => {
  it('QoS 1/2 are queued and sent after CONNACK, in publish order', () => {
    const b = new ScriptedBroker({}, T0);
    const infos = [b.publish('t', 'a', 1), b.publish('t', 'b', 2), b.publish('u', 'c', 1, true)];
    expect(infos.map((i) => i.rc)).toEqual([0, 0, 0]);
    expect(b.s.takeOutgoing(b.now)).toBeNull();
    expect(b.connectAndAccept()).toEqual([
      pub('t', 'a', 1, infos[0].mid), pub('t', 'b', 2, infos[1].mid), pub('u', 'c', 1, infos[2].mid, { retain: true }),
    ]);
  });

  it('while CONNECT is outstanding they wait for CONNACK too', () => {
    const b = new ScriptedBroker({}, T0);
    b.connect();
    b.publish('t', 'a', 1);
    b.publish('t', 'b', 2);
    expect(b.sentPackets()).toEqual([]);
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    expect(b.sentPackets()).toEqual([pub('t', 'a', 1, 1), pub('t', 'b', 2, 2)]);
  });

  it('the window applies to the messages queued offline', () => {
    const b = new ScriptedBroker({ maxInflight: 2 }, T0);
    for (let i = 0; i < 5; i++) b.publish('t', `m${i}`, 1);
    expect(ids(b.connectAndAccept())).toEqual([1, 2]);
  });
});

describe('packet identifiers', () => {
  /** Publishes a QoS 1 message and acknowledges it at once; returns its id. */
  function roundTrip(b: ScriptedBroker, puback: Buffer[]): number {
    const info = b.s.publish('t', Buffer.from('x'), 1, false, undefined, b.now);
    b.s.takeOutgoing(b.now);
    const mid = info.mid;
    puback[0][2] = mid >> 8;
    puback[0][3] = mid & 0xff;
    b.s.receive(puback[0], b.now);
    return mid;
  }

  it('1..65535, then wrap around to 1; never 0', () => {
    const b = connected({ maxInflight: 0 });
    const puback = [Buffer.from(encode({ type: 'puback', packetId: 1 }, 4))];
    let expected = 1;
    for (let i = 0; i < 65535; i++) {
      const mid = roundTrip(b, puback);
      if (mid !== expected) throw new Error(`message ${i}: id ${mid}, expected ${expected}`);
      expected++;
      b.s.takeEvents();
    }
    expect(roundTrip(b, puback)).toBe(1);
    expect(roundTrip(b, puback)).toBe(2);
    expect(b.s.outgoing.size).toBe(0);
  });

  it('skips ids still in use: id 1 unacknowledged, after the wrap the next id is 2 (MQTT 3.1.1 §2.3.1 [MQTT-2.3.1-2])', () => {
    const b = connected({ maxInflight: 0 });
    const held = b.publish('t', 'held', 1);
    expect(held.mid).toBe(1);
    b.sentPackets();
    const puback = [Buffer.from(encode({ type: 'puback', packetId: 1 }, 4))];
    let last = 0;
    for (let i = 0; i < 65534; i++) {
      last = roundTrip(b, puback);
      if (last === 1 || last === 0) throw new Error(`id ${last} given out while id 1 is in use`);
      b.s.takeEvents();
    }
    expect(last).toBe(65535);
    const after = b.publish('t', 'wrapped', 1);
    expect(after.mid).toBe(2);
    expect(b.sentPackets()).toEqual([pub('t', 'wrapped', 1, 2)]);
    expect(held.isPublished()).toBe(false);
  });

  it('QoS 1/2, SUBSCRIBE and UNSUBSCRIBE never share an id while unfinished', () => {
    const b = connected({ maxInflight: 0 });
    const m1 = b.publish('t', 'a', 1).mid;
    const [, s1] = b.s.subscribe([{ topic: 'x', qos: 0 }], undefined, b.now);
    const m2 = b.publish('t', 'b', 2).mid;
    const [, u1] = b.s.unsubscribe(['x'], undefined, b.now);
    const all = [m1, s1, m2, u1];
    expect(new Set(all).size).toBe(4);
    expect(all.every((id) => id >= 1 && id <= 65535)).toBe(true);
    const sent = b.sentPackets();
    expect(sent.map((p) => (p as { packetId: number }).packetId)).toEqual(all);
  });
});

describe('MQTT 3.1 timed retry', () => {
  it('protocol 3, retrySeconds 5: an unacknowledged QoS 1 message is resent with DUP after 5 s', () => {
    const b = connected({ protocol: 3, retrySeconds: 5, keepalive: 60 });
    const info = b.publish('t', 'x', 1);
    expect(b.sentPackets()).toEqual([pub('t', 'x', 1, 1)]);
    expect(b.s.nextDeadline()).toBe(T0 + 5_000);
    b.at(T0 + 4_999);
    expect(b.sentPackets()).toEqual([]);
    b.at(T0 + 5_000);
    expect(b.sentPackets()).toEqual([pub('t', 'x', 1, 1, { dup: true })]);
    b.at(T0 + 10_000);
    expect(b.sentPackets()).toEqual([pub('t', 'x', 1, 1, { dup: true })]);
    b.brokerSends({ type: 'puback', packetId: 1 });
    expect(info.isPublished()).toBe(true);
    b.at(T0 + 20_000);
    expect(b.sentPackets()).toEqual([]);
  });

  it('protocol 3: a QoS 2 message past PUBREC is retried with PUBREL, not PUBLISH', () => {
    const b = connected({ protocol: 3, retrySeconds: 5 });
    b.publish('t', 'x', 2);
    b.sentPackets();
    b.at(T0 + 1_000);
    b.brokerSends({ type: 'pubrec', packetId: 1 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 1)]);
    b.at(T0 + 6_000);
    expect(b.sentPackets()).toEqual([ack('pubrel', 1)]);
  });

  it('protocol 4: never resent while connected', () => {
    const b = connected({ protocol: 4, retrySeconds: 5, keepalive: 0 });
    b.publish('t', 'x', 1);
    b.publish('t', 'y', 2);
    b.sentPackets();
    expect(b.s.nextDeadline()).toBe(Infinity);
    for (let t = 1; t <= 600; t++) {
      b.at(T0 + t * 1_000);
      expect(b.sentPackets()).toEqual([]);
    }
  });

  it('protocol 5: never resent while connected', () => {
    const b = connected({ protocol: 5, retrySeconds: 1, keepalive: 60 });
    b.publish('t', 'x', 1);
    b.sentPackets();
    expect(b.s.nextDeadline()).toBe(T0 + 60_000); // the keepalive, not a retry
    b.at(T0 + 59_000);
    expect(b.sentPackets()).toEqual([]);
  });
});

describe('5.0: limits the server sets in CONNACK', () => {
  it('Maximum QoS 1: no PUBLISH above QoS 1 goes on the wire (MQTT 5.0 §3.2.2.3.4 [MQTT-3.2.2-11])', () => {
    const b = connected({ protocol: 5 }, { MaximumQoS: 1 });
    b.publish('t', 'x', 2);
    b.publish('t', 'y', 1);
    const sent = b.sentPackets().filter((p): p is PublishPacket => p.type === 'publish');
    expect(sent.filter((p) => p.qos > 1)).toEqual([]);
  });

  it('Maximum QoS 0: no QoS 1 PUBLISH goes on the wire (MQTT 5.0 §3.2.2.3.4 [MQTT-3.2.2-11])', () => {
    const b = connected({ protocol: 5 }, { MaximumQoS: 0 });
    b.publish('t', 'x', 1);
    const sent = b.sentPackets().filter((p): p is PublishPacket => p.type === 'publish');
    expect(sent.filter((p) => p.qos > 0)).toEqual([]);
  });

  it('Retain Available 0: no PUBLISH with RETAIN 1 goes on the wire (MQTT 5.0 §3.2.2.3.5 [MQTT-3.2.2-14])', () => {
    const b = connected({ protocol: 5 }, { RetainAvailable: 0 });
    b.publish('t', 'x', 0, true);
    b.publish('t', 'y', 1, true);
    const sent: Packet[] = b.sentPackets();
    expect(sent.filter((p) => p.type === 'publish' && p.retain)).toEqual([]);
  });

  it('Maximum Packet Size: a PUBLISH larger than it is not sent (MQTT 5.0 §3.2.2.3.6 [MQTT-3.2.2-15])', () => {
    const b = connected({ protocol: 5 }, { MaximumPacketSize: 100 });
    const big = b.publish('t', Buffer.alloc(200), 1);
    expect(big.rc).not.toBe(MQTT_ERR_SUCCESS);
    const small = b.publish('t', 'ok', 1);
    expect(small.rc).toBe(MQTT_ERR_SUCCESS);
    const sent = b.sentPackets();
    expect(types(sent)).toEqual(['publish']);
    expect(sent.every((p) => encode(p, 5).length <= 100)).toBe(true);
  });
});

describe('bookkeeping is freed (user-pain.md §16)', () => {
  it('after 10,000 QoS 1 and 10,000 QoS 2 round trips (both directions) and 1,000 subscribes, every map is empty', () => {
    const b = connected({ maxInflight: 20 });
    const acks: Packet[] = [];
    for (let i = 0; i < 10_000; i++) {
      const q1 = b.s.publish('t', Buffer.from('a'), 1, false, undefined, b.now);
      const q2 = b.s.publish('t', Buffer.from('b'), 2, false, undefined, b.now);
      b.s.takeOutgoing(b.now);
      acks.length = 0;
      acks.push({ type: 'puback', packetId: q1.mid }, { type: 'pubrec', packetId: q2.mid });
      b.brokerSends(...acks);
      b.brokerSends({ type: 'pubcomp', packetId: q2.mid });
      // incoming QoS 2 with the same id space reused over and over
      b.brokerSends(pub('in', 'x', 2, (i % 65535) + 1), { type: 'pubrel', packetId: (i % 65535) + 1 });
      b.s.takeOutgoing(b.now);
      b.s.takeEvents();
      if (!q1.isPublished() || !q2.isPublished()) throw new Error(`round ${i} did not complete`);
    }
    for (let i = 0; i < 1_000; i++) {
      const [, sm] = b.s.subscribe([{ topic: 'a', qos: 1 }], undefined, b.now);
      const [, um] = b.s.unsubscribe(['a'], undefined, b.now);
      b.brokerSends({ type: 'suback', packetId: sm, reasonCodes: [1] }, { type: 'unsuback', packetId: um });
    }
    b.s.takeOutgoing(b.now);
    b.s.takeEvents();
    expect(b.s.outgoing.size).toBe(0);
    expect(b.s.outgoing.queued).toBe(0);
    expect(b.s.outgoing.inflight).toBe(0);
    expect(b.s.incomingQos2.size).toBe(0);
    expect(b.s.pendingSubscribes.size).toBe(0);
    expect(b.s.pendingUnsubscribes.size).toBe(0);
    expect(b.s.pendingOutgoingBytes).toBe(0);
  });
});
