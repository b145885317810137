/**
 * Session engine: bad input from the network. DESIGN.md "Rules of the road": a malformed
 * packet or a protocol violation closes the connection with MQTT_ERR_PROTOCOL; it never
 * throws, never reaches on_message; on 3.1/3.1.1 the client just closes (a DISCONNECT would
 * cancel its will), on 5.0 it sends DISCONNECT with reason 0x81/0x82 first
 * (MQTT 5.0 §4.13.1: "the receiver ... MAY send a DISCONNECT ... before closing").
 */
import { MQTT_ERR_PROTOCOL, MQTT_ERR_SUCCESS } from '../../lib/constants';
import { encode } from '../../lib/protocol';
import type { Packet } from '../../lib/protocol/types';
import { ack, pub, rawPublish, ScriptedBroker, types } from './harness';

const T0 = 1_000_000;

function connected(config: ConstructorParameters<typeof ScriptedBroker>[0] = {}) {
  const b = new ScriptedBroker(config, T0);
  b.connectAndAccept();
  return b;
}

const kinds = (b: ScriptedBroker) => b.events().map((e) => e.kind);

describe('malformed packets', () => {
  it('3.1.1: a PUBLISH with QoS 3 closes with MQTT_ERR_PROTOCOL, is not delivered; packets before it in the chunk are processed (MQTT 3.1.1 §3.3.1.2 [MQTT-3.3.1-4])', () => {
    const b = connected();
    const good = encode(pub('ok', 'first', 1, 4), 4);
    const bad = rawPublish(0x36, 'a/b', 5, 'bad'); // QoS bits 11
    const after = encode(pub('never', 'x', 0), 4);
    expect(() => b.brokerSendsRaw(Buffer.concat([good, bad, after]))).not.toThrow();
    const ev = b.events();
    expect(ev.map((e) => e.kind)).toEqual(['message', 'close']);
    expect(ev[0]).toMatchObject({ kind: 'message', message: { topic: 'ok' } });
    expect(ev[1]).toMatchObject({ kind: 'close', rc: MQTT_ERR_PROTOCOL });
    // the good one was acknowledged; no DISCONNECT on 3.1.1
    expect(b.sentPackets()).toEqual([ack('puback', 4)]);
    expect(b.s.isConnected).toBe(false);
  });

  it('3.1.1: a PUBLISH topic with "#" closes with MQTT_ERR_PROTOCOL and is not delivered (MQTT 3.1.1 §3.3.2.1 [MQTT-3.3.2-2])', () => {
    const b = connected();
    b.brokerSends(pub('before', 'x', 0));
    b.brokerSendsRaw(rawPublish(0x30, 'a/#', null, 'x'));
    const ev = b.events();
    expect(ev.map((e) => e.kind)).toEqual(['message', 'close']);
    expect(ev[1]).toMatchObject({ rc: MQTT_ERR_PROTOCOL });
    expect(b.sentPackets()).toEqual([]);
  });

  it('3.1.1: a PUBLISH topic with "+" closes too', () => {
    const b = connected();
    b.brokerSendsRaw(rawPublish(0x32, 'a/+/c', 3, 'x'));
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL })]);
    expect(b.sentPackets()).toEqual([]); // no PUBACK for it
  });

  it('5.0: QoS 3 -> DISCONNECT 0x81 (Malformed Packet) is queued before the close', () => {
    const b = connected({ protocol: 5 });
    b.brokerSendsRaw(rawPublish(0x36, 'a/b', 5, 'bad', Buffer.from([0])));
    expect(kinds(b)).toEqual(['close']);
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x81 }]);
  });

  it('5.0: a wildcard topic -> a DISCONNECT with an error reason code, then close', () => {
    const b = connected({ protocol: 5 });
    b.brokerSendsRaw(rawPublish(0x30, 'a/#', null, 'x', Buffer.from([0])));
    const ev = b.events();
    expect(ev).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL })]);
    const sent = b.sentPackets();
    expect(types(sent)).toEqual(['disconnect']);
    expect((sent[0] as { reasonCode: number }).reasonCode).toBeGreaterThanOrEqual(0x80);
  });

  it('reserved fixed-header flags (PUBACK 0x41) close with MQTT_ERR_PROTOCOL (MQTT 3.1.1 §2.2.2 [MQTT-2.2.2-2])', () => {
    const b = connected();
    const info = b.publish('t', 'x', 1);
    b.sentPackets();
    b.brokerSendsRaw(Buffer.from([0x41, 0x02, 0x00, 0x01]));
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL })]);
    expect(info.isPublished()).toBe(false);
  });

  it('invalid UTF-8 in a topic closes (MQTT 3.1.1 §1.5.3 [MQTT-1.5.3-1])', () => {
    const b = connected();
    const bytes = Buffer.from([0x30, 0x05, 0x00, 0x02, 0xc3, 0x28, 0x78]);
    b.brokerSendsRaw(bytes);
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL })]);
  });

  it('a bad packet split across chunks: the close comes when its bytes do, never a throw', () => {
    const b = connected();
    const bytes = Buffer.concat([encode(pub('ok', '1', 0), 4), rawPublish(0x36, 'a/b', 5, 'bad')]);
    for (let i = 0; i < bytes.length; i++) expect(() => b.brokerSendsRaw(bytes.subarray(i, i + 1))).not.toThrow();
    const ev = b.events();
    expect(ev.map((e) => e.kind)).toEqual(['message', 'close']);
    expect(ev[1]).toMatchObject({ rc: MQTT_ERR_PROTOCOL });
  });

  it('random garbage never throws out of receive()', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const b = connected({ protocol: (seed % 2 === 0 ? 5 : 4) as 4 | 5 });
      let x = seed;
      const junk = Buffer.alloc(64);
      for (let i = 0; i < junk.length; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; junk[i] = x & 0xff; }
      expect(() => b.brokerSendsRaw(junk)).not.toThrow();
      expect(() => b.brokerSendsRaw(junk)).not.toThrow();
      const ev = b.events();
      expect(ev.filter((e) => e.kind === 'close').length).toBeLessThanOrEqual(1);
    }
  });
});

