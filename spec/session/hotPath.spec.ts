/**
 * Session engine, the outgoing hot path: QoS 0 message ids (numbered from the shared counter
 * without being held), PUBLISH payloads over 4 KB queued by reference, the state an idle
 * connection does not allocate until it needs it, the defaults sessions share until they need
 * their own (never written), and the one Reader parsers take turns with.
 */
import { MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS } from '../../lib/constants';
import { encode, Parser } from '../../lib/protocol';
import { PAYLOAD_BY_REFERENCE } from '../../lib/protocol/encode';
import type { Packet } from '../../lib/protocol/types';
import { pub, ScriptedBroker } from './harness';

const T0 = 1_000_000;

function connected(): ScriptedBroker {
  const b = new ScriptedBroker({}, T0);
  expect(b.connectAndAccept()).toEqual([]);
  return b;
}

describe('QoS 0 message ids', () => {
  it('count up from the counter QoS 1/2 and SUBSCRIBE share, and hold no id', () => {
    const b = connected();
    const a = b.publish('t', 'a', 0).mid;
    const c = b.publish('t', 'c', 0).mid;
    expect(c).toBe(a + 1);
    const q1 = b.publish('t', 'q1', 1).mid;
    expect(q1).toBe(c + 1);
    const [, subMid] = b.s.subscribe([{ topic: 'x', qos: 0 }], undefined, b.now);
    expect(subMid).toBe(q1 + 1);
    expect(b.s.publish('t', Buffer.from('d'), 0, false, undefined, b.now).mid).toBe(subMid + 1);
    // Only the QoS 1 PUBLISH carries its id on the wire.
    const sent = b.sentPackets();
    expect(sent.filter((p) => p.type === 'publish').map((p) => (p as { packetId?: number }).packetId))
      .toEqual([undefined, undefined, q1, undefined]);
  });

  it('skip ids still in use by unacknowledged messages, and wrap from 65535 to 1', () => {
    const b = connected();
    const held = b.publish('t', 'q1', 1).mid; // in flight until its PUBACK
    const mids = new Set<number>();
    for (let i = 0; i < 65534; i++) {
      mids.add(b.publish('t', 'x', 0).mid);
      if (i % 1000 === 0) b.s.takeOutgoing(b.now);
    }
    // 65534 QoS 0 mids: every id but the held one, each once.
    expect(mids.size).toBe(65534);
    expect(mids.has(held)).toBe(false);
    expect(Math.min(...mids)).toBe(1 + (held === 1 ? 1 : 0));
    expect(Math.max(...mids)).toBe(held === 65535 ? 65534 : 65535);
    // Round again: the held id is skipped.
    expect(b.publish('t', 'x', 0).mid).toBe(held + 1);
    b.sentPackets();
    b.brokerSends({ type: 'puback', packetId: held });
    // Freed: the counter hands it out again when it comes round.
    const again: number[] = [];
    for (let i = 0; i < 65535; i++) again.push(b.publish('t', 'y', 0).mid);
    expect(again.filter((m) => m === held)).toHaveLength(1);
  });

  it('are reported when not connected too, with MQTT_ERR_NO_CONN', () => {
    const b = new ScriptedBroker({}, T0);
    const info = b.publish('t', 'x', 0);
    expect(info.rc).toBe(MQTT_ERR_NO_CONN);
    expect(info.mid).toBeGreaterThan(0);
  });
});

