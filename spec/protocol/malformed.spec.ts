/**
 * Malformed input: every rule of lib/protocol/errors.ts that the parser can hit, as a table
 * (bytes hand-derived from mqtt-v3.1.1-os and mqtt-v5.0-os), plus a fuzz property proving
 * the parser throws nothing but ProtocolError.
 *
 * Each row is checked three ways:
 *  1. a fresh Parser fed the bytes throws ProtocolError with the row's `rule` and `reasonCode`;
 *  2. the same bytes preceded by a valid PINGRESP in the same chunk: the error carries
 *     `packets` = [{ type: 'pingresp' }];
 *  3. after the throw the parser is failed: the next feed (even of valid bytes) throws 'parser-failed'.
 */
import fc from 'fast-check';
import { encode, Parser, ProtocolError } from '../../lib/protocol';
import type { Packet, ProtocolLevel } from '../../lib/protocol/types';
import type { ProtocolRule } from '../../lib/protocol/errors';

function h(...groups: string[]): Buffer {
  const s = groups.join('').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(s)) throw new Error(`bad hex in row: ${s}`);
  return Buffer.from(s, 'hex');
}

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

function catchFeed(parser: Parser, bytes: Buffer): unknown {
  try {
    const out = parser.feed(bytes);
    return { returned: plain(out) };
  } catch (e) {
    return e;
  }
}

const MALFORMED = 0x81;
const PROTOCOL = 0x82;
const TOO_LARGE = 0x95;

interface Row {
  name: string;
  level: ProtocolLevel;
  /** The packet, written field by field as hex groups. */
  bytes: Buffer;
  rule: ProtocolRule;
  /**
   * Expected reasonCode: 0x81 (Malformed Packet) when absent; 0x82 where errors.ts or the MQTT 5
   * text says Protocol Error; `null` where neither fixes it (not asserted).
   */
  reasonCode?: number | null;
  maxPacketSize?: number;
}

// CONNECT pieces (3.1.1 unless noted)
const MQTT4 = '00 04 4d 51 54 54 04'; // protocol name "MQTT", level 4
const MQTT5 = '00 04 4d 51 54 54 05'; // protocol name "MQTT", level 5