describe('protocol violations', () => {
  it('a PUBLISH before CONNACK is a protocol error and is not delivered (MQTT 3.1.1 §3.2 [MQTT-3.2.0-1])', () => {
    const b = new ScriptedBroker({}, T0);
    b.connect();
    b.brokerSends(pub('early', 'x', 1, 1));
    const ev = b.events();
    expect(ev).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL })]);
    expect(b.sentPackets()).toEqual([]); // no PUBACK, no DISCONNECT on 3.1.1
    expect(b.s.isConnected).toBe(false);
  });

  it('5.0: a PUBLISH before CONNACK -> DISCONNECT 0x82 (Protocol Error)', () => {
    const b = new ScriptedBroker({ protocol: 5 }, T0);
    b.connect();
    b.brokerSends(pub('early', 'x', 0));
    expect(kinds(b)).toEqual(['close']);
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x82 }]);
  });

  it('a CONNACK then a PUBLISH in the same chunk: both processed', () => {
    const b = new ScriptedBroker({}, T0);
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 }, pub('t', 'x', 1, 2));
    expect(kinds(b)).toEqual(['connack', 'message']);
    expect(b.sentPackets()).toEqual([ack('puback', 2)]);
  });

  it.each<[string, Packet]>([
    ['PINGREQ', { type: 'pingreq' }],
    ['SUBSCRIBE', { type: 'subscribe', packetId: 1, subscriptions: [{ topic: 'a', qos: 0 }] }],
    ['UNSUBSCRIBE', { type: 'unsubscribe', packetId: 1, topics: ['a'] }],
    ['CONNECT', { type: 'connect', protocolVersion: 4, clientId: 'x', cleanSession: true, keepalive: 0 }],
  ])('a %s from the server is a protocol error (MQTT 3.1.1 §2.2.1: client-to-server only)', (_name, packet) => {
    const b = connected();
    b.brokerSends(packet);
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL })]);
    expect(b.sentPackets()).toEqual([]);
  });

  it('5.0: a server DISCONNECT (0x8b Server shutting down) -> a close event carrying reasonCode 0x8b', () => {
    const b = connected({ protocol: 5 });
    b.brokerSends({ type: 'disconnect', reasonCode: 0x8b, properties: { ReasonString: 'bye' } });
    const ev = b.events();
    expect(ev).toEqual([expect.objectContaining({ kind: 'close', reasonCode: 0x8b, properties: { ReasonString: 'bye' } })]);
    expect((ev[0] as { rc: number }).rc).not.toBe(MQTT_ERR_SUCCESS);
    expect(b.s.isConnected).toBe(false);
    // the client does not answer a DISCONNECT with a DISCONNECT
    expect(b.sentPackets()).toEqual([]);
  });

  it('5.0: a PUBLISH using a Topic Alias the client never allowed is not delivered and closes the connection (MQTT 5.0 §3.1.2.11.5 [MQTT-3.1.2-27], §3.3.2.3.4)', () => {
    const b = connected({ protocol: 5 }); // no TopicAliasMaximum in CONNECT: the server may send no alias
    b.brokerSends(pub('', 'x', 0, undefined, { properties: { TopicAlias: 1 } }));
    const ev = b.events();
    expect(ev.filter((e) => e.kind === 'message')).toEqual([]);
    expect(ev).toContainEqual(expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL }));
  });

  it('5.0: ... and the DISCONNECT says 0x94 (Topic Alias invalid, MQTT 5.0 §3.14.2.1)', () => {
    const b = connected({ protocol: 5 });
    b.brokerSends(pub('', 'x', 0, undefined, { properties: { TopicAlias: 1 } }));
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x94 }]);
  });
});

