/**
 * Session engine, incoming messages: QoS 0/1/2 delivery, acknowledgements, exactly-once for
 * QoS 2 (MQTT 3.1.1 §4.3.3, MQTT 5.0 §4.3.3), and the fields of the delivered MQTTMessage.
 */
import { MQTTMessage } from '../../lib/message';
import { encode } from '../../lib/protocol';
import type { PublishPacket } from '../../lib/protocol/types';
import { ack, NonLogEvent, pub, ScriptedBroker } from './harness';

const T0 = 1_000_000;

function connected(config: ConstructorParameters<typeof ScriptedBroker>[0] = {}) {
  const b = new ScriptedBroker(config, T0);
  b.connectAndAccept();
  return b;
}

function messages(ev: NonLogEvent[]): MQTTMessage[] {
  return ev.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
}

describe('incoming QoS 0', () => {
  it('is delivered with every field; nothing is sent back', () => {
    const b = connected();
    b.at(T0 + 1_234);
    b.brokerSends(pub('a/b', 'hello', 0));
    const ev = b.events();
    expect(ev).toHaveLength(1);
    const m = messages(ev)[0];
    expect(m).toBeInstanceOf(MQTTMessage);
    expect(m.topic).toBe('a/b');
    expect(Buffer.isBuffer(m.payload)).toBe(true);
    expect(m.payload.equals(Buffer.from('hello'))).toBe(true);
    expect(m.qos).toBe(0);
    expect(m.retain).toBe(false);
    expect(m.mid).toBe(0);
    expect(m.dup).toBe(false);
    expect(m.timestamp).toBe((T0 + 1_234) / 1000);
    expect(m.properties).toBeUndefined();
    expect(b.sentPackets()).toEqual([]);
  });

  it('retained flag, binary payload, empty payload', () => {
    const b = connected();
    const bin = Buffer.from([0, 1, 2, 255, 254]);
    b.brokerSends(pub('r', bin, 0, undefined, { retain: true }), pub('e', '', 0));
    const [m1, m2] = messages(b.events());
    expect(m1.retain).toBe(true);
    expect(m1.payload.equals(bin)).toBe(true);
    expect(m2.payload.length).toBe(0);
    expect(Buffer.isBuffer(m2.payload)).toBe(true);
  });

  it('many packets in one chunk are all delivered, in order', () => {
    const b = connected();
    const sent = Array.from({ length: 20 }, (_, i) => pub(`t/${i}`, `p${i}`, 0));
    b.brokerSends(...sent);
    expect(messages(b.events()).map((m) => m.topic)).toEqual(sent.map((p) => p.topic));
  });

  it('a packet split across many chunks is delivered once, when complete', () => {
    const b = connected({ protocol: 4 });
    const bytes = encode(pub('split/topic', 'x'.repeat(300), 1, 7), 4);
    for (let i = 0; i < bytes.length; i++) {
      b.brokerSendsRaw(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1) expect(b.events()).toEqual([]);
    }
    const ms = messages(b.events());
    expect(ms).toHaveLength(1);
    expect(ms[0].payload.toString()).toBe('x'.repeat(300));
    expect(b.sentPackets()).toEqual([ack('puback', 7)]);
  });
});

describe('incoming QoS 1', () => {
  it('is delivered and acknowledged with PUBACK of the same id', () => {
    const b = connected();
    b.brokerSends(pub('a/b', 'x', 1, 17));
    const [m] = messages(b.events());
    expect(m).toMatchObject({ topic: 'a/b', qos: 1, mid: 17, dup: false });
    expect(b.sentPackets()).toEqual([ack('puback', 17)]);
  });

  it('a redelivery (DUP) is delivered again and acknowledged again (at least once)', () => {
    const b = connected();
    b.brokerSends(pub('a/b', 'x', 1, 17));
    b.brokerSends(pub('a/b', 'x', 1, 17, { dup: true }));
    const ms = messages(b.events());
    expect(ms.map((m) => m.dup)).toEqual([false, true]);
    expect(b.sentPackets()).toEqual([ack('puback', 17), ack('puback', 17)]);
  });
});

