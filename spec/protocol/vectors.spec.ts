/**
 * Byte-exact vectors for the packet codec, hand-derived from the OASIS specifications
 * (MQTT 3.1.1: mqtt-v3.1.1-os; MQTT 5.0: mqtt-v5.0-os; MQTT 3.1 for level 3).
 *
 * Every vector is checked both ways:
 *  - encode(packet, level) produces exactly the bytes;
 *  - a fresh Parser at that level, fed the bytes, yields exactly [the packet in canonical form]
 *    (the form described in the header comment of lib/protocol/types.ts).
 *
 * Encoder choices the spec leaves open, fixed by the contract:
 *  - at level 5, PUBACK/PUBREC/PUBREL/PUBCOMP, DISCONNECT and AUTH use the short forms
 *    (reason code 0 without properties is omitted; an empty property length is omitted on
 *    those packets, which are the only ones where the spec allows it);
 *  - properties are written in the order of their keys in the packet object (each vector
 *    builds its `properties` object in the order of its bytes).
 */
import { encode, Parser, ProtocolError } from '../../lib/protocol';
import type { Packet, ProtocolLevel } from '../../lib/protocol/types';

/** Bytes from hex groups ("10 1b", "00 04 4d 51 54 54", ...); whitespace is ignored. */
function h(...groups: string[]): Buffer {
  const s = groups.join('').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(s)) throw new Error(`bad hex in vector: ${s}`);
  return Buffer.from(s, 'hex');
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Deep copy where every Buffer becomes { $buffer: hex }, so diffs are readable and Buffers compare by content. */
function plain(x: unknown): unknown {
  if (Buffer.isBuffer(x)) return { $buffer: x.toString('hex') };
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) out[k] = plain(v);
    return out;
  }
  return x;
}

function parseAll(bytes: Buffer, level: ProtocolLevel): Packet[] {
  const parser = new Parser({ protocolVersion: level });
  return parser.feed(bytes);
}

