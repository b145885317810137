/**
 * Packet bodies, bytes -> objects. The Parser frames packets and hands each body here
 * through a Reader bounded to that packet, so no field can read past its packet.
 * Every rule violation is a ProtocolError naming the rule (see errors.ts).
 */
import { ProtocolError, PROTOCOL_ERROR } from './errors';
import { readProperties, WILL } from './properties';
import { CODES_BY_TYPE, SUBACK_CODES_V3 } from './reasonCodes';
import type { Reader } from './reader';
import { topicFilterProblem } from './topics';
import type {
  ConnackPacket, ConnectPacket, Packet, ProtocolLevel, PublishPacket, QoS, Subscription, WillMessage,
} from './types';
import { PACKET_TYPE_NAMES } from './types';

function unknownType(type: number, message: string): ProtocolError {
  const e = new ProtocolError('unknown-packet-type', message);
  e.packetType = type;
  return e;
}

/**
 * Checks the first byte of a fixed header (type and flags) as soon as it arrives, so a
 * bad stream fails before its body is buffered.
 */
export function checkFirstByte(byte1: number, level: ProtocolLevel): void {
  const type = byte1 >> 4;
  const flags = byte1 & 0x0f;
  if (type === 0 || (type === 15 && level < 5)) {
    throw unknownType(type, `packet type ${type} is not defined${type === 15 ? ' before MQTT 5' : ''}`);
  }
  if (type === 3) {
    if ((flags & 0x06) === 0x06) throw new ProtocolError('invalid-qos', 'PUBLISH has QoS 3');
    if ((flags & 0x0e) === 0x08) throw new ProtocolError('reserved-flags', 'DUP is set on a QoS 0 PUBLISH [MQTT-3.3.1-2]');
    return;
  }
  const expected = type === 6 || type === 8 || type === 10 ? 0x02 : 0x00;
  if (flags !== expected) {
    throw new ProtocolError('reserved-flags',
      `${PACKET_TYPE_NAMES[type]!.toUpperCase()} fixed-header flags are 0x${flags.toString(16)}, must be 0x${expected.toString(16)}`);
  }
}

/** Decodes one packet body; `r` spans exactly the body. The caller has run checkFirstByte. */
export function decodeBody(r: Reader, byte1: number, level: ProtocolLevel): Packet {
  const type = byte1 >> 4;
  let p: Packet;
  switch (type) {
    case 3: return decodePublish(r, byte1, level); // checks its own end
    case 1: p = decodeConnect(r); break;
    case 2: p = decodeConnack(r, level); break;
    case 4: case 5: case 6: case 7: p = decodeAck(r, type, level); break;
    case 8: p = decodeSubscribe(r, level); break;
    case 9: p = decodeSuback(r, level); break;
    case 10: p = decodeUnsubscribe(r, level); break;
    case 11: p = decodeUnsuback(r, level); break;
    case 12: p = { type: 'pingreq' }; break;
    case 13: p = { type: 'pingresp' }; break;
    case 14: case 15: p = decodeDisconnectOrAuth(r, type, level); break;
    default: throw unknownType(type, `packet type ${type} is not defined`);
  }
  if (r.pos !== r.end) {
    throw new ProtocolError('trailing-bytes', `${r.end - r.pos} byte(s) left over after the ${PACKET_TYPE_NAMES[type]!.toUpperCase()} fields`);
  }
  return p;
}

function packetId(r: Reader, what: string): number {
  const id = r.u16(`${what} packet identifier`);
  if (id === 0) throw new ProtocolError('packet-id-zero', `${what} packet identifier is 0`);
  return id;
}

function decodePublish(r: Reader, byte1: number, level: ProtocolLevel): PublishPacket {
  const qos = ((byte1 >> 1) & 3) as QoS;
  const topic = r.topicName('PUBLISH topic');
  const id = qos > 0 ? packetId(r, 'PUBLISH') : undefined;
  const properties = level === 5 ? readProperties(r, 3) : undefined;
  if (topic.length === 0 && (properties === undefined || properties.TopicAlias === undefined)) {
    throw new ProtocolError('empty-topic', level === 5 ? 'PUBLISH topic is empty and has no Topic Alias' : 'PUBLISH topic is empty',
      level === 5 ? PROTOCOL_ERROR : undefined);
  }
  // The payload is the rest of the packet, handed out as a view of the input.
  const payload = r.buf.subarray(r.pos, r.end);
  r.pos = r.end;
  const retain = (byte1 & 1) === 1;
  const dup = (byte1 & 8) === 8;
  if (id === undefined) {
    return properties === undefined
      ? { type: 'publish', topic, payload, qos, retain, dup }
      : { type: 'publish', topic, payload, qos, retain, dup, properties };
  }
  return properties === undefined
    ? { type: 'publish', topic, payload, qos, retain, dup, packetId: id }
    : { type: 'publish', topic, payload, qos, retain, dup, packetId: id, properties };
}