describe('nothing is processed after the session asked to close', () => {
  it('after a protocol error, later chunks are ignored: no delivery, no ack', () => {
    const b = connected();
    b.brokerSendsRaw(rawPublish(0x36, 'a/b', 5, 'bad'));
    expect(kinds(b)).toEqual(['close']);
    b.brokerSends(pub('late', 'x', 1, 9));
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([]);
  });

  it('5.0: after a protocol error, later bytes do not queue a second DISCONNECT', () => {
    const b = connected({ protocol: 5 });
    b.brokerSendsRaw(rawPublish(0x36, 'a/b', 5, 'bad', Buffer.from([0])));
    b.brokerSends(pub('late', 'x', 0));
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x81 }]);
    expect(kinds(b)).toEqual(['close']);
  });

  it('after a refused CONNACK, a PUBLISH in a later chunk is not delivered (MQTT 3.1.1 §3.2.2.3 [MQTT-3.2.2-5]: the server MUST close after a refusal)', () => {
    const b = new ScriptedBroker({}, T0);
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 5 });
    expect(kinds(b)).toEqual(['connack', 'close']);
    b.brokerSends(pub('late', 'x', 1, 3));
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([]);
  });

  it('after a refused CONNACK, a PUBLISH in the same chunk is not delivered', () => {
    const b = new ScriptedBroker({}, T0);
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 5 }, pub('late', 'x', 1, 3));
    expect(kinds(b)).toEqual(['connack', 'close']);
    expect(b.sentPackets()).toEqual([]);
  });

  it('5.0: after a server DISCONNECT, a PUBLISH in a later chunk is not delivered (MQTT 5.0 §3.14.4 [MQTT-3.14.4-1]: the server sends nothing after DISCONNECT)', () => {
    const b = connected({ protocol: 5 });
    b.brokerSends({ type: 'disconnect', reasonCode: 0x8b });
    expect(kinds(b)).toEqual(['close']);
    b.brokerSends(pub('late', 'x', 1, 3));
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([]);
  });

  it('after the keepalive close, late bytes are not delivered (the engine\'s own contract: "further input is ignored")', () => {
    const b = connected({ keepalive: 10 });
    b.at(T0 + 10_000);
    b.sentPackets();
    b.at(T0 + 15_000);
    expect(kinds(b)).toEqual(['close']);
    b.brokerSends(pub('late', 'x', 1, 3));
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([]);
  });

  it('after the CONNACK deadline, a late CONNACK does not connect', () => {
    const b = new ScriptedBroker({ connackTimeout: 5 }, T0);
    b.connect();
    b.at(T0 + 5_000);
    expect(kinds(b)).toEqual(['close']);
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    expect(b.s.isConnected).toBe(false);
    expect(b.events()).toEqual([]);
  });
});