describe('payloads over PAYLOAD_BY_REFERENCE bytes are queued by reference', () => {
  function queued(size: number, qos: 0 | 1) {
    const b = connected();
    const payload = Buffer.alloc(size, 0x5a);
    const info = b.publish('big/t', payload, qos);
    expect(info.rc).toBe(MQTT_ERR_SUCCESS);
    const chunks = b.s.takeOutgoing(b.now)!;
    return { b, payload, chunks };
  }

  it('is 4 KB', () => {
    expect(PAYLOAD_BY_REFERENCE).toBe(4096);
  });

  it.each([0, 1] as const)('QoS %i, 4096 bytes: one buffer holding a copy', (qos) => {
    const { payload, chunks } = queued(4096, qos);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].buffer).not.toBe(payload.buffer);
    expect(new Parser().feed(chunks[0])).toEqual([pub('big/t', payload, qos, qos === 1 ? 1 : undefined)]);
  });

  it.each([[0, 4097], [1, 4097], [0, 1024 * 1024], [1, 1024 * 1024]] as const)(
    'QoS %i, %i bytes: the header, then the caller\'s payload itself; the bytes equal encode()\'s', (qos, size) => {
      const { payload, chunks } = queued(size, qos);
      expect(chunks).toHaveLength(2);
      expect(chunks[1]).toBe(payload);
      const wire = Buffer.concat(chunks);
      expect(wire.equals(encode(pub('big/t', payload, qos, qos === 1 ? 1 : undefined), 4))).toBe(true);
      const [p] = new Parser().feed(wire) as [ReturnType<typeof pub>];
      expect([p.type, p.topic, p.qos, p.packetId, p.payload.equals(payload)]).toEqual(['publish', 'big/t', qos, qos === 1 ? 1 : undefined, true]);
    },
  );

  it('a resend (DUP) after a reconnect queues the payload by reference again', () => {
    const b = new ScriptedBroker({ cleanSession: false }, T0);
    b.connectAndAccept();
    const payload = Buffer.alloc(5000, 1);
    b.publish('big/t', payload, 1);
    b.s.takeOutgoing(b.now);
    b.s.connectionLost();
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: true, reasonCode: 0 });
    const chunks = b.s.takeOutgoing(b.now)!;
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toBe(payload);
    expect(new Parser().feed(Buffer.concat(chunks))).toEqual([pub('big/t', payload, 1, 1, { dup: true })]);
  });
});

describe('an idle connection allocates lazily, and works', () => {
  it('holds no pending maps until it subscribes; SUBACK/UNSUBACK and a lost connection leave it empty again', () => {
    const b = connected();
    expect(b.s.pendingSubscribes.size).toBe(0);
    expect(b.s.pendingUnsubscribes.size).toBe(0);
    expect(b.s.outgoing.size).toBe(0);
    expect([...b.s.outgoing.messages.values()]).toEqual([]);
    const [, sm] = b.s.subscribe([{ topic: 'a', qos: 1 }], undefined, b.now);
    const [, um] = b.s.unsubscribe(['a'], undefined, b.now);
    expect([...b.s.pendingSubscribes.keys()]).toEqual([sm]);
    expect([...b.s.pendingUnsubscribes.keys()]).toEqual([um]);
    b.brokerSends({ type: 'suback', packetId: sm, reasonCodes: [1] }, { type: 'unsuback', packetId: um });
    expect(b.events().map((e) => e.kind)).toEqual(['subscribed', 'unsubscribed']);
    expect(b.s.pendingSubscribes.size).toBe(0);
    b.s.subscribe([{ topic: 'b', qos: 0 }], undefined, b.now);
    b.s.connectionLost();
    expect(b.s.pendingSubscribes.size).toBe(0);
  });

  it('makes its packet ids by the first packet that needs one (a subscribe), and they continue from there', () => {
    const b = connected();
    expect((b.s as unknown as { packetIds: unknown }).packetIds).toBeNull();
    b.brokerSends(pub('t', 'x', 1, 9)); // an incoming message takes none of ours
    expect((b.s as unknown as { packetIds: unknown }).packetIds).toBeNull();
    const [, first] = b.s.subscribe([{ topic: 'a', qos: 0 }], undefined, b.now);
    expect((b.s as unknown as { packetIds: unknown }).packetIds).not.toBeNull();
    expect(b.publish('t', 'y', 1).mid).toBe(first + 1);
  });

  it('keeps its four flags as bits of one field, each read and written as its own', () => {
    const b = connected();
    for (const flag of ['logging', 'holdAcks', 'writeBlocked', 'closeRequested']) expect(Object.keys(b.s)).not.toContain(flag);
    b.s.holdAcks = true;
    b.s.writeBlocked = true;
    expect([b.s.logging, b.s.holdAcks, b.s.writeBlocked]).toEqual([false, true, true]);
    b.s.writeBlocked = false;
    b.s.logging = true;
    expect([b.s.logging, b.s.holdAcks, b.s.writeBlocked]).toEqual([true, true, false]);
  });

  it('a packet cut off by a lost connection does not leak into the next connection', () => {
    const b = new ScriptedBroker({}, T0);
    b.connectAndAccept();
    const whole = encode(pub('t', Buffer.alloc(100, 7), 0), 4);
    b.brokerSendsRaw(whole.subarray(0, 40)); // half a PUBLISH, then the connection drops
    b.s.connectionLost();
    b.connectAndAccept();
    b.brokerSends(pub('t', 'next', 0));
    const msgs = b.events().filter((e) => e.kind === 'message');
    expect(msgs.map((e) => (e as { message: { payload: Buffer } }).message.payload.toString())).toEqual(['next']);
    expect(b.events().some((e) => e.kind === 'close')).toBe(false);
  });
});