const rows: Row[] = [
  // ---------------------------------------------------------------- fixed header
  { name: 'remaining length in 5 bytes', level: 4, rule: 'remaining-length-too-long',
    bytes: h('30', 'ff ff ff ff 7f') }, // PUBLISH; 4 continuation bytes then a 5th
  { name: 'remaining length in 5 bytes (value 2^28)', level: 5, rule: 'remaining-length-too-long',
    bytes: h('c0', '80 80 80 80 01') }, // PINGREQ; 268435456 would need 5 bytes
  { name: 'remaining length: 4th byte still has the continuation bit (detected before a 5th byte)', level: 4,
    rule: 'remaining-length-too-long', bytes: h('30', '80 80 80 80') },

  { name: 'packet over maxPacketSize, from the 2-byte header alone', level: 4, rule: 'packet-too-large',
    reasonCode: TOO_LARGE, maxPacketSize: 16, bytes: h('30 0f') }, // 2 + 15 = 17 bytes > 16; body not sent
  { name: 'packet over maxPacketSize, from a 3-byte header alone', level: 5, rule: 'packet-too-large',
    reasonCode: TOO_LARGE, maxPacketSize: 100, bytes: h('30 80 01') }, // 3 + 128 = 131 > 100
  { name: 'packet over maxPacketSize, from a 5-byte header alone', level: 4, rule: 'packet-too-large',
    reasonCode: TOO_LARGE, maxPacketSize: 2097152 + 4, bytes: h('30 80 80 80 01') }, // 5 + 2097152 > max
  { name: 'PUBACK (4 bytes) over maxPacketSize 3', level: 3, rule: 'packet-too-large',
    reasonCode: TOO_LARGE, maxPacketSize: 3, bytes: h('40 02') },

  { name: 'PUBLISH with QoS 3 flags', level: 4, rule: 'invalid-qos',
    bytes: h('36 05', '00 01 61', '00 01') }, // flags 0b0110: qos 3; topic "a"; id 1
  { name: 'PUBLISH with QoS 3 flags at 5.0', level: 5, rule: 'invalid-qos',
    bytes: h('36 06', '00 01 61', '00 01', '00') },
  // [MQTT-3.3.1-2] "The DUP flag MUST be set to 0 for all QoS 0 messages".
  { name: 'PUBLISH QoS 0 with DUP set', level: 4, rule: 'reserved-flags', bytes: h('38 03', '00 01 61') },
  { name: 'PUBREL with flags 0 instead of 2', level: 4, rule: 'reserved-flags', bytes: h('60 02', '00 01') },
  { name: 'PUBREL with flags 0 at 5.0', level: 5, rule: 'reserved-flags', bytes: h('60 02', '00 01') },
  { name: 'SUBSCRIBE with flags 0', level: 4, rule: 'reserved-flags',
    bytes: h('80 06', '00 01', '00 01 61', '00') },
  { name: 'UNSUBSCRIBE with flags 0', level: 4, rule: 'reserved-flags', bytes: h('a0 05', '00 01', '00 01 61') },
  { name: 'PINGREQ with flags 1', level: 4, rule: 'reserved-flags', bytes: h('c1 00') },
  { name: 'PINGRESP with flags 8', level: 5, rule: 'reserved-flags', bytes: h('d8 00') },
  { name: 'PUBACK with flags 2', level: 4, rule: 'reserved-flags', bytes: h('42 02', '00 01') },
  { name: 'CONNACK with flags 1', level: 4, rule: 'reserved-flags', bytes: h('21 02', '00 00') },
  { name: 'CONNECT with flags 2', level: 4, rule: 'reserved-flags',
    bytes: h('12 0c', MQTT4, '02', '00 3c', '00 00') },
  { name: 'DISCONNECT with flags 1', level: 4, rule: 'reserved-flags', bytes: h('e1 00') },
  { name: 'AUTH with flags 1', level: 5, rule: 'reserved-flags', bytes: h('f1 00') },

  { name: 'packet type 0', level: 4, rule: 'unknown-packet-type', bytes: h('00 00') },
  { name: 'packet type 0 at 5.0', level: 5, rule: 'unknown-packet-type', bytes: h('00 00') },
  { name: 'AUTH at 3.1.1', level: 4, rule: 'unknown-packet-type', bytes: h('f0 00') },
  { name: 'AUTH at 3.1', level: 3, rule: 'unknown-packet-type', bytes: h('f0 00') },

  // ---------------------------------------------------------------- packet identifiers
  { name: 'PUBLISH QoS 1 with packet id 0', level: 4, rule: 'packet-id-zero',
    bytes: h('32 05', '00 01 61', '00 00') },
  { name: 'PUBLISH QoS 2 with packet id 0 at 5.0', level: 5, rule: 'packet-id-zero',
    bytes: h('34 06', '00 01 61', '00 00', '00') },
  { name: 'PUBACK with packet id 0', level: 4, rule: 'packet-id-zero', bytes: h('40 02', '00 00') },
  { name: 'PUBREC with packet id 0', level: 5, rule: 'packet-id-zero', bytes: h('50 02', '00 00') },
  { name: 'PUBREL with packet id 0', level: 4, rule: 'packet-id-zero', bytes: h('62 02', '00 00') },
  { name: 'PUBCOMP with packet id 0', level: 3, rule: 'packet-id-zero', bytes: h('70 02', '00 00') },
  { name: 'SUBSCRIBE with packet id 0', level: 4, rule: 'packet-id-zero',
    bytes: h('82 06', '00 00', '00 01 61', '00') },
  { name: 'SUBACK with packet id 0', level: 4, rule: 'packet-id-zero', bytes: h('90 03', '00 00', '00') },
  { name: 'UNSUBSCRIBE with packet id 0', level: 4, rule: 'packet-id-zero', bytes: h('a2 05', '00 00', '00 01 61') },
  { name: 'UNSUBACK with packet id 0', level: 4, rule: 'packet-id-zero', bytes: h('b0 02', '00 00') },

  // ---------------------------------------------------------------- UTF-8 strings
  { name: 'topic with invalid UTF-8 c3 28', level: 4, rule: 'invalid-utf8',
    bytes: h('30 04', '00 02 c3 28') }, // c3 wants a continuation byte; 28 is "("
  { name: 'topic with overlong "/" c0 af', level: 4, rule: 'invalid-utf8', bytes: h('30 04', '00 02 c0 af') },
  { name: 'topic with overlong 3-byte e0 80 af', level: 4, rule: 'invalid-utf8', bytes: h('30 05', '00 03 e0 80 af') },
  { name: 'topic with a UTF-16 surrogate ed a0 80 (U+D800)', level: 4, rule: 'invalid-utf8',
    bytes: h('30 05', '00 03 ed a0 80') },
  { name: 'topic with a code point over U+10FFFF (f4 90 80 80)', level: 4, rule: 'invalid-utf8',
    bytes: h('30 06', '00 04 f4 90 80 80') },
  { name: 'topic with a lone continuation byte 80', level: 5, rule: 'invalid-utf8', bytes: h('30 04', '00 01 80', '00') },
  { name: 'topic ending in a cut sequence e2 82', level: 4, rule: 'invalid-utf8', bytes: h('30 05', '00 02 e2 82', '41') },
  { name: 'topic with byte ff', level: 4, rule: 'invalid-utf8', bytes: h('30 03', '00 01 ff') },
  { name: 'client id with invalid UTF-8', level: 4, rule: 'invalid-utf8',
    bytes: h('10 0d', MQTT4, '02', '00 3c', '00 01 c3') },
  { name: 'SUBSCRIBE filter with invalid UTF-8', level: 4, rule: 'invalid-utf8',
    bytes: h('82 07', '00 01', '00 02 c3 28', '00') },
  { name: 'User Property key with invalid UTF-8', level: 5, rule: 'invalid-utf8',
    bytes: h('30 0b', '00 01 61', '07', '26 00 01 c0 00 01 76') }, // PUBLISH "a"; property length 7; key c0
  { name: 'Reason String with a surrogate', level: 5, rule: 'invalid-utf8',
    bytes: h('40 0a', '00 01', '10', '06', '1f 00 03 ed b0 80') },

  { name: 'U+0000 in a topic', level: 4, rule: 'null-character', bytes: h('30 05', '00 03 61 00 62') },
  { name: 'U+0000 in a SUBSCRIBE filter', level: 4, rule: 'null-character',
    bytes: h('82 06', '00 01', '00 01 00', '00') },
  { name: 'U+0000 in a client id', level: 4, rule: 'null-character',
    bytes: h('10 0d', MQTT4, '02', '00 3c', '00 01 00') },
  { name: 'U+0000 in a User Property value', level: 5, rule: 'null-character',
    bytes: h('30 0b', '00 01 61', '07', '26 00 01 6b 00 01 00') },

  // ---------------------------------------------------------------- topics and filters
  { name: "'+' in a PUBLISH topic", level: 4, rule: 'topic-wildcard', bytes: h('30 05', '00 03 61 2f 2b') },
  { name: "'#' in a PUBLISH topic", level: 4, rule: 'topic-wildcard', bytes: h('30 03', '00 01 23') },
  { name: "'+' inside a PUBLISH topic level at 5.0", level: 5, rule: 'topic-wildcard',
    bytes: h('30 05', '00 02 61 2b', '00') },
  { name: "'#' in a will topic", level: 4, rule: 'topic-wildcard',
    bytes: h('10 11', MQTT4, '06', '00 3c', '00 00', '00 01 23', '00 00') }, // will flag | clean; will topic "#"
  { name: 'empty PUBLISH topic at 3.1.1', level: 4, rule: 'empty-topic', bytes: h('30 03', '00 00', '78') },
  // 5.0 3.3.2.1: "It is a Protocol Error if the Topic Name is zero length and there is no Topic Alias."
  { name: 'empty PUBLISH topic at 5.0 without a Topic Alias', level: 5, rule: 'empty-topic', reasonCode: PROTOCOL,
    bytes: h('30 03', '00 00', '00') },
  { name: "SUBSCRIBE filter 'a/#/b'", level: 4, rule: 'invalid-topic-filter',
    bytes: h('82 0a', '00 01', '00 05 61 2f 23 2f 62', '00') },
  { name: "SUBSCRIBE filter 'a+'", level: 4, rule: 'invalid-topic-filter', bytes: h('82 07', '00 01', '00 02 61 2b', '00') },
  { name: "SUBSCRIBE filter 'a#'", level: 5, rule: 'invalid-topic-filter',
    bytes: h('82 08', '00 01', '00', '00 02 61 23', '00') },
  { name: 'SUBSCRIBE empty filter', level: 4, rule: 'invalid-topic-filter', bytes: h('82 05', '00 01', '00 00', '00') },
  { name: "UNSUBSCRIBE filter '#/a'", level: 4, rule: 'invalid-topic-filter', bytes: h('a2 07', '00 01', '00 03 23 2f 61') },

  // ---------------------------------------------------------------- truncation
  { name: 'topic length cut (remaining length 1)', level: 4, rule: 'truncated', bytes: h('30 01', '00') },
  { name: 'topic length past the end of the packet', level: 4, rule: 'truncated', bytes: h('30 04', '00 05 61 62') },
  { name: 'PUBLISH QoS 1 without room for its packet id', level: 4, rule: 'truncated', bytes: h('32 03', '00 01 61') },
  { name: 'PUBACK with remaining length 1', level: 4, rule: 'truncated', bytes: h('40 01', '00') },
  { name: 'PUBACK with remaining length 0 at 5.0', level: 5, rule: 'truncated', bytes: h('40 00') },
  { name: 'CONNACK with remaining length 1', level: 4, rule: 'truncated', bytes: h('20 01', '00') },
  { name: 'CONNACK 5.0 without its property length', level: 5, rule: 'truncated', bytes: h('20 02', '00 00') },
  { name: 'SUBSCRIBE filter without its options byte', level: 4, rule: 'truncated', bytes: h('82 05', '00 01', '00 01 61') },
  { name: 'CONNECT cut after the protocol name', level: 4, rule: 'truncated', bytes: h('10 06', '00 04 4d 51 54 54') },
  { name: 'CONNECT with username flag but no username', level: 4, rule: 'truncated',
    bytes: h('10 0e', MQTT4, '82', '00 3c', '00 02 63 31') },
  { name: 'CONNECT with will flag but no will payload', level: 4, rule: 'truncated',
    bytes: h('10 0f', MQTT4, '06', '00 3c', '00 00', '00 01 77') },
  { name: 'property length past the end of the packet', level: 5, rule: 'truncated',
    bytes: h('30 05', '00 01 61', '05', '01') },
  { name: 'property value cut (Message Expiry Interval needs 4 bytes)', level: 5, rule: 'truncated',
    bytes: h('30 06', '00 01 61', '02', '02 00') },
  { name: 'property string length past the property block', level: 5, rule: 'truncated',
    bytes: h('40 0a', '00 01', '10', '04', '1f 00 03 61', '62 63') }, // property length 4; Reason String of 3 bytes crosses its end
  { name: 'SUBACK 5.0 without its property length', level: 5, rule: 'truncated', bytes: h('90 02', '00 01') },

  // ---------------------------------------------------------------- trailing bytes
  { name: 'PINGREQ with remaining length 1', level: 4, rule: 'trailing-bytes', bytes: h('c0 01', '00') },
  { name: 'PINGRESP with remaining length 2', level: 5, rule: 'trailing-bytes', bytes: h('d0 02', '00 00') },
  { name: 'PUBACK 3.1.1 with remaining length 3', level: 4, rule: 'trailing-bytes', bytes: h('40 03', '00 01', '00') },
  { name: 'PUBREL 3.1 with remaining length 3', level: 3, rule: 'trailing-bytes', bytes: h('62 03', '00 01', '00') },
  { name: 'CONNACK 3.1.1 with remaining length 3', level: 4, rule: 'trailing-bytes', bytes: h('20 03', '00 00', '00') },
  { name: 'CONNACK 5.0 with a byte after its properties', level: 5, rule: 'trailing-bytes',
    bytes: h('20 04', '00 00', '00', 'ff') },
  { name: 'UNSUBACK 3.1.1 with remaining length 3', level: 4, rule: 'trailing-bytes', bytes: h('b0 03', '00 01', '00') },
  { name: 'DISCONNECT 3.1.1 with remaining length 1', level: 4, rule: 'trailing-bytes', bytes: h('e0 01', '00') },
  { name: 'PUBACK 5.0 with a byte after its properties', level: 5, rule: 'trailing-bytes',
    bytes: h('40 05', '00 01', '00', '00', 'ff') },
  { name: 'DISCONNECT 5.0 with a byte after its properties', level: 5, rule: 'trailing-bytes',
    bytes: h('e0 03', '00', '00', 'ff') },
  { name: 'CONNECT 3.1.1 with a byte after the client id', level: 4, rule: 'trailing-bytes',
    bytes: h('10 0f', MQTT4, '02', '00 3c', '00 02 63 31', '00') },

  // ---------------------------------------------------------------- CONNECT / CONNACK
  { name: "CONNECT with protocol name 'MQTX'", level: 4, rule: 'invalid-protocol',
    bytes: h('10 0c', '00 04 4d 51 54 58 04', '02', '00 3c', '00 00') },
  { name: 'CONNECT "MQTT" with level 6', level: 4, rule: 'invalid-protocol',
    bytes: h('10 0c', '00 04 4d 51 54 54 06', '02', '00 3c', '00 00') },
  { name: 'CONNECT "MQTT" with level 3 (3.1 is "MQIsdp")', level: 4, rule: 'invalid-protocol',
    bytes: h('10 0c', '00 04 4d 51 54 54 03', '02', '00 3c', '00 00') },
  { name: 'CONNECT "MQIsdp" with level 4', level: 3, rule: 'invalid-protocol',
    bytes: h('10 10', '00 06 4d 51 49 73 64 70 04', '02', '00 3c', '00 02 63 31') },
  { name: "CONNECT with protocol name 'mqtt' (case matters)", level: 4, rule: 'invalid-protocol',
    bytes: h('10 0c', '00 04 6d 71 74 74 04', '02', '00 3c', '00 00') },
  { name: 'CONNECT with reserved flag bit 0 set', level: 4, rule: 'connect-flags',
    bytes: h('10 0c', MQTT4, '03', '00 3c', '00 00') },
  { name: 'CONNECT 5.0 with reserved flag bit 0 set', level: 5, rule: 'connect-flags',
    bytes: h('10 0d', MQTT5, '03', '00 3c', '00', '00 00') },
  { name: 'CONNECT with will QoS 3', level: 4, rule: 'invalid-qos',
    bytes: h('10 11', MQTT4, '1e', '00 3c', '00 00', '00 01 77', '00 00') }, // will 0x04 | qos 3 (0x18) | clean
  { name: 'CONNECT with will flag 0 but will QoS 1', level: 4, rule: 'connect-flags',
    bytes: h('10 0c', MQTT4, '0a', '00 3c', '00 00') },
  { name: 'CONNECT with will flag 0 but will retain', level: 4, rule: 'connect-flags',
    bytes: h('10 0c', MQTT4, '22', '00 3c', '00 00') },
  { name: 'CONNECT 3.1.1 with password but no username', level: 4, rule: 'connect-flags',
    bytes: h('10 0f', MQTT4, '42', '00 3c', '00 00', '00 01 70') },
  // [MQTT-3.2.2-4] a refused connection "MUST set Session Present to 0".
  { name: 'CONNACK refusing (rc 5) with Session Present', level: 4, rule: 'connack-flags', bytes: h('20 02', '01 05') },
  { name: 'CONNACK 5.0 refusing (0x87) with Session Present', level: 5, rule: 'connack-flags', bytes: h('20 03', '01 87', '00') },
  { name: 'CONNACK with acknowledge flags 0x02', level: 4, rule: 'connack-flags', bytes: h('20 02', '02 00') },
  { name: 'CONNACK 5.0 with acknowledge flags 0xfe', level: 5, rule: 'connack-flags', bytes: h('20 03', 'fe 00', '00') },

  // ---------------------------------------------------------------- SUBSCRIBE family
  // MQTT 5 3.8.3 / 3.10.3: "A SUBSCRIBE (UNSUBSCRIBE) packet with no Payload is a Protocol Error" (0x82).
  { name: 'SUBSCRIBE with no filters', level: 4, rule: 'empty-subscription', reasonCode: PROTOCOL, bytes: h('82 02', '00 01') },
  { name: 'SUBSCRIBE 5.0 with no filters', level: 5, rule: 'empty-subscription', reasonCode: PROTOCOL,
    bytes: h('82 03', '00 01', '00') },
  { name: 'UNSUBSCRIBE with no filters', level: 4, rule: 'empty-subscription', reasonCode: PROTOCOL,
    bytes: h('a2 02', '00 01') },
  { name: 'UNSUBSCRIBE 5.0 with no filters', level: 5, rule: 'empty-subscription', reasonCode: PROTOCOL,
    bytes: h('a2 03', '00 01', '00') },
  { name: 'SUBACK with no return codes', level: 4, rule: 'empty-subscription', reasonCode: null, bytes: h('90 02', '00 01') },
  { name: 'subscription QoS 3', level: 4, rule: 'invalid-qos', bytes: h('82 06', '00 01', '00 01 61', '03') },
  { name: 'subscription QoS 3 at 5.0', level: 5, rule: 'invalid-qos', bytes: h('82 07', '00 01', '00', '00 01 61', '03') },
  { name: 'subscription option bit 2 at 3.1.1 (reserved before 5.0)', level: 4, rule: 'subscription-options',
    bytes: h('82 06', '00 01', '00 01 61', '04') },
  { name: 'subscription option bits 6-7 at 3.1.1', level: 4, rule: 'subscription-options',
    bytes: h('82 06', '00 01', '00 01 61', 'c1') },
  { name: 'subscription option bit 6 at 5.0', level: 5, rule: 'subscription-options',
    bytes: h('82 07', '00 01', '00', '00 01 61', '40') },
  { name: 'subscription Retain Handling 3 at 5.0', level: 5, rule: 'subscription-options',
    bytes: h('82 07', '00 01', '00', '00 01 61', '30') },

  // ---------------------------------------------------------------- reason codes
  { name: 'PUBACK 5.0 reason 0x05', level: 5, rule: 'invalid-reason-code', bytes: h('40 03', '00 01', '05') },
  { name: 'PUBREL 5.0 reason 0x10 (a PUBACK/PUBREC code)', level: 5, rule: 'invalid-reason-code',
    bytes: h('62 03', '00 01', '10') },
  { name: 'PUBCOMP 5.0 reason 0x80', level: 5, rule: 'invalid-reason-code', bytes: h('70 03', '00 01', '80') },
  { name: 'DISCONNECT 5.0 reason 0x05', level: 5, rule: 'invalid-reason-code', bytes: h('e0 02', '05', '00') },
  { name: 'AUTH reason 0x01', level: 5, rule: 'invalid-reason-code', bytes: h('f0 02', '01', '00') },
  { name: 'CONNACK 5.0 reason 0x01', level: 5, rule: 'invalid-reason-code', bytes: h('20 03', '00 01', '00') },
  { name: 'SUBACK 3.1.1 return code 3', level: 4, rule: 'invalid-reason-code', bytes: h('90 03', '00 01', '03') },
  { name: 'SUBACK 5.0 reason 0x10', level: 5, rule: 'invalid-reason-code', bytes: h('90 04', '00 01', '00', '10') },
  { name: 'UNSUBACK 5.0 reason 0x01', level: 5, rule: 'invalid-reason-code', bytes: h('b0 04', '00 01', '00', '01') },

  // ---------------------------------------------------------------- properties
  { name: 'property id 0x00', level: 5, rule: 'unknown-property', bytes: h('30 05', '00 01 61', '01', '00') },
  { name: 'property id 0x7f', level: 5, rule: 'unknown-property', bytes: h('30 05', '00 01 61', '01', '7f') },
  { name: 'property id 0x04 (unassigned)', level: 5, rule: 'unknown-property',
    bytes: h('40 06', '00 01', '00', '02', '04 00') },
  { name: 'Session Expiry Interval on PUBLISH', level: 5, rule: 'property-not-allowed',
    bytes: h('30 09', '00 01 61', '05', '11 00 00 00 01') },
  { name: 'Topic Alias on CONNECT', level: 5, rule: 'property-not-allowed',
    bytes: h('10 10', MQTT5, '02', '00 3c', '03', '23 00 01', '00 00') },
  { name: 'Will Delay Interval in CONNECT properties (will properties only)', level: 5,
    rule: 'property-not-allowed',
    bytes: h('10 12', MQTT5, '02', '00 3c', '05', '18 00 00 00 01', '00 00') },
  { name: 'Subscription Identifier on PUBACK', level: 5, rule: 'property-not-allowed',
    bytes: h('40 06', '00 01', '00', '02', '0b 01') },
  { name: 'Reason String on PUBLISH', level: 5, rule: 'property-not-allowed',
    bytes: h('30 08', '00 01 61', '04', '1f 00 01 78') },
  { name: 'Session Expiry Interval in will properties', level: 5, rule: 'property-not-allowed',
    bytes: h('10 18', MQTT5, '06', '00 3c', '00', '00 00', '05', '11 00 00 00 01', '00 01 77', '00 00') },
  { name: 'two Message Expiry Interval on PUBLISH', level: 5, rule: 'property-repeated', reasonCode: PROTOCOL,
    bytes: h('30 0e', '00 01 61', '0a', '02 00 00 00 01', '02 00 00 00 02') },
  { name: 'two Reason String on PUBACK', level: 5, rule: 'property-repeated', reasonCode: PROTOCOL,
    bytes: h('40 0c', '00 01', '10', '08', '1f 00 01 61', '1f 00 01 62') },
  { name: 'two Subscription Identifier on SUBSCRIBE', level: 5, rule: 'property-repeated', reasonCode: PROTOCOL,
    bytes: h('82 0b', '00 01', '04', '0b 01 0b 02', '00 01 61', '00') },
  { name: 'two Session Expiry Interval on CONNECT', level: 5, rule: 'property-repeated', reasonCode: PROTOCOL,
    bytes: h('10 17', MQTT5, '02', '00 3c', '0a', '11 00 00 00 01', '11 00 00 00 01', '00 00') },
  // 5.0 3.2.2.3.3 / 3.2.2.3.4 / 3.8.2.1.2 / 3.1.2.11.4: "It is a Protocol Error ... to have the value 0" (or other than 0/1)
  { name: 'Receive Maximum 0 on CONNACK', level: 5, rule: 'invalid-property-value', reasonCode: PROTOCOL,
    bytes: h('20 06', '00 00', '03', '21 00 00') },
  // 5.0 3.3.4 names 0x94 (Topic Alias invalid) for this Protocol Error: the reason code is left open here.
  { name: 'Topic Alias 0 on PUBLISH', level: 5, rule: 'invalid-property-value', reasonCode: null,
    bytes: h('30 07', '00 01 61', '03', '23 00 00') },
  { name: 'Maximum QoS 2 on CONNACK', level: 5, rule: 'invalid-property-value', reasonCode: PROTOCOL,
    bytes: h('20 05', '00 00', '02', '24 02') },
  { name: 'Subscription Identifier 0 on SUBSCRIBE', level: 5, rule: 'invalid-property-value', reasonCode: PROTOCOL,
    bytes: h('82 09', '00 01', '02', '0b 00', '00 01 61', '00') },
  { name: 'Payload Format Indicator 2 on PUBLISH', level: 5, rule: 'invalid-property-value', reasonCode: null,
    bytes: h('30 06', '00 01 61', '02', '01 02') },
  { name: 'Maximum Packet Size 0 on CONNECT', level: 5, rule: 'invalid-property-value', reasonCode: PROTOCOL,
    bytes: h('10 12', MQTT5, '02', '00 3c', '05', '27 00 00 00 00', '00 00') },
];