function decodeConnect(r: Reader): ConnectPacket {
  const name = r.utf8('protocol name');
  const levelByte = r.u8('protocol level');
  const level = levelByte & 0x7f; // the top bit marks a bridge (mosquitto's convention)
  if (!((name === 'MQTT' && (level === 4 || level === 5)) || (name === 'MQIsdp' && level === 3))) {
    throw new ProtocolError('invalid-protocol', `protocol name '${name}' with level ${level} is not MQTT 3.1, 3.1.1 or 5.0`);
  }
  const protocolVersion = level as ProtocolLevel;
  const flags = r.u8('connect flags');
  if (flags & 0x01) throw new ProtocolError('connect-flags', 'reserved CONNECT flag bit 0 is set');
  const hasWill = (flags & 0x04) !== 0;
  const willQos = (flags >> 3) & 3;
  const willRetain = (flags & 0x20) !== 0;
  const hasPassword = (flags & 0x40) !== 0;
  const hasUsername = (flags & 0x80) !== 0;
  if (willQos === 3) throw new ProtocolError('invalid-qos', 'will QoS is 3');
  if (!hasWill && (willQos !== 0 || willRetain)) {
    throw new ProtocolError('connect-flags', 'will QoS or will retain set without the will flag');
  }
  if (hasPassword && !hasUsername && protocolVersion < 5) {
    throw new ProtocolError('connect-flags', 'password flag set without the user name flag');
  }
  const keepalive = r.u16('keep alive');
  const properties = protocolVersion === 5 ? readProperties(r, 1) : undefined;
  const clientId = r.utf8('client identifier');
  const p: ConnectPacket = { type: 'connect', protocolVersion, clientId, cleanSession: (flags & 0x02) !== 0, keepalive };
  if (levelByte & 0x80) p.bridge = true;
  if (hasWill) {
    const willProps = protocolVersion === 5 ? readProperties(r, WILL) : undefined;
    const will: WillMessage = {
      topic: r.topicName('will topic'),
      payload: r.binary('will payload'),
      qos: willQos as QoS,
      retain: willRetain,
    };
    if (will.topic.length === 0) throw new ProtocolError('empty-topic', 'will topic is empty');
    if (willProps !== undefined) will.properties = willProps;
    p.will = will;
  }
  if (hasUsername) p.username = r.utf8('user name');
  if (hasPassword) p.password = r.binary('password');
  if (properties !== undefined) p.properties = properties;
  return p;
}

function decodeConnack(r: Reader, level: ProtocolLevel): ConnackPacket {
  const ack = r.u8('connect acknowledge flags');
  if (ack & 0xfe) throw new ProtocolError('connack-flags', 'reserved CONNACK acknowledge flag bits are set');
  const reasonCode = r.u8('connect reason code');
  if (ack === 1 && reasonCode !== 0) {
    throw new ProtocolError('connack-flags', 'Session Present is set on a refused connection [MQTT-3.2.2-4]');
  }
  if (level === 5) {
    checkReason(reasonCode, 2);
    const properties = readProperties(r, 2);
    if (properties !== undefined) return { type: 'connack', sessionPresent: ack === 1, reasonCode, properties };
  }
  return { type: 'connack', sessionPresent: ack === 1, reasonCode };
}

type AckType = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';
const ACK_NAMES: AckType[] = ['puback', 'pubrec', 'pubrel', 'pubcomp'];

function decodeAck(r: Reader, type: number, level: ProtocolLevel): Packet {
  const name = ACK_NAMES[type - 4];
  const id = packetId(r, name.toUpperCase());
  let reasonCode = 0;
  if (level === 5 && r.pos < r.end) {
    reasonCode = r.u8('reason code');
    checkReason(reasonCode, type);
    if (r.pos < r.end) {
      const properties = readProperties(r, type);
      if (properties !== undefined) return { type: name, packetId: id, reasonCode, properties };
    }
  }
  return { type: name, packetId: id, reasonCode };
}