describe('state shared while unused is never written', () => {
  it("a CONNACK's limits belong to its own session: another session keeps the defaults", () => {
    const limited = new ScriptedBroker({ protocol: 5 }, T0);
    limited.connectAndAccept(false, { ReceiveMaximum: 1, MaximumQoS: 1, RetainAvailable: 0 });
    const plain = new ScriptedBroker({ protocol: 5 }, T0);
    plain.connectAndAccept();
    expect(limited.publish('t', 'q2', 2).rc).not.toBe(MQTT_ERR_SUCCESS);
    limited.publish('t', 'a', 1);
    limited.publish('t', 'b', 1);
    expect(limited.sentPackets().filter((p) => p.type === 'publish')).toHaveLength(1); // Receive Maximum 1
    expect(plain.publish('t', 'q2', 2).rc).toBe(MQTT_ERR_SUCCESS);
    expect(plain.publish('t', 'r', 0, true).rc).toBe(MQTT_ERR_SUCCESS);
    plain.publish('t', 'a', 1);
    plain.publish('t', 'b', 1);
    expect(plain.sentPackets().filter((p) => p.type === 'publish')).toHaveLength(4);
    // A new connection starts from the defaults again.
    limited.s.connectionLost();
    limited.connectAndAccept();
    expect(limited.publish('t', 'q2', 2).rc).toBe(MQTT_ERR_SUCCESS);
  });

  it("one session's held acknowledgements are not another's", () => {
    const a = connected();
    const b = connected();
    a.s.holdAcks = true;
    a.brokerSends(pub('t', 'x', 1, 7));
    const m = a.events().find((e) => e.kind === 'message') as { message: Parameters<typeof a.s.holdAck>[0] };
    a.s.holdAck(m.message);
    expect(a.s.heldAcks.size).toBe(1);
    expect(b.s.heldAcks.size).toBe(0);
    expect(b.s.ack(7, 1, b.now)).toBe(false);
    expect(a.s.ack(7, 1, a.now)).toBe(true);
  });
});

describe('parsers take turns with one Reader', () => {
  it('each decodes its own packets and topics, interleaved chunk by chunk, and after another failed', () => {
    const a = new Parser();
    const b = new Parser();
    const pa = encode(pub('a/topic', 'from a', 0), 4);
    const pb = encode(pub('b/topic', 'from b', 0), 4);
    const topics = (ps: Packet[]) => ps.map((p) => (p as { topic: string }).topic);
    expect(a.feed(pa.subarray(0, 5))).toEqual([]);
    expect(topics(b.feed(pb))).toEqual(['b/topic']);
    expect(topics(a.feed(pa.subarray(5)))).toEqual(['a/topic']);
    expect(topics(a.feed(Buffer.concat([pa, pa])))).toEqual(['a/topic', 'a/topic']); // from the topic cache
    expect(topics(b.feed(Buffer.concat([pb, pa])))).toEqual(['b/topic', 'a/topic']);
    const bad = new Parser();
    expect(() => bad.feed(Buffer.from([0x30, 0x03, 0x00, 0x05, 0x61]))).toThrow(); // topic longer than the packet
    expect(topics(a.feed(pa))).toEqual(['a/topic']);
  });
});