/** The rules of errors.ts a parser can raise; string-too-long is encoder-only (lengths are 2-byte). */
const PARSER_RULES: ProtocolRule[] = [
  'remaining-length-too-long', 'packet-too-large', 'reserved-flags', 'unknown-packet-type', 'invalid-qos',
  'packet-id-zero', 'invalid-utf8', 'null-character', 'topic-wildcard', 'empty-topic', 'invalid-topic-filter',
  'truncated', 'trailing-bytes', 'invalid-protocol', 'connect-flags', 'connack-flags', 'empty-subscription',
  'subscription-options', 'invalid-reason-code', 'unknown-property', 'property-not-allowed', 'property-repeated',
  'invalid-property-value',
];

test('(self-check) the table covers every parser rule of errors.ts', () => {
  const covered = new Set(rows.map((r) => r.rule));
  expect(PARSER_RULES.filter((r) => !covered.has(r))).toEqual([]);
});

test('(self-check) each row\'s remaining length matches its size, except header-only rows', () => {
  const wrong: string[] = [];
  for (const r of rows) {
    if (r.rule === 'packet-too-large' || r.rule === 'remaining-length-too-long') continue;
    let value = 0;
    let mult = 1;
    let i = 1;
    for (;;) {
      const byte = r.bytes[i++];
      value += (byte & 0x7f) * mult;
      mult *= 128;
      if ((byte & 0x80) === 0) break;
    }
    if (value !== r.bytes.length - i) wrong.push(`${r.name}: says ${value}, has ${r.bytes.length - i}`);
  }
  expect(wrong).toEqual([]);
});