function hexOf(buf: Buffer): string {
  return buf.toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

interface Vector {
  name: string;
  level: ProtocolLevel;
  /** Encoder input (may leave optional fields out). */
  packet: Packet;
  bytes: Buffer;
  /** Parser output in canonical form; defaults to `packet`. */
  parsed?: Packet;
  /** Only one direction applies (an alternative wire form the encoder does not choose, ...). */
  only?: 'encode' | 'parse';
}

const vectors: Vector[] = [
  // ---------------------------------------------------------------- CONNECT
  {
    name: 'CONNECT 3.1.1 with will (qos 1, retain), username, password, clean session, keepalive 60',
    level: 4,
    packet: {
      type: 'connect', protocolVersion: 4, clientId: 'cid', cleanSession: true, keepalive: 60,
      username: 'user', password: b('pass'),
      will: { topic: 'w/t', payload: b('bye'), qos: 1, retain: true },
    },
    bytes: h(
      '10 25', //                 CONNECT (1 << 4), flags 0; remaining length 37
      '00 04 4d 51 54 54', //     protocol name "MQTT"
      '04', //                    protocol level 4
      'ee', //                    connect flags: username 0x80 | password 0x40 | will retain 0x20 | will qos 1 (0x08) | will 0x04 | clean session 0x02
      '00 3c', //                 keep alive 60 s
      '00 03 63 69 64', //        client id "cid"
      '00 03 77 2f 74', //        will topic "w/t"
      '00 03 62 79 65', //        will payload "bye" (2-byte length + bytes)
      '00 04 75 73 65 72', //     user name "user"
      '00 04 70 61 73 73', //     password "pass"
    ),
  },
  {
    name: 'CONNECT 3.1.1 with a string password (encoded as UTF-8, decoded as a Buffer)',
    level: 4,
    packet: { type: 'connect', protocolVersion: 4, clientId: 'c', cleanSession: false, keepalive: 0, username: 'u', password: 'pé' },
    parsed: { type: 'connect', protocolVersion: 4, clientId: 'c', cleanSession: false, keepalive: 0, username: 'u', password: h('70 c3 a9') },
    bytes: h(
      '10 15', //                 CONNECT, remaining length 21
      '00 04 4d 51 54 54 04', //  "MQTT", level 4
      'c0', //                    flags: username 0x80 | password 0x40; clean session 0
      '00 00', //                 keep alive 0 (disabled)
      '00 01 63', //              client id "c"
      '00 01 75', //              user name "u"
      '00 03 70 c3 a9', //        password "pé" as UTF-8 (é = c3 a9)
    ),
  },
  {
    name: 'CONNECT 3.1.1 with an empty client id and only a clean session flag',
    level: 4,
    packet: { type: 'connect', protocolVersion: 4, clientId: '', cleanSession: true, keepalive: 65535 },
    bytes: h(
      '10 0c', //                 CONNECT, remaining length 12
      '00 04 4d 51 54 54 04', //  "MQTT", level 4
      '02', //                    flags: clean session
      'ff ff', //                 keep alive 65535
      '00 00', //                 client id "" (allowed with clean session in 3.1.1)
    ),
  },
  {
    name: 'CONNECT 3.1 (protocol name "MQIsdp", level 3) with username and password',
    level: 3,
    packet: {
      type: 'connect', protocolVersion: 3, clientId: 'c1', cleanSession: true, keepalive: 10,
      username: 'u', password: b('p'),
    },
    bytes: h(
      '10 16', //                       CONNECT, remaining length 22
      '00 06 4d 51 49 73 64 70', //     protocol name "MQIsdp"
      '03', //                          protocol version 3
      'c2', //                          flags: username 0x80 | password 0x40 | clean session 0x02
      '00 0a', //                       keep alive 10 s
      '00 02 63 31', //                 client id "c1"
      '00 01 75', //                    user name "u"
      '00 01 70', //                    password "p"
    ),
  },
  {
    name: 'CONNECT 5.0 with properties and will properties',
    level: 5,
    packet: {
      type: 'connect', protocolVersion: 5, clientId: 'c5', cleanSession: true, keepalive: 30,
      properties: { SessionExpiryInterval: 3600, ReceiveMaximum: 20, UserProperty: [['k', 'v']] },
      will: {
        topic: 'w', payload: b('x'), qos: 0, retain: false,
        properties: { WillDelayInterval: 5, ContentType: 'text' },
      },
    },
    bytes: h(
      '10 31', //                 CONNECT, remaining length 49
      '00 04 4d 51 54 54', //     protocol name "MQTT"
      '05', //                    protocol version 5
      '06', //                    flags: will flag 0x04 | clean start 0x02 (will qos 0, no retain)
      '00 1e', //                 keep alive 30 s
      '0f', //                    property length 15
      '11 00 00 0e 10', //          0x11 Session Expiry Interval = 3600 (four-byte integer)
      '21 00 14', //                0x21 Receive Maximum = 20 (two-byte integer)
      '26 00 01 6b 00 01 76', //    0x26 User Property "k" = "v" (string pair)
      '00 02 63 35', //           client id "c5"
      '0c', //                    will property length 12
      '18 00 00 00 05', //          0x18 Will Delay Interval = 5
      '03 00 04 74 65 78 74', //    0x03 Content Type "text"
      '00 01 77', //              will topic "w"
      '00 01 78', //              will payload "x"
    ),
  },
  {
    name: 'CONNECT 5.0 with password and no username (allowed in 5.0), will qos 2',
    level: 5,
    packet: {
      type: 'connect', protocolVersion: 5, clientId: 'id', cleanSession: false, keepalive: 5,
      password: h('00 ff'),
      will: { topic: 'lw', payload: Buffer.alloc(0), qos: 2, retain: false },
    },
    bytes: h(
      '10 1a', //                 CONNECT, remaining length 26
      '00 04 4d 51 54 54 05', //  "MQTT", level 5
      '54', //                    flags: password 0x40 | will qos 2 (0x10) | will flag 0x04
      '00 05', //                 keep alive 5 s
      '00', //                    property length 0
      '00 02 69 64', //           client id "id"
      '00', //                    will property length 0
      '00 02 6c 77', //           will topic "lw"
      '00 00', //                 will payload: empty
      '00 02 00 ff', //           password: binary 00 ff
    ),
  },

  // ---------------------------------------------------------------- CONNACK
  {
    name: 'CONNACK 3.1.1 session present, accepted',
    level: 4,
    packet: { type: 'connack', sessionPresent: true, reasonCode: 0 },
    bytes: h(
      '20 02', //  CONNACK, remaining length 2
      '01', //     acknowledge flags: session present
      '00', //     return code 0 (accepted)
    ),
  },
  {
    name: 'CONNACK 3.1.1 refused: not authorized',
    level: 4,
    packet: { type: 'connack', sessionPresent: false, reasonCode: 5 },
    bytes: h('20 02', '00', '05'), // CONNACK; no session; return code 5 (not authorized)
  },
  {
    name: 'CONNACK 3.1 refused: identifier rejected',
    level: 3,
    packet: { type: 'connack', sessionPresent: false, reasonCode: 2 },
    bytes: h('20 02', '00', '02'), // CONNACK; reserved byte; return code 2 (identifier rejected)
  },
  {
    name: 'CONNACK 5.0 with properties',
    level: 5,
    packet: {
      type: 'connack', sessionPresent: false, reasonCode: 0,
      properties: { ReceiveMaximum: 10, TopicAliasMaximum: 5, AssignedClientIdentifier: 'auto-1', MaximumQoS: 1 },
    },
    bytes: h(
      '20 14', //                         CONNACK, remaining length 20
      '00', //                            acknowledge flags: no session present
      '00', //                            reason code 0x00 Success
      '11', //                            property length 17
      '21 00 0a', //                        0x21 Receive Maximum 10
      '22 00 05', //                        0x22 Topic Alias Maximum 5
      '12 00 06 61 75 74 6f 2d 31', //      0x12 Assigned Client Identifier "auto-1"
      '24 01', //                           0x24 Maximum QoS 1
    ),
  },
  {
    name: 'CONNACK 5.0 refused (0x87 Not authorized) with a Reason String',
    level: 5,
    packet: { type: 'connack', sessionPresent: false, reasonCode: 0x87, properties: { ReasonString: 'no' } },
    bytes: h(
      '20 08', //             CONNACK, remaining length 8
      '00 87', //             flags 0; reason 0x87 Not authorized
      '05', //                property length 5
      '1f 00 02 6e 6f', //      0x1F Reason String "no"
    ),
  },
  {
    name: 'CONNACK 5.0 without properties (property length 0 is still written)',
    level: 5,
    packet: { type: 'connack', sessionPresent: true, reasonCode: 0 },
    bytes: h('20 03', '01 00', '00'), // CONNACK; session present; Success; property length 0
  },

  // ---------------------------------------------------------------- PUBLISH
  {
    name: 'PUBLISH QoS 0 (no packet id)',
    level: 4,
    packet: { type: 'publish', topic: 'a/b', payload: b('hi'), qos: 0, retain: false, dup: false },
    bytes: h(
      '30 07', //           PUBLISH, flags: dup 0, qos 0, retain 0; remaining length 7
      '00 03 61 2f 62', //  topic "a/b"
      '68 69', //           payload "hi" (no packet identifier at QoS 0)
    ),
  },
  {
    name: 'PUBLISH QoS 1, dup false',
    level: 4,
    packet: { type: 'publish', topic: 'a/b', payload: b('hi'), qos: 1, retain: false, dup: false, packetId: 10 },
    bytes: h(
      '32 09', //           PUBLISH, flags 0x2: qos 1; remaining length 9
      '00 03 61 2f 62', //  topic "a/b"
      '00 0a', //           packet identifier 10
      '68 69', //           payload "hi"
    ),
  },
  {
    name: 'PUBLISH QoS 2 with dup and retain, packet id 65535',
    level: 4,
    packet: { type: 'publish', topic: 'a/b', payload: b('hi'), qos: 2, retain: true, dup: true, packetId: 65535 },
    bytes: h(
      '3d 09', //           PUBLISH, flags 0xd: dup 0x8 | qos 2 (0x4) | retain 0x1; remaining length 9
      '00 03 61 2f 62', //  topic "a/b"
      'ff ff', //           packet identifier 65535
      '68 69', //           payload "hi"
    ),
  },
  {
    name: 'PUBLISH 3.1 QoS 1 retain',
    level: 3,
    packet: { type: 'publish', topic: 'x', payload: b('1'), qos: 1, retain: true, dup: false, packetId: 1 },
    bytes: h('33 06', '00 01 78', '00 01', '31'), // PUBLISH qos 1 | retain; topic "x"; id 1; payload "1"
  },
  {
    name: 'PUBLISH QoS 0 with a non-ASCII topic (2- and 4-byte UTF-8) and an empty payload',
    level: 4,
    packet: { type: 'publish', topic: 'ü/😀', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false },
    bytes: h(
      '30 09', //                       PUBLISH qos 0; remaining length 9
      '00 07 c3 bc 2f f0 9f 98 80', //  topic "ü/😀": ü = c3 bc, "/" = 2f, U+1F600 = f0 9f 98 80
      //                                payload: empty (nothing follows)
    ),
  },
  {
    name: 'PUBLISH QoS 0 with a 200-byte payload (two-byte remaining length)',
    level: 4,
    packet: { type: 'publish', topic: 'a/b', payload: Buffer.alloc(200, 0x61), qos: 0, retain: false, dup: false },
    bytes: Buffer.concat([
      h(
        '30 cd 01', //          PUBLISH; remaining length 205 = 0x4d + 1*128 -> cd 01
        '00 03 61 2f 62', //    topic "a/b"
      ),
      Buffer.alloc(200, 0x61), // payload: 200 x "a"
    ]),
  },
  {
    name: 'PUBLISH 5.0 with TopicAlias, MessageExpiryInterval, CorrelationData, ResponseTopic',
    level: 5,
    packet: {
      type: 'publish', topic: 't', payload: b('p'), qos: 1, retain: false, dup: false, packetId: 1,
      properties: { TopicAlias: 3, MessageExpiryInterval: 60, CorrelationData: h('01 02'), ResponseTopic: 'r/1' },
    },
    bytes: h(
      '32 1a', //                   PUBLISH qos 1; remaining length 26
      '00 01 74', //                topic "t"
      '00 01', //                   packet identifier 1
      '13', //                      property length 19
      '23 00 03', //                  0x23 Topic Alias 3
      '02 00 00 00 3c', //            0x02 Message Expiry Interval 60
      '09 00 02 01 02', //            0x09 Correlation Data (binary) 01 02
      '08 00 03 72 2f 31', //         0x08 Response Topic "r/1"
      '70', //                      payload "p"
    ),
  },
  {
    name: 'PUBLISH 5.0 with an empty topic standing for a Topic Alias',
    level: 5,
    packet: { type: 'publish', topic: '', payload: b('p'), qos: 0, retain: false, dup: false, properties: { TopicAlias: 7 } },
    bytes: h(
      '30 07', //       PUBLISH qos 0; remaining length 7
      '00 00', //       topic "" (zero length: the alias stands for it)
      '03', //          property length 3
      '23 00 07', //      0x23 Topic Alias 7
      '70', //          payload "p"
    ),
  },
  {
    name: 'PUBLISH 5.0 without properties (property length 0, no properties key when parsed)',
    level: 5,
    packet: { type: 'publish', topic: 't', payload: b('p'), qos: 0, retain: true, dup: false },
    bytes: h('31 05', '00 01 74', '00', '70'), // PUBLISH retain; topic "t"; property length 0; payload "p"
  },
  {
    name: 'PUBLISH 5.0 with several Subscription Identifiers, Payload Format Indicator and repeated User Property keys',
    level: 5,
    packet: {
      type: 'publish', topic: 't', payload: b('p'), qos: 0, retain: false, dup: false,
      properties: {
        SubscriptionIdentifier: [1, 268435455],
        PayloadFormatIndicator: 1,
        UserProperty: [['a', '1'], ['a', '2']],
      },
    },
    bytes: h(
      '30 1c', //                   PUBLISH qos 0; remaining length 28
      '00 01 74', //                topic "t"
      '17', //                      property length 23
      '0b 01', //                     0x0B Subscription Identifier 1 (variable byte integer)
      '0b ff ff ff 7f', //            0x0B Subscription Identifier 268435455 (largest 4-byte VBI)
      '01 01', //                     0x01 Payload Format Indicator 1 (UTF-8)
      '26 00 01 61 00 01 31', //      0x26 User Property "a" = "1"
      '26 00 01 61 00 01 32', //      0x26 User Property "a" = "2" (same key again: order kept)
      '70', //                      payload "p"
    ),
  },

  // ---------------------------------------------------------------- PUBACK / PUBREC / PUBREL / PUBCOMP
  {
    name: 'PUBACK 3.1.1',
    level: 4,
    packet: { type: 'puback', packetId: 7, reasonCode: 0 },
    bytes: h('40 02', '00 07'), // PUBACK, remaining length 2; packet id 7
  },
  {
    name: 'PUBACK 3.1.1 from a packet without reasonCode (encoder input)',
    level: 4,
    packet: { type: 'puback', packetId: 7 },
    parsed: { type: 'puback', packetId: 7, reasonCode: 0 },
    bytes: h('40 02', '00 07'),
  },
  {
    name: 'PUBACK 3.1',
    level: 3,
    packet: { type: 'puback', packetId: 258, reasonCode: 0 },
    bytes: h('40 02', '01 02'), // PUBACK; packet id 258 = 0x0102
  },
  {
    name: 'PUBACK 5.0 short form (reason 0, no properties: 4 bytes in all)',
    level: 5,
    packet: { type: 'puback', packetId: 7, reasonCode: 0 },
    bytes: h('40 02', '00 07'), // PUBACK, remaining length 2; packet id 7; reason code and properties omitted
  },
  {
    name: 'PUBACK 5.0 long form with reason 0x10 and a Reason String',
    level: 5,
    packet: { type: 'puback', packetId: 7, reasonCode: 0x10, properties: { ReasonString: 'none' } },
    bytes: h(
      '40 0b', //                   PUBACK, remaining length 11
      '00 07', //                   packet id 7
      '10', //                      reason 0x10 No matching subscribers
      '07', //                      property length 7
      '1f 00 04 6e 6f 6e 65', //      0x1F Reason String "none"
    ),
  },
  {
    name: 'PUBACK 5.0 with reason 0x10 and no properties (property length omitted)',
    level: 5,
    packet: { type: 'puback', packetId: 7, reasonCode: 0x10 },
    bytes: h('40 03', '00 07', '10'), // PUBACK, remaining length 3; id 7; reason 0x10; no property length
  },
  {
    name: 'PUBACK 5.0 with reason 0 and a property (reason code must be written)',
    level: 5,
    packet: { type: 'puback', packetId: 1, reasonCode: 0, properties: { UserProperty: [['k', '']] } },
    bytes: h(
      '40 0a', //                 PUBACK, remaining length 10
      '00 01', //                 packet id 1
      '00', //                    reason 0x00 Success
      '06', //                    property length 6
      '26 00 01 6b 00 00', //       0x26 User Property "k" = ""
    ),
  },
  {
    name: 'PUBACK 5.0 parse: reason 0 written, no property length (remaining length 3)',
    level: 5,
    only: 'parse',
    packet: { type: 'puback', packetId: 7, reasonCode: 0 },
    bytes: h('40 03', '00 07', '00'),
  },
  {
    name: 'PUBACK 5.0 parse: reason 0x10 with an empty property length (remaining length 4)',
    level: 5,
    only: 'parse',
    packet: { type: 'puback', packetId: 7, reasonCode: 0x10 },
    bytes: h('40 04', '00 07', '10', '00'),
  },
  {
    name: 'PUBREC 3.1.1',
    level: 4,
    packet: { type: 'pubrec', packetId: 9, reasonCode: 0 },
    bytes: h('50 02', '00 09'), // PUBREC (5 << 4), remaining length 2; packet id 9
  },
  {
    name: 'PUBREC 5.0 with reason 0x80 (Unspecified error), no properties',
    level: 5,
    packet: { type: 'pubrec', packetId: 9, reasonCode: 0x80 },
    bytes: h('50 03', '00 09', '80'),
  },
  {
    name: 'PUBREL 3.1.1 (fixed header flags 0x2)',
    level: 4,
    packet: { type: 'pubrel', packetId: 1, reasonCode: 0 },
    bytes: h('62 02', '00 01'), // PUBREL (6 << 4) | reserved flags 0b0010; packet id 1
  },
  {
    name: 'PUBREL 3.1 (fixed header flags 0x2)',
    level: 3,
    packet: { type: 'pubrel', packetId: 1, reasonCode: 0 },
    bytes: h('62 02', '00 01'),
  },
  {
    name: 'PUBREL 5.0 with reason 0x92 (Packet Identifier not found)',
    level: 5,
    packet: { type: 'pubrel', packetId: 1, reasonCode: 0x92 },
    bytes: h('62 03', '00 01', '92'),
  },
  {
    name: 'PUBCOMP 3.1.1',
    level: 4,
    packet: { type: 'pubcomp', packetId: 512, reasonCode: 0 },
    bytes: h('70 02', '02 00'), // PUBCOMP (7 << 4); packet id 512
  },
  {
    name: 'PUBCOMP 5.0 short form',
    level: 5,
    packet: { type: 'pubcomp', packetId: 512, reasonCode: 0 },
    bytes: h('70 02', '02 00'),
  },

  // ---------------------------------------------------------------- SUBSCRIBE / SUBACK
  {
    name: 'SUBSCRIBE 3.1.1 with two filters (flags 0x2)',
    level: 4,
    packet: {
      type: 'subscribe', packetId: 2,
      subscriptions: [
        { topic: 'a/+', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        { topic: '#', qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
    },
    bytes: h(
      '82 0c', //               SUBSCRIBE (8 << 4) | reserved flags 0b0010; remaining length 12
      '00 02', //               packet id 2
      '00 03 61 2f 2b', //      filter "a/+"
      '01', //                  requested qos 1
      '00 01 23', //            filter "#"
      '02', //                  requested qos 2
    ),
  },
  {
    name: 'SUBSCRIBE 3.1.1 from subscriptions without the v5 options (encoder input)',
    level: 4,
    packet: { type: 'subscribe', packetId: 2, subscriptions: [{ topic: 'x', qos: 0 }] },
    parsed: {
      type: 'subscribe', packetId: 2,
      subscriptions: [{ topic: 'x', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
    },
    bytes: h('82 06', '00 02', '00 01 78', '00'), // SUBSCRIBE; id 2; filter "x"; qos 0
  },
  {
    name: 'SUBSCRIBE 3.1 with one filter',
    level: 3,
    packet: {
      type: 'subscribe', packetId: 1,
      subscriptions: [{ topic: 'a/#', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
    },
    bytes: h('82 08', '00 01', '00 03 61 2f 23', '01'),
  },
  {
    name: 'SUBSCRIBE 5.0 with subscription options and a Subscription Identifier',
    level: 5,
    packet: {
      type: 'subscribe', packetId: 3,
      properties: { SubscriptionIdentifier: 200 },
      subscriptions: [
        { topic: 's/#', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 },
        { topic: 'x', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
    },
    bytes: h(
      '82 10', //           SUBSCRIBE, flags 0x2; remaining length 16
      '00 03', //           packet id 3
      '03', //              property length 3
      '0b c8 01', //          0x0B Subscription Identifier 200 = 0x48 | 0x80, 1 -> c8 01
      '00 03 73 2f 23', //  filter "s/#"
      '2d', //              options: retain handling 2 (0x20) | retain as published 0x08 | no local 0x04 | qos 1
      '00 01 78', //        filter "x"
      '00', //              options: all 0 (qos 0)
    ),
  },

  {
    name: 'SUBACK 3.1.1 with codes [0, 1, 2, 0x80]',
    level: 4,
    packet: { type: 'suback', packetId: 2, reasonCodes: [0, 1, 2, 0x80] },
    bytes: h(
      '90 06', //           SUBACK (9 << 4); remaining length 6
      '00 02', //           packet id 2
      '00 01 02 80', //     granted qos 0, 1, 2, failure 0x80
    ),
  },
  {
    name: 'SUBACK 5.0 with a Reason String',
    level: 5,
    packet: { type: 'suback', packetId: 3, reasonCodes: [1, 0x87], properties: { ReasonString: 'no' } },
    bytes: h(
      '90 0a', //           SUBACK; remaining length 10
      '00 03', //           packet id 3
      '05', //              property length 5
      '1f 00 02 6e 6f', //    0x1F Reason String "no"
      '01 87', //           granted qos 1; 0x87 Not authorized
    ),
  },
  {
    name: 'SUBACK 5.0 without properties',
    level: 5,
    packet: { type: 'suback', packetId: 3, reasonCodes: [0xa2] },
    bytes: h('90 04', '00 03', '00', 'a2'), // id 3; property length 0; 0xA2 Wildcard Subscriptions not supported
  },

  // ---------------------------------------------------------------- UNSUBSCRIBE / UNSUBACK
  {
    name: 'UNSUBSCRIBE 3.1.1 with two filters (flags 0x2)',
    level: 4,
    packet: { type: 'unsubscribe', packetId: 4, topics: ['a/b', 'c/#'] },
    bytes: h(
      'a2 0c', //           UNSUBSCRIBE (10 << 4) | 0b0010; remaining length 12
      '00 04', //           packet id 4
      '00 03 61 2f 62', //  filter "a/b"
      '00 03 63 2f 23', //  filter "c/#"
    ),
  },
  {
    name: 'UNSUBSCRIBE 5.0 with a User Property',
    level: 5,
    packet: { type: 'unsubscribe', packetId: 4, properties: { UserProperty: [['k', 'v']] }, topics: ['a/b'] },
    bytes: h(
      'a2 0f', //                 UNSUBSCRIBE; remaining length 15
      '00 04', //                 packet id 4
      '07', //                    property length 7
      '26 00 01 6b 00 01 76', //    0x26 User Property "k" = "v"
      '00 03 61 2f 62', //        filter "a/b"
    ),
  },
  {
    name: 'UNSUBACK 3.1.1 (no reason codes: parsed as [])',
    level: 4,
    packet: { type: 'unsuback', packetId: 4, reasonCodes: [] },
    bytes: h('b0 02', '00 04'), // UNSUBACK (11 << 4); remaining length 2; packet id 4
  },
  {
    name: 'UNSUBACK 3.1.1 from a packet without reasonCodes (encoder input)',
    level: 4,
    packet: { type: 'unsuback', packetId: 4 },
    parsed: { type: 'unsuback', packetId: 4, reasonCodes: [] },
    bytes: h('b0 02', '00 04'),
  },
  {
    name: 'UNSUBACK 5.0 with reason codes [0, 0x11]',
    level: 5,
    packet: { type: 'unsuback', packetId: 4, reasonCodes: [0, 0x11] },
    bytes: h(
      'b0 05', //   UNSUBACK; remaining length 5
      '00 04', //   packet id 4
      '00', //      property length 0 (always present on UNSUBACK)
      '00 11', //   0x00 Success, 0x11 No subscription existed
    ),
  },

  // ---------------------------------------------------------------- PINGREQ / PINGRESP
  { name: 'PINGREQ 3.1.1', level: 4, packet: { type: 'pingreq' }, bytes: h('c0 00') },
  { name: 'PINGREQ 5.0', level: 5, packet: { type: 'pingreq' }, bytes: h('c0 00') },
  { name: 'PINGRESP 3.1.1', level: 4, packet: { type: 'pingresp' }, bytes: h('d0 00') },
  { name: 'PINGRESP 3.1', level: 3, packet: { type: 'pingresp' }, bytes: h('d0 00') },

  // ---------------------------------------------------------------- DISCONNECT
  {
    name: 'DISCONNECT 3.1.1',
    level: 4,
    packet: { type: 'disconnect', reasonCode: 0 },
    bytes: h('e0 00'), // DISCONNECT (14 << 4); remaining length 0
  },
  {
    name: 'DISCONNECT 3.1.1 from a packet without reasonCode (encoder input)',
    level: 4,
    packet: { type: 'disconnect' },
    parsed: { type: 'disconnect', reasonCode: 0 },
    bytes: h('e0 00'),
  },
  {
    name: 'DISCONNECT 5.0 short form (reason 0, no properties)',
    level: 5,
    packet: { type: 'disconnect', reasonCode: 0 },
    bytes: h('e0 00'),
  },
  {
    name: 'DISCONNECT 5.0 with reason 0x04 and Session Expiry Interval',
    level: 5,
    packet: { type: 'disconnect', reasonCode: 0x04, properties: { SessionExpiryInterval: 120 } },
    bytes: h(
      'e0 07', //             DISCONNECT; remaining length 7
      '04', //                reason 0x04 Disconnect with Will Message
      '05', //                property length 5
      '11 00 00 00 78', //      0x11 Session Expiry Interval 120
    ),
  },
  {
    name: 'DISCONNECT 5.0 with reason 0x04 and no properties (property length omitted)',
    level: 5,
    packet: { type: 'disconnect', reasonCode: 0x04 },
    bytes: h('e0 01', '04'),
  },
  {
    name: 'DISCONNECT 5.0 parse: reason and empty property length written',
    level: 5,
    only: 'parse',
    packet: { type: 'disconnect', reasonCode: 0x8e },
    bytes: h('e0 02', '8e', '00'), // 0x8E Session taken over; property length 0
  },

  // ---------------------------------------------------------------- AUTH
  {
    name: 'AUTH 5.0 with Authentication Method and Authentication Data',
    level: 5,
    packet: {
      type: 'auth', reasonCode: 0x18,
      properties: { AuthenticationMethod: 'SCRAM', AuthenticationData: h('de ad') },
    },
    bytes: h(
      'f0 0f', //                       AUTH (15 << 4); remaining length 15
      '18', //                          reason 0x18 Continue authentication
      '0d', //                          property length 13
      '15 00 05 53 43 52 41 4d', //       0x15 Authentication Method "SCRAM"
      '16 00 02 de ad', //                0x16 Authentication Data de ad
    ),
  },
  {
    // 3.15.2.1: only "Reason Code AND Property Length" may be omitted (reason 0x00, no properties).
    // Unlike PUBACK (3.4.2.2.1: "If the Remaining Length is less than 4 there is no Property Length")
    // and DISCONNECT (3.14.2.2.1: "If the Remaining Length is less than 2, a value of 0 is used"),
    // AUTH's 3.15.2.2.1 has no such clause: with a non-zero reason the property length is written.
    name: 'AUTH 5.0 with reason 0x19 and no properties (property length written: 3.15.2.2.1)',
    level: 5,
    packet: { type: 'auth', reasonCode: 0x19 },
    bytes: h(
      'f0 02', //  AUTH; remaining length 2
      '19', //     reason 0x19 Re-authenticate
      '00', //     property length 0
    ),
  },
  {
    name: 'AUTH 5.0 short form (reason 0, no properties)',
    level: 5,
    packet: { type: 'auth', reasonCode: 0 },
    bytes: h('f0 00'),
  },
];

describe('byte vectors', () => {
  for (const v of vectors) {
    describe(`${v.name} [level ${v.level}]`, () => {
      test('(self-check) the vector\'s remaining length matches its size', () => {
        let value = 0;
        let mult = 1;
        let i = 1;
        for (;;) {
          const byte = v.bytes[i++];
          value += (byte & 0x7f) * mult;
          mult *= 128;
          if ((byte & 0x80) === 0) break;
        }
        expect(value).toBe(v.bytes.length - i);
      });
      if (v.only !== 'parse') {
        test('encode gives the bytes', () => {
          const out = encode(v.packet, v.level);
          expect(Buffer.isBuffer(out)).toBe(true);
          expect(hexOf(out)).toBe(hexOf(v.bytes));
        });
      }
      if (v.only !== 'encode') {
        test('parse gives the canonical packet', () => {
          const out = parseAll(v.bytes, v.level);
          expect(plain(out)).toStrictEqual(plain([v.parsed ?? v.packet]));
        });
        test('parse in 1-byte chunks gives the same packet', () => {
          const parser = new Parser({ protocolVersion: v.level });
          const out: Packet[] = [];
          for (let i = 0; i < v.bytes.length; i++) out.push(...parser.feed(v.bytes.subarray(i, i + 1)));
          expect(plain(out)).toStrictEqual(plain([v.parsed ?? v.packet]));
        });
      }
    });
  }
});

describe('encoder details', () => {
  test('properties are ignored below level 5', () => {
    const withProps: Packet = {
      type: 'publish', topic: 'a/b', payload: b('hi'), qos: 1, retain: false, dup: false, packetId: 10,
      properties: { MessageExpiryInterval: 5, UserProperty: [['k', 'v']] },
    };
    expect(hexOf(encode(withProps, 4))).toBe('32 09 00 03 61 2f 62 00 0a 68 69');
    expect(hexOf(encode(withProps, 3))).toBe('32 09 00 03 61 2f 62 00 0a 68 69');
    const ack: Packet = { type: 'puback', packetId: 7, reasonCode: 0, properties: { ReasonString: 'x' } };
    expect(hexOf(encode(ack, 4))).toBe('40 02 00 07');
    const sub: Packet = {
      type: 'subscribe', packetId: 1, properties: { SubscriptionIdentifier: 3 },
      subscriptions: [{ topic: 'a', qos: 1 }],
    };
    expect(hexOf(encode(sub, 4))).toBe('82 06 00 01 00 01 61 01');
    const conn: Packet = {
      type: 'connect', protocolVersion: 4, clientId: 'c', cleanSession: true, keepalive: 1,
      properties: { SessionExpiryInterval: 1 },
      will: { topic: 'w', payload: b(''), qos: 0, retain: false, properties: { WillDelayInterval: 1 } },
    };
    // 10 12 | "MQTT" 04 | flags 06 | keepalive 00 01 | "c" | will topic "w" | will payload ""
    expect(hexOf(encode(conn, 4))).toBe('10 12 00 04 4d 51 54 54 04 06 00 01 00 01 63 00 01 77 00 00');
  });

  test('packetId is ignored on a QoS 0 PUBLISH', () => {
    const p: Packet = { type: 'publish', topic: 'a/b', payload: b('hi'), qos: 0, retain: false, dup: false, packetId: 5 };
    expect(hexOf(encode(p, 4))).toBe('30 07 00 03 61 2f 62 68 69');
  });

  test('empty properties object at level 5 is the same as no properties', () => {
    expect(hexOf(encode({ type: 'puback', packetId: 7, reasonCode: 0, properties: {} }, 5))).toBe('40 02 00 07');
    expect(hexOf(encode({ type: 'disconnect', reasonCode: 0, properties: {} }, 5))).toBe('e0 00');
    expect(hexOf(encode({ type: 'auth', reasonCode: 0, properties: {} }, 5))).toBe('f0 00');
    expect(hexOf(encode({ type: 'publish', topic: 't', payload: b('p'), qos: 0, retain: false, dup: false, properties: {} }, 5)))
      .toBe('30 05 00 01 74 00 70');
  });

  test('a single Subscription Identifier number on PUBLISH is written once and parsed as a list', () => {
    const p: Packet = {
      type: 'publish', topic: 't', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false,
      properties: { SubscriptionIdentifier: 5 },
    };
    const bytes = encode(p, 5);
    expect(hexOf(bytes)).toBe('30 06 00 01 74 02 0b 05'); // remaining length 6; topic "t"; property length 2; 0x0B Subscription Identifier 5
    expect(plain(parseAll(bytes, 5))).toStrictEqual(plain([{ ...p, properties: { SubscriptionIdentifier: [5] } }]));
  });

  test('the output is a fresh Buffer of exactly the packet length', () => {
    const out = encode({ type: 'pingreq' }, 4);
    expect(out.length).toBe(2);
  });
});

describe('encoder rejects packets that cannot be encoded', () => {
  const big = 'x'.repeat(65536);
  const cases: { name: string; level: ProtocolLevel; packet: Packet; rule: string }[] = [
    { name: 'PUBLISH qos 3', level: 4, rule: 'invalid-qos',
      packet: { type: 'publish', topic: 'a', payload: b(''), qos: 3 as never, retain: false, dup: false, packetId: 1 } },
    { name: 'will qos 3', level: 4, rule: 'invalid-qos',
      packet: { type: 'connect', protocolVersion: 4, clientId: 'c', cleanSession: true, keepalive: 0,
        will: { topic: 'w', payload: b(''), qos: 3 as never, retain: false } } },
    { name: 'subscription qos 3', level: 4, rule: 'invalid-qos',
      packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topic: 'a', qos: 3 as never }] } },
    { name: 'PUBLISH qos 1 with packet id 0', level: 4, rule: 'packet-id-zero',
      packet: { type: 'publish', topic: 'a', payload: b(''), qos: 1, retain: false, dup: false, packetId: 0 } },
    { name: 'PUBLISH qos 2 with packet id 0', level: 5, rule: 'packet-id-zero',
      packet: { type: 'publish', topic: 'a', payload: b(''), qos: 2, retain: false, dup: false, packetId: 0 } },
    { name: 'PUBACK with packet id 0', level: 4, rule: 'packet-id-zero', packet: { type: 'puback', packetId: 0 } },
    { name: 'PUBREL with packet id 0', level: 5, rule: 'packet-id-zero', packet: { type: 'pubrel', packetId: 0 } },
    { name: 'SUBSCRIBE with packet id 0', level: 4, rule: 'packet-id-zero',
      packet: { type: 'subscribe', packetId: 0, subscriptions: [{ topic: 'a', qos: 0 }] } },
    { name: 'UNSUBSCRIBE with packet id 0', level: 4, rule: 'packet-id-zero',
      packet: { type: 'unsubscribe', packetId: 0, topics: ['a'] } },
    { name: 'SUBACK with packet id 0', level: 4, rule: 'packet-id-zero', packet: { type: 'suback', packetId: 0, reasonCodes: [0] } },
    { name: "'+' in a PUBLISH topic", level: 4, rule: 'topic-wildcard',
      packet: { type: 'publish', topic: 'a/+', payload: b(''), qos: 0, retain: false, dup: false } },
    { name: "'#' in a PUBLISH topic", level: 5, rule: 'topic-wildcard',
      packet: { type: 'publish', topic: '#', payload: b(''), qos: 0, retain: false, dup: false } },
    { name: "'#' in a will topic", level: 4, rule: 'topic-wildcard',
      packet: { type: 'connect', protocolVersion: 4, clientId: 'c', cleanSession: true, keepalive: 0,
        will: { topic: 'a/#', payload: b(''), qos: 0, retain: false } } },
    { name: 'empty PUBLISH topic at 3.1.1', level: 4, rule: 'empty-topic',
      packet: { type: 'publish', topic: '', payload: b(''), qos: 0, retain: false, dup: false } },
    { name: 'empty PUBLISH topic at 5.0 without a Topic Alias', level: 5, rule: 'empty-topic',
      packet: { type: 'publish', topic: '', payload: b(''), qos: 0, retain: false, dup: false } },
    { name: 'topic over 65535 bytes', level: 4, rule: 'string-too-long',
      packet: { type: 'publish', topic: big, payload: b(''), qos: 0, retain: false, dup: false } },
    { name: 'client id over 65535 bytes', level: 4, rule: 'string-too-long',
      packet: { type: 'connect', protocolVersion: 4, clientId: big, cleanSession: true, keepalive: 0 } },
    { name: 'password over 65535 bytes', level: 4, rule: 'string-too-long',
      packet: { type: 'connect', protocolVersion: 4, clientId: 'c', cleanSession: true, keepalive: 0,
        username: 'u', password: Buffer.alloc(65536) } },
    { name: 'will payload over 65535 bytes', level: 4, rule: 'string-too-long',
      packet: { type: 'connect', protocolVersion: 4, clientId: 'c', cleanSession: true, keepalive: 0,
        will: { topic: 'w', payload: Buffer.alloc(65536), qos: 0, retain: false } } },
    { name: 'User Property value over 65535 bytes', level: 5, rule: 'string-too-long',
      packet: { type: 'puback', packetId: 1, reasonCode: 0, properties: { UserProperty: [['k', big]] } } },
    { name: 'Correlation Data over 65535 bytes', level: 5, rule: 'string-too-long',
      packet: { type: 'publish', topic: 'a', payload: b(''), qos: 0, retain: false, dup: false,
        properties: { CorrelationData: Buffer.alloc(65536) } } },
    { name: 'U+0000 in a topic', level: 4, rule: 'null-character',
      packet: { type: 'publish', topic: 'a\u0000b', payload: b(''), qos: 0, retain: false, dup: false } },
    { name: 'lone UTF-16 surrogate in a topic', level: 4, rule: 'invalid-utf8',
      packet: { type: 'publish', topic: 'a\ud800', payload: b(''), qos: 0, retain: false, dup: false } },
    { name: 'lone UTF-16 surrogate in a client id', level: 4, rule: 'invalid-utf8',
      packet: { type: 'connect', protocolVersion: 4, clientId: '\udc00', cleanSession: true, keepalive: 0 } },
    { name: "filter 'a/#/b'", level: 4, rule: 'invalid-topic-filter',
      packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topic: 'a/#/b', qos: 0 }] } },
    { name: "filter 'a+'", level: 4, rule: 'invalid-topic-filter',
      packet: { type: 'unsubscribe', packetId: 1, topics: ['a+'] } },
    { name: 'empty filter', level: 4, rule: 'invalid-topic-filter',
      packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topic: '', qos: 0 }] } },
    { name: 'SUBSCRIBE without subscriptions', level: 4, rule: 'empty-subscription',
      packet: { type: 'subscribe', packetId: 1, subscriptions: [] } },
    { name: 'UNSUBSCRIBE without topics', level: 5, rule: 'empty-subscription',
      packet: { type: 'unsubscribe', packetId: 1, topics: [] } },
    { name: 'password without username at 3.1.1', level: 4, rule: 'connect-flags',
      packet: { type: 'connect', protocolVersion: 4, clientId: 'c', cleanSession: true, keepalive: 0, password: b('p') } },
    { name: 'AUTH below level 5', level: 4, rule: 'unknown-packet-type', packet: { type: 'auth', reasonCode: 0 } },
    { name: 'Session Expiry Interval on PUBLISH at 5.0', level: 5, rule: 'property-not-allowed',
      packet: { type: 'publish', topic: 'a', payload: b(''), qos: 0, retain: false, dup: false,
        properties: { SessionExpiryInterval: 1 } } },
    { name: 'Topic Alias on CONNECT at 5.0', level: 5, rule: 'property-not-allowed',
      packet: { type: 'connect', protocolVersion: 5, clientId: 'c', cleanSession: true, keepalive: 0,
        properties: { TopicAlias: 1 } } },
    { name: 'Will Delay Interval on CONNECT (only allowed in will properties)', level: 5, rule: 'property-not-allowed',
      packet: { type: 'connect', protocolVersion: 5, clientId: 'c', cleanSession: true, keepalive: 0,
        properties: { WillDelayInterval: 1 } } },
    { name: 'Session Expiry Interval in will properties', level: 5, rule: 'property-not-allowed',
      packet: { type: 'connect', protocolVersion: 5, clientId: 'c', cleanSession: true, keepalive: 0,
        will: { topic: 'w', payload: b(''), qos: 0, retain: false, properties: { SessionExpiryInterval: 1 } } } },
    { name: 'Reason String on SUBSCRIBE', level: 5, rule: 'property-not-allowed',
      packet: { type: 'subscribe', packetId: 1, properties: { ReasonString: 'x' }, subscriptions: [{ topic: 'a', qos: 0 }] } },
    { name: 'Subscription Identifier on UNSUBSCRIBE', level: 5, rule: 'property-not-allowed',
      packet: { type: 'unsubscribe', packetId: 1, properties: { SubscriptionIdentifier: 1 }, topics: ['a'] } },
    // 3.1.1 3.9.3: "SUBACK return codes other than 0x00, 0x01, 0x02 and 0x80 are reserved and MUST NOT be used"
    // [MQTT-3.9.3-2]; the parser rejects them at level 4 (see malformed.spec.ts), so must the encoder.
    { name: 'SUBACK return code 3 at 3.1.1', level: 4, rule: 'invalid-reason-code',
      packet: { type: 'suback', packetId: 1, reasonCodes: [3] } },
    { name: 'SUBACK return code 0x87 (a 5.0-only code) at 3.1.1', level: 4, rule: 'invalid-reason-code',
      packet: { type: 'suback', packetId: 1, reasonCodes: [0, 0x87] } },
    { name: 'SUBACK return code 3 at 3.1', level: 3, rule: 'invalid-reason-code',
      packet: { type: 'suback', packetId: 1, reasonCodes: [3] } },
    { name: 'SUBACK reason code 0x10 at 5.0', level: 5, rule: 'invalid-reason-code',
      packet: { type: 'suback', packetId: 1, reasonCodes: [0x10] } },
    { name: 'UNSUBACK reason code 0x01 at 5.0', level: 5, rule: 'invalid-reason-code',
      packet: { type: 'unsuback', packetId: 1, reasonCodes: [0x01] } },
    { name: 'CONNACK reason code 0x01 at 5.0', level: 5, rule: 'invalid-reason-code',
      packet: { type: 'connack', sessionPresent: false, reasonCode: 0x01 } },
    { name: 'DISCONNECT reason code 0x05 at 5.0', level: 5, rule: 'invalid-reason-code',
      packet: { type: 'disconnect', reasonCode: 0x05 } },
    { name: 'PUBACK reason code 0x05 at 5.0', level: 5, rule: 'invalid-reason-code',
      packet: { type: 'puback', packetId: 1, reasonCode: 0x05 } },
    { name: 'PUBREL reason code 0x10 at 5.0', level: 5, rule: 'invalid-reason-code',
      packet: { type: 'pubrel', packetId: 1, reasonCode: 0x10 } },
    { name: 'AUTH reason code 0x01', level: 5, rule: 'invalid-reason-code',
      packet: { type: 'auth', reasonCode: 0x01, properties: { AuthenticationMethod: 'm' } } },
    { name: 'Receive Maximum 0', level: 5, rule: 'invalid-property-value',
      packet: { type: 'connect', protocolVersion: 5, clientId: 'c', cleanSession: true, keepalive: 0,
        properties: { ReceiveMaximum: 0 } } },
    { name: 'Topic Alias 0', level: 5, rule: 'invalid-property-value',
      packet: { type: 'publish', topic: 'a', payload: b(''), qos: 0, retain: false, dup: false, properties: { TopicAlias: 0 } } },
    { name: 'Subscription Identifier 0 on SUBSCRIBE', level: 5, rule: 'invalid-property-value',
      packet: { type: 'subscribe', packetId: 1, properties: { SubscriptionIdentifier: 0 }, subscriptions: [{ topic: 'a', qos: 0 }] } },
    { name: 'Subscription Identifier over 268435455', level: 5, rule: 'invalid-property-value',
      packet: { type: 'subscribe', packetId: 1, properties: { SubscriptionIdentifier: 268435456 }, subscriptions: [{ topic: 'a', qos: 0 }] } },
  ];

  for (const c of cases) {
    test(`${c.name} [level ${c.level}] -> ${c.rule}`, () => {
      let err: unknown;
      try {
        encode(c.packet, c.level);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).rule).toBe(c.rule);
    });
  }
});