describe('incoming QoS 2', () => {
  it("paho's order: PUBLISH -> PUBREC, no delivery; a DUP resend is answered with PUBREC, not kept twice; PUBREL -> delivered once, then PUBCOMP frees the id", () => {
    const b = connected();
    b.at(T0 + 500);
    b.brokerSends(pub('a/b', 'once', 2, 5));
    expect(b.events()).toEqual([]); // held until PUBREL (paho's _handle_publish)
    expect(b.sentPackets()).toEqual([ack('pubrec', 5)]);
    expect(b.s.incomingQos2.size).toBe(1);

    // The broker did not see our PUBREC and resends (MQTT 3.1.1 §4.3.3; MQTT 5.0 [MQTT-4.3.3-10])
    b.at(T0 + 700);
    b.brokerSends(pub('a/b', 'once', 2, 5, { dup: true }));
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([ack('pubrec', 5)]);
    expect(b.s.incomingQos2.size).toBe(1);

    // PUBREL: the message is delivered (the resend replaced it, as in paho), then PUBCOMP.
    b.brokerSends({ type: 'pubrel', packetId: 5 });
    const first = messages(b.events());
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ topic: 'a/b', qos: 2, mid: 5, dup: true, timestamp: (T0 + 700) / 1000 });
    expect(first[0].payload.toString()).toBe('once');
    expect(b.sentPackets()).toEqual([ack('pubcomp', 5)]);
    expect(b.s.incomingQos2.size).toBe(0);

    // A second PUBREL (our PUBCOMP lost) completes again without a second delivery.
    b.brokerSends({ type: 'pubrel', packetId: 5 });
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 5)]);

    // After PUBREL the id is free: the same id is a new message
    b.brokerSends(pub('a/b', 'twice', 2, 5), { type: 'pubrel', packetId: 5 });
    const again = messages(b.events());
    expect(again).toHaveLength(1);
    expect(again[0].payload.toString()).toBe('twice');
    expect(b.sentPackets()).toEqual([ack('pubrec', 5), ack('pubcomp', 5)]);
  });

  it('a repeated PUBLISH without DUP before PUBREL is not delivered twice either (MQTT 5.0 [MQTT-4.3.3-10])', () => {
    const b = connected();
    b.brokerSends(pub('a/b', 'x', 2, 9), pub('a/b', 'x', 2, 9));
    expect(messages(b.events())).toHaveLength(0);
    expect(b.sentPackets()).toEqual([ack('pubrec', 9), ack('pubrec', 9)]);
    b.brokerSends({ type: 'pubrel', packetId: 9 });
    expect(messages(b.events())).toHaveLength(1);
  });

  it('interleaved QoS 2 flows with different ids are independent; each is delivered at its own PUBREL', () => {
    const b = connected();
    b.brokerSends(pub('t', '1', 2, 1), pub('t', '2', 2, 2), pub('t', '1', 2, 1, { dup: true }));
    expect(messages(b.events())).toEqual([]);
    b.brokerSends({ type: 'pubrel', packetId: 2 });
    expect(messages(b.events()).map((m) => m.payload.toString())).toEqual(['2']);
    b.brokerSends(pub('t', '1', 2, 1, { dup: true }));
    expect(messages(b.events())).toEqual([]);
    expect(b.s.incomingQos2.size).toBe(1);
    b.brokerSends({ type: 'pubrel', packetId: 1 });
    expect(messages(b.events()).map((m) => m.payload.toString())).toEqual(['1']);
    expect(b.s.incomingQos2.size).toBe(0);
    expect(b.sentPackets()).toEqual([
      ack('pubrec', 1), ack('pubrec', 2), ack('pubrec', 1), ack('pubcomp', 2), ack('pubrec', 1), ack('pubcomp', 1),
    ]);
  });

  it('PUBREL for an unknown id is answered with PUBCOMP (MQTT 3.1.1 §4.3.3)', () => {
    const b = connected();
    b.brokerSends({ type: 'pubrel', packetId: 77 });
    expect(b.sentPackets()).toEqual([ack('pubcomp', 77)]);
    expect(b.events()).toEqual([]);
  });

  it('incoming and outgoing ids are separate spaces', () => {
    const b = connected();
    const info = b.publish('out', 'x', 2);
    expect(info.mid).toBe(1);
    b.sentPackets();
    b.brokerSends(pub('in', 'y', 2, 1));
    b.brokerSends({ type: 'pubrel', packetId: 1 });
    expect(messages(b.events())).toHaveLength(1);
    expect(b.sentPackets()).toEqual([ack('pubrec', 1), ack('pubcomp', 1)]);
    expect(info.isPublished()).toBe(false);
    expect(b.s.outgoing.size).toBe(1);
  });
});

describe('5.0 incoming properties', () => {
  it('message.properties carries the PUBLISH properties', () => {
    const b = connected({ protocol: 5 });
    const properties = {
      ContentType: 'text/plain', ResponseTopic: 'reply/here', CorrelationData: Buffer.from('c1'),
      UserProperty: [['a', '1'], ['a', '2']] as [string, string][], MessageExpiryInterval: 10, PayloadFormatIndicator: 1,
    };
    b.brokerSends(pub('a/b', 'x', 1, 3, { properties }));
    const [m] = messages(b.events());
    expect(m.properties).toEqual(properties);
    expect(b.sentPackets()).toEqual([ack('puback', 3)]);
  });

  it('subscription identifiers arrive as a list', () => {
    const b = connected({ protocol: 5 });
    const p: PublishPacket = pub('a/b', 'x', 0, undefined, { properties: { SubscriptionIdentifier: [4, 9] } });
    b.brokerSends(p);
    const [m] = messages(b.events());
    expect(m.properties).toEqual({ SubscriptionIdentifier: [4, 9] });
  });

  it('no properties: message.properties is undefined', () => {
    const b = connected({ protocol: 5 });
    b.brokerSends(pub('a/b', 'x', 0));
    expect(messages(b.events())[0].properties).toBeUndefined();
  });
});