describe('malformed packets', () => {
  for (const r of rows) {
    const expectedCode = r.reasonCode === undefined ? MALFORMED : r.reasonCode;
    const opts = { protocolVersion: r.level, ...(r.maxPacketSize !== undefined ? { maxPacketSize: r.maxPacketSize } : {}) };
    describe(`${r.name} [level ${r.level}]: ${r.bytes.toString('hex')}`, () => {
      test(`throws ${r.rule}${expectedCode === null ? '' : ` (0x${expectedCode.toString(16)})`}`, () => {
        const err = catchFeed(new Parser(opts), r.bytes);
        expect(err).toBeInstanceOf(ProtocolError);
        const pe = err as ProtocolError;
        expect(pe.rule).toBe(r.rule);
        if (expectedCode !== null) expect(pe.reasonCode).toBe(expectedCode);
        expect(pe.packets).toEqual([]);
      });

      test('after a valid PINGRESP in the same chunk: err.packets = [pingresp], then parser-failed', () => {
        const parser = new Parser(opts);
        const err = catchFeed(parser, Buffer.concat([h('d0 00'), r.bytes]));
        expect(err).toBeInstanceOf(ProtocolError);
        expect((err as ProtocolError).rule).toBe(r.rule);
        expect(plain((err as ProtocolError).packets)).toStrictEqual([{ type: 'pingresp' }]);

        const again = catchFeed(parser, h('d0 00'));
        expect(again).toBeInstanceOf(ProtocolError);
        expect((again as ProtocolError).rule).toBe('parser-failed');
        const third = catchFeed(parser, Buffer.alloc(0));
        expect(third).toBeInstanceOf(ProtocolError);
        expect((third as ProtocolError).rule).toBe('parser-failed');
      });

      test('fed in 1-byte chunks: the same rule, with the earlier packets of the failing feed only', () => {
        const parser = new Parser(opts);
        const bytes = Buffer.concat([h('d0 00'), r.bytes]);
        const got: unknown[] = [];
        let err: unknown;
        for (let i = 0; i < bytes.length && err === undefined; i++) {
          try {
            got.push(...parser.feed(bytes.subarray(i, i + 1)));
          } catch (e) {
            err = e;
          }
        }
        expect(err).toBeInstanceOf(ProtocolError);
        expect((err as ProtocolError).rule).toBe(r.rule);
        expect((err as ProtocolError).packets).toEqual([]);
        expect(plain(got)).toStrictEqual([{ type: 'pingresp' }]);
      });
    });
  }
});