function decodeSubscribe(r: Reader, level: ProtocolLevel): Packet {
  const id = packetId(r, 'SUBSCRIBE');
  const properties = level === 5 ? readProperties(r, 8) : undefined;
  const subscriptions: Subscription[] = [];
  while (r.pos < r.end) {
    const topic = filter(r, 'SUBSCRIBE');
    const o = r.u8('subscription options');
    const qos = o & 3;
    if (qos === 3) throw new ProtocolError('invalid-qos', `subscription to '${topic}' asks for QoS 3`);
    if (level < 5 && (o & 0xfc) !== 0) {
      throw new ProtocolError('subscription-options', `reserved bits set in the requested QoS byte for '${topic}'`);
    }
    const retainHandling = (o >> 4) & 3;
    if ((o & 0xc0) !== 0 || retainHandling === 3) {
      throw new ProtocolError('subscription-options', `reserved subscription option bits set for '${topic}'`);
    }
    subscriptions.push({
      topic, qos: qos as QoS, noLocal: (o & 4) !== 0, retainAsPublished: (o & 8) !== 0,
      retainHandling: retainHandling as 0 | 1 | 2,
    });
  }
  if (subscriptions.length === 0) throw new ProtocolError('empty-subscription', 'SUBSCRIBE has no topic filter', PROTOCOL_ERROR);
  return properties === undefined
    ? { type: 'subscribe', packetId: id, subscriptions }
    : { type: 'subscribe', packetId: id, subscriptions, properties };
}

function decodeSuback(r: Reader, level: ProtocolLevel): Packet {
  const id = packetId(r, 'SUBACK');
  const properties = level === 5 ? readProperties(r, 9) : undefined;
  const reasonCodes = reasonList(r, level === 5 ? CODES_BY_TYPE[9] : SUBACK_CODES_V3, 'SUBACK');
  return properties === undefined
    ? { type: 'suback', packetId: id, reasonCodes }
    : { type: 'suback', packetId: id, reasonCodes, properties };
}

function decodeUnsubscribe(r: Reader, level: ProtocolLevel): Packet {
  const id = packetId(r, 'UNSUBSCRIBE');
  const properties = level === 5 ? readProperties(r, 10) : undefined;
  const topics: string[] = [];
  while (r.pos < r.end) topics.push(filter(r, 'UNSUBSCRIBE'));
  if (topics.length === 0) throw new ProtocolError('empty-subscription', 'UNSUBSCRIBE has no topic filter', PROTOCOL_ERROR);
  return properties === undefined
    ? { type: 'unsubscribe', packetId: id, topics }
    : { type: 'unsubscribe', packetId: id, topics, properties };
}

function decodeUnsuback(r: Reader, level: ProtocolLevel): Packet {
  const id = packetId(r, 'UNSUBACK');
  if (level < 5) return { type: 'unsuback', packetId: id, reasonCodes: [] };
  const properties = readProperties(r, 11);
  const reasonCodes = reasonList(r, CODES_BY_TYPE[11], 'UNSUBACK');
  return properties === undefined
    ? { type: 'unsuback', packetId: id, reasonCodes }
    : { type: 'unsuback', packetId: id, reasonCodes, properties };
}

/** DISCONNECT (14) and AUTH (15): at level 5 an optional reason code then optional properties. */
function decodeDisconnectOrAuth(r: Reader, type: 14 | 15, level: ProtocolLevel): Packet {
  const name = type === 14 ? 'disconnect' : 'auth';
  let reasonCode = 0;
  if (level === 5 && r.pos < r.end) {
    reasonCode = r.u8('reason code');
    checkReason(reasonCode, type);
    if (r.pos < r.end) {
      const properties = readProperties(r, type);
      if (properties !== undefined) return { type: name, reasonCode, properties };
    }
  }
  return { type: name, reasonCode };
}

function filter(r: Reader, what: string): string {
  const topic = r.utf8(`${what} topic filter`);
  const problem = topicFilterProblem(topic);
  if (problem !== null) throw new ProtocolError('invalid-topic-filter', `${what} topic filter '${topic}' ${problem}`);
  return topic;
}

function reasonList(r: Reader, allowed: Uint8Array, what: string): number[] {
  const codes: number[] = [];
  while (r.pos < r.end) {
    const c = r.buf[r.pos++];
    if (allowed[c] !== 1) throw new ProtocolError('invalid-reason-code', `${what} reason code 0x${c.toString(16)} is not defined`);
    codes.push(c);
  }
  if (codes.length === 0) throw new ProtocolError('empty-subscription', `${what} has no reason code`, PROTOCOL_ERROR);
  return codes;
}

function checkReason(code: number, type: number): void {
  if (CODES_BY_TYPE[type][code] !== 1) {
    throw new ProtocolError('invalid-reason-code',
      `reason code 0x${code.toString(16)} is not defined for ${PACKET_TYPE_NAMES[type]!.toUpperCase()}`);
  }
}