/**
 * Packets that are encodable bit-wise but that a sender MUST NOT send. The codec validates the
 * other sender rules (qos 3, packet id 0, wildcards, ...), so it must not emit these either:
 * it either throws ProtocolError or writes the bit the spec requires.
 */
describe('encoder honours the sender MUSTs of the specifications', () => {
  function encodeOrError(packet: Packet, level: ProtocolLevel): Buffer | ProtocolError {
    try {
      return encode(packet, level);
    } catch (e) {
      if (e instanceof ProtocolError) return e;
      throw e;
    }
  }

  test('DUP is 0 on a QoS 0 PUBLISH (3.1.1 and 5.0 [MQTT-3.3.1-2])', () => {
    for (const level of [3, 4, 5] as ProtocolLevel[]) {
      const out = encodeOrError({ type: 'publish', topic: 'a', payload: b('x'), qos: 0, retain: false, dup: true }, level);
      if (!(out instanceof ProtocolError)) expect(hexOf(out.subarray(0, 1))).toBe('30');
    }
  });

  test('Session Present is 0 in a CONNACK with a non-zero code (3.1.1 [MQTT-3.2.2-4], 5.0 [MQTT-3.2.2-6])', () => {
    const out4 = encodeOrError({ type: 'connack', sessionPresent: true, reasonCode: 5 }, 4);
    if (!(out4 instanceof ProtocolError)) expect(hexOf(out4)).toBe('20 02 00 05');
    const out5 = encodeOrError({ type: 'connack', sessionPresent: true, reasonCode: 0x87 }, 5);
    if (!(out5 instanceof ProtocolError)) expect(hexOf(out5)).toBe('20 03 00 87 00');
  });

  test('no wildcard in a Response Topic (5.0 3.3.2.3.5 [MQTT-3.3.2-14])', () => {
    const out = encodeOrError({
      type: 'publish', topic: 'a', payload: b(''), qos: 0, retain: false, dup: false, properties: { ResponseTopic: 'r/#' },
    }, 5);
    expect(out).toBeInstanceOf(ProtocolError);
  });

  test('no Authentication Data without an Authentication Method (5.0 3.1.2.11.10: a Protocol Error)', () => {
    const out = encodeOrError({
      type: 'connect', protocolVersion: 5, clientId: 'c', cleanSession: true, keepalive: 0,
      properties: { AuthenticationData: h('01') },
    }, 5);
    expect(out).toBeInstanceOf(ProtocolError);
  });

  test('a payload that is not a Buffer is refused or written as its UTF-8 bytes, never as zero bytes', () => {
    // Outside the typed contract (payload: Buffer), but a JavaScript caller can do it; a will payload
    // that is not a Buffer is already refused with ProtocolError.
    const out = encodeOrError({ type: 'publish', topic: 'a', payload: 'hi' as unknown as Buffer, qos: 0, retain: false, dup: false }, 4);
    if (!(out instanceof ProtocolError)) expect(hexOf(out)).toBe('30 05 00 01 61 68 69');
  });
});