/**
 * MQTT 5 Protocol Errors that errors.ts gives no dedicated rule: the parser must still throw
 * ProtocolError with reason code 0x82 (Protocol Error); the rule name is not asserted.
 */
describe('protocol errors without a dedicated rule', () => {
  const cases: { name: string; bytes: Buffer }[] = [
    { name: 'CONNECT with Authentication Data but no Authentication Method (3.1.2.11.10)',
      bytes: h('10 11', MQTT5, '02', '00 3c', '04', '16 00 01 01', '00 00') },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.bytes.toString('hex')}`, () => {
      const err = catchFeed(new Parser({ protocolVersion: 5 }), c.bytes);
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).reasonCode).toBe(PROTOCOL);
    });
  }
});

describe('oversize detection from the fixed header', () => {
  test('throws as soon as the last remaining-length byte arrives, fed byte by byte', () => {
    const parser = new Parser({ protocolVersion: 4, maxPacketSize: 1000 });
    expect(parser.feed(h('30'))).toEqual([]);
    expect(parser.feed(h('80'))).toEqual([]);
    let err: unknown;
    try {
      parser.feed(h('08')); // remaining length 1024: 3 + 1024 > 1000
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).rule).toBe('packet-too-large');
    expect((err as ProtocolError).reasonCode).toBe(TOO_LARGE);
  });

  test('maxPacketSize counts the whole packet: exactly at the limit is accepted', () => {
    const parser = new Parser({ protocolVersion: 4, maxPacketSize: 9 });
    // PUBLISH "a/b" "hi": 2 header bytes + 7 = 9 bytes
    expect(plain(parser.feed(h('30 07 00 03 61 2f 62 68 69')))).toStrictEqual(plain([
      { type: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, retain: false, dup: false },
    ]));
    expect(() => parser.feed(h('30 08'))).toThrow(ProtocolError); // 10 bytes > 9
  });

  test('the default maxPacketSize admits the largest remaining length (waits for the body)', () => {
    const parser = new Parser({ protocolVersion: 4 });
    expect(parser.feed(h('30 ff ff ff 7f'))).toEqual([]); // 268435455 + 5 = 268435460 = default max
  });
});

// ------------------------------------------------------------------ fuzz: only ProtocolError
/** A corpus of valid packets per level, encoded with the codec, to mutate. */
function corpus(level: ProtocolLevel): Buffer[] {
  const p: Packet[] = [
    { type: 'connect', protocolVersion: level, clientId: 'client-1', cleanSession: true, keepalive: 60,
      username: 'u', password: Buffer.from('pw'),
      will: { topic: 'w/t', payload: Buffer.from('bye'), qos: 1, retain: true,
        ...(level === 5 ? { properties: { WillDelayInterval: 5, ContentType: 'text', UserProperty: [['a', 'b']] as [string, string][] } } : {}) },
      ...(level === 5 ? { properties: { SessionExpiryInterval: 10, ReceiveMaximum: 5, AuthenticationMethod: 'm', AuthenticationData: Buffer.from([1]) } } : {}) },
    { type: 'connack', sessionPresent: true, reasonCode: 0,
      ...(level === 5 ? { properties: { TopicAliasMaximum: 4, AssignedClientIdentifier: 'x', MaximumQoS: 1, ServerKeepAlive: 3 } } : {}) },
    { type: 'publish', topic: 'a/b/ü', payload: Buffer.from('hello'), qos: 2, retain: true, dup: true, packetId: 300,
      ...(level === 5 ? { properties: { TopicAlias: 2, SubscriptionIdentifier: [1, 300], CorrelationData: Buffer.from([9]), ResponseTopic: 'r' } } : {}) },
    { type: 'publish', topic: 't', payload: Buffer.alloc(150, 7), qos: 0, retain: false, dup: false },
    { type: 'puback', packetId: 1, reasonCode: level === 5 ? 0x10 : 0, ...(level === 5 ? { properties: { ReasonString: 'r' } } : {}) },
    { type: 'pubrec', packetId: 2 },
    { type: 'pubrel', packetId: 3 },
    { type: 'pubcomp', packetId: 4 },
    { type: 'subscribe', packetId: 5,
      subscriptions: [{ topic: 'a/+/c', qos: 1 }, { topic: '#', qos: 2, ...(level === 5 ? { noLocal: true, retainHandling: 1 as const } : {}) }],
      ...(level === 5 ? { properties: { SubscriptionIdentifier: 7 } } : {}) },
    { type: 'suback', packetId: 5, reasonCodes: [0, 1, 2, 0x80] },
    { type: 'unsubscribe', packetId: 6, topics: ['a/b', 'c/#'] },
    { type: 'unsuback', packetId: 6, ...(level === 5 ? { reasonCodes: [0, 0x11] } : {}) },
    { type: 'pingreq' },
    { type: 'pingresp' },
    { type: 'disconnect', ...(level === 5 ? { reasonCode: 0x04, properties: { SessionExpiryInterval: 1 } } : {}) },
  ];
  if (level === 5) p.push({ type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: 'm', AuthenticationData: Buffer.from([1, 2]) } });
  return p.map((packet) => encode(packet, level));
}

const CORPUS: Record<ProtocolLevel, Buffer[]> = { 3: corpus(3), 4: corpus(4), 5: corpus(5) };

type Mutation = { op: 'flip'; at: number; bit: number } | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number } | { op: 'set'; at: number; byte: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(input: Buffer, muts: Mutation[]): Buffer {
  const bytes = [...input];
  for (const m of muts) {
    if (m.op === 'insert') {
      bytes.splice(m.at % (bytes.length + 1), 0, m.byte);
    } else if (bytes.length > 0) {
      const i = m.at % bytes.length;
      if (m.op === 'flip') bytes[i] ^= 1 << m.bit;
      else if (m.op === 'delete') bytes.splice(i, 1);
      else bytes[i] = m.byte;
    }
  }
  return Buffer.from(bytes);
}

/** Feed `chunks` to a fresh parser; assert it returns Packets or throws ProtocolError, nothing else. */
function feedOnlyProtocolErrors(level: ProtocolLevel, chunks: Buffer[], maxPacketSize?: number): void {
  const parser = new Parser({ protocolVersion: level, ...(maxPacketSize !== undefined ? { maxPacketSize } : {}) });
  for (const chunk of chunks) {
    let out: unknown;
    try {
      out = parser.feed(chunk);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw new Error(`feed threw a non-ProtocolError: ${String(e)}\n${(e as Error)?.stack ?? ''}`);
      expect(Array.isArray(e.packets)).toBe(true);
      // once failed, always failed with parser-failed
      try {
        parser.feed(Buffer.from([0xc0, 0x00]));
      } catch (e2) {
        if (!(e2 instanceof ProtocolError) || e2.rule !== 'parser-failed') {
          throw new Error(`after an error, feed threw ${String(e2)} instead of parser-failed`);
        }
        return;
      }
      throw new Error('after an error, feed did not throw parser-failed');
    }
    expect(Array.isArray(out)).toBe(true);
    for (const p of out as { type?: unknown }[]) expect(typeof p.type).toBe('string');
  }
}

function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

const levelArb = fc.constantFrom<ProtocolLevel>(3, 4, 5);

describe('fuzz: malformed input never throws anything but ProtocolError', () => {
  test('random byte arrays (800 runs)', () => {
    fc.assert(
      fc.property(levelArb, fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.array(fc.nat(), { maxLength: 4 }),
        fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
        (level, arr, cuts, max) => {
          feedOnlyProtocolErrors(level, chunk(Buffer.from(arr), cuts), max);
        }),
      { numRuns: 800 },
    );
  });

  test('random byte arrays that start with a plausible fixed header (700 runs)', () => {
    // A type/flags byte and a small remaining length, then that many random body bytes:
    // reaches the body decoders instead of waiting for a huge remaining length.
    const framed = fc.integer({ min: 0, max: 255 }).chain((first) =>
      fc.uint8Array({ minLength: 0, maxLength: 100 }).map((body) => Buffer.concat([Buffer.from([first, body.length]), Buffer.from(body)])));
    fc.assert(
      fc.property(levelArb, fc.array(framed, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 3 }),
        (level, packets, cuts) => {
          feedOnlyProtocolErrors(level, chunk(Buffer.concat(packets), cuts));
        }),
      { numRuns: 700 },
    );
  });

  test('mutations (flip/insert/delete/set) of valid encoded packets (1500 runs)', () => {
    fc.assert(
      fc.property(
        levelArb.chain((level) => fc.tuple(
          fc.constant(level),
          fc.array(fc.constantFrom(...CORPUS[level]), { minLength: 1, maxLength: 3 }),
        )),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        ([level, packets], muts, cuts) => {
          feedOnlyProtocolErrors(level, chunk(mutate(Buffer.concat(packets), muts), cuts));
        }),
      { numRuns: 1500 },
    );
  });

  test('whatever the parser accepts from mutated input, the encoder writes back and re-parses the same (600 runs)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        levelArb.chain((level) => fc.tuple(fc.constant(level), fc.constantFrom(...CORPUS[level]))),
        fc.array(mutationArb, { minLength: 1, maxLength: 2 }),
        ([level, packet], muts) => {
          const bytes = mutate(packet, muts);
          const parser = new Parser({ protocolVersion: level });
          let out: Packet[];
          try {
            out = parser.feed(bytes);
          } catch (e) {
            if (e instanceof ProtocolError) return;
            throw e;
          }
          // A mutated CONNECT may change the level the parser decodes at.
          const lvl = parser.protocolVersion as ProtocolLevel;
          for (const p of out) {
            accepted++;
            const decodeLevel: ProtocolLevel = p.type === 'connect' ? p.protocolVersion : lvl;
            const again = new Parser({ protocolVersion: decodeLevel }).feed(encode(p, decodeLevel));
            expect(plain(again)).toStrictEqual(plain([p]));
          }
        }),
      { numRuns: 600 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});