describe('protocol level handling in the parser', () => {
  const connect5 = h(
    '10 0e', '00 04 4d 51 54 54 05', '02', '00 00', // CONNECT level 5, clean start, keepalive 0
    '00', //                                          property length 0
    '00 01 63', //                                    client id "c"
  );
  const puback5 = h('40 0b', '00 07', '10', '07', '1f 00 04 6e 6f 6e 65'); // long PUBACK, only valid at 5

  test('the default level is 4: a PUBACK with remaining length 11 is rejected', () => {
    const parser = new Parser();
    expect(parser.protocolVersion).toBe(4);
    expect(() => parser.feed(puback5)).toThrow(ProtocolError);
  });

  test('a parser learns the level from a CONNECT it decodes (same chunk)', () => {
    const parser = new Parser();
    const out = parser.feed(Buffer.concat([connect5, puback5]));
    expect(parser.protocolVersion).toBe(5);
    expect(plain(out)).toStrictEqual(plain([
      { type: 'connect', protocolVersion: 5, clientId: 'c', cleanSession: true, keepalive: 0 },
      { type: 'puback', packetId: 7, reasonCode: 0x10, properties: { ReasonString: 'none' } },
    ]));
  });

  test('a parser learns level 3 from a 3.1 CONNECT', () => {
    const parser = new Parser({ protocolVersion: 5 });
    parser.feed(h('10 0f', '00 06 4d 51 49 73 64 70 03', '00', '00 00', '00 01 63')); // "MQIsdp" 3, flags 0, keepalive 0, id "c"
    expect(parser.protocolVersion).toBe(3);
  });

  test('protocolVersion is writable and takes effect on the next packet', () => {
    const parser = new Parser({ protocolVersion: 4 });
    expect(parser.feed(h('40 02 00 07'))).toHaveLength(1);
    parser.protocolVersion = 5;
    expect(plain(parser.feed(puback5))).toStrictEqual(
      plain([{ type: 'puback', packetId: 7, reasonCode: 0x10, properties: { ReasonString: 'none' } }]),
    );
    parser.protocolVersion = 4;
    expect(plain(parser.feed(h('b0 02 00 04')))).toStrictEqual(plain([{ type: 'unsuback', packetId: 4, reasonCodes: [] }]));
  });

  test('the same bytes decode differently by level: UNSUBACK with codes at 5', () => {
    expect(plain(parseAll(h('b0 04 00 04 00 00'), 5))).toStrictEqual(
      plain([{ type: 'unsuback', packetId: 4, reasonCodes: [0] }]),
    );
  });

  test('a parser returns [] until a packet is complete and keeps the remainder', () => {
    const parser = new Parser({ protocolVersion: 4 });
    expect(parser.feed(h('32 09 00 03'))).toEqual([]);
    const out = parser.feed(h('61 2f 62 00 0a 68 69 c0'));
    expect(plain(out)).toStrictEqual(plain([
      { type: 'publish', topic: 'a/b', payload: b('hi'), qos: 1, retain: false, dup: false, packetId: 10 },
    ]));
    expect(plain(parser.feed(h('00')))).toStrictEqual([{ type: 'pingreq' }]);
    expect(parser.feed(Buffer.alloc(0))).toEqual([]);
  });
});
