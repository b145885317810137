/**
 * Packets -> bytes. Each packet is measured first, then written into one buffer of its
 * exact size: no intermediate buffers, no concatenation. Invalid packets throw the same
 * ProtocolError rules the parser uses.
 */
import { ProtocolError } from './errors';
import { propertiesLength, propertySectionLength, WILL, writeProperties } from './properties';
import { CODES_BY_TYPE, SUBACK_CODES_V3 } from './reasonCodes';
import { topicFilterProblem } from './topics';
import { topicBytes } from './topicCache';
import type {
  AckPacket, AuthPacket, ConnackPacket, ConnectPacket, DisconnectPacket, Packet, PacketProperties, ProtocolLevel,
  PublishPacket, SubackPacket, SubscribePacket, UnsubackPacket, UnsubscribePacket,
} from './types';
import { closeRun, reserve, runBlock, SMALL_PACKET } from './outputRuns';
import {
  allocPacket, binaryLength, bodyOffset, checkRemaining, stringLength, vbiLength, writeBinary, writeString, writeU16, writeVbi,
} from './writer';

const EMPTY = Buffer.alloc(0);

/**
 * Encodes `packet` for protocol level 3 (MQTT 3.1), 4 (3.1.1) or 5 (5.0). A CONNECT is
 * encoded at its own `protocolVersion` (it is what announces the level to the peer).
 */
export function encode(packet: Packet, level: ProtocolLevel): Buffer {
  if (packet === null || typeof packet !== 'object') {
    throw new ProtocolError('unknown-packet-type', `a packet must be an object, got ${packet === null ? 'null' : typeof packet}`);
  }
  if (level !== 3 && level !== 4 && level !== 5) {
    throw new ProtocolError('invalid-protocol', `protocol level must be 3, 4 or 5, got ${String(level)}`);
  }
  switch (packet.type) {
    case 'publish': return encodePublish(packet, level);
    case 'puback': return encodeAck(packet, 0x40, level);
    case 'pubrec': return encodeAck(packet, 0x50, level);
    case 'pubrel': return encodeAck(packet, 0x62, level);
    case 'pubcomp': return encodeAck(packet, 0x70, level);
    case 'connect': return encodeConnect(packet);
    case 'connack': return encodeConnack(packet, level);
    case 'subscribe': return encodeSubscribe(packet, level);
    case 'suback': return encodeSuback(packet, level);
    case 'unsubscribe': return encodeUnsubscribe(packet, level);
    case 'unsuback': return encodeUnsuback(packet, level);
    case 'pingreq': return Buffer.from([0xc0, 0x00]);
    case 'pingresp': return Buffer.from([0xd0, 0x00]);
    case 'disconnect': return encodeDisconnectOrAuth(packet, 0xe0, level);
    case 'auth':
      if (level !== 5) throw new ProtocolError('unknown-packet-type', 'AUTH exists only in MQTT 5');
      return encodeDisconnectOrAuth(packet, 0xf0, level);
    default:
      throw new ProtocolError('unknown-packet-type', `unknown packet type '${String((packet as { type: unknown }).type)}'`);
  }
}

function checkQos(qos: unknown, what: string): number {
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new ProtocolError('invalid-qos', `${what} QoS must be 0, 1 or 2, got ${String(qos)}`);
  return qos;
}

function checkId(id: unknown, what: string): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 65535) {
    throw new ProtocolError('packet-id-zero', `${what} packet identifier must be 1..65535, got ${String(id)}`);
  }
  return id;
}

function encodePublish(p: PublishPacket, level: ProtocolLevel): Buffer {
  return publishBuffer(p.topic, p.payload, p.qos, p.retain, p.dup, p.packetId, p.properties, level);
}

/** Payloads larger than this are written by reference (header chunk + payload chunk), not copied. */
export const PAYLOAD_BY_REFERENCE = 4096;

/**
 * The hot path of an outgoing PUBLISH: encodes it from its fields (no packet object) and
 * appends it to `out`: a small one (up to SMALL_PACKET bytes) into the output's run in the
 * shared block (outputRuns.ts), a larger one as a buffer of its own or, for a payload over
 * PAYLOAD_BY_REFERENCE bytes, as its header followed by the caller's payload itself (copying a
 * 1 MB payload cost more than the rest of the publish). Returns the number of bytes appended.
 * The payload must not change until the chunks are written. Same checks as encode(), all made
 * before anything is appended.
 */
export function encodePublishTo(
  out: Buffer[], topic: string, payload: Buffer, qos: number, retain: boolean, dup: boolean, packetId: number | undefined,
  properties: PacketProperties | undefined, level: ProtocolLevel,
): number {
  const size = layPublish(topic, payload, qos, dup, packetId, properties, level);
  if (size <= SMALL_PACKET) {
    const off = reserve(out, size);
    writePublish(runBlock(), off, retain, dup, properties, level, false);
    return size;
  }
  closeRun(out);
  const byRef = payload.length > PAYLOAD_BY_REFERENCE;
  const head = Buffer.allocUnsafe(byRef ? size - payload.length : size);
  writePublish(head, 0, retain, dup, properties, level, byRef);
  out.push(head);
  if (!byRef) return size;
  out.push(payload);
  return size;
}

/**
 * The PUBLISH being encoded, as layPublish() checked and measured it for writePublish(): module
 * scratch rather than an object per packet (encoding is synchronous; nothing runs between the two).
 */
let layTopic: Uint8Array = EMPTY;
let layPayload: Uint8Array = EMPTY;
let layQos = 0;
let layId = 0;
let layPropsLen = 0;
let layRem = 0;

/** Checks a PUBLISH (every check encode() makes) and measures it; returns its whole size in bytes. */
function layPublish(
  topicName: string, rawPayload: unknown, rawQos: unknown, dup: boolean, packetId: number | undefined,
  properties: PacketProperties | undefined, level: ProtocolLevel,
): number {
  const qos = checkQos(rawQos, 'PUBLISH');
  if (qos === 0 && dup) throw new ProtocolError('reserved-flags', 'DUP must be 0 on a QoS 0 PUBLISH [MQTT-3.3.1-2]');
  const payload = publishPayload(rawPayload);
  let propsLen = 0;
  let propsSection = 0;
  if (level === 5) {
    propsLen = propertiesLength(properties, 3);
    propsSection = propertySectionLength(propsLen);
  }
  const topic = topicName === '' && level === 5 && properties?.TopicAlias !== undefined ? EMPTY : topicBytes(topicName);
  const rem = 2 + topic.length + (qos > 0 ? 2 : 0) + propsSection + payload.length;
  checkRemaining(rem);
  const id = qos > 0 ? checkId(packetId, 'PUBLISH') : 0;
  layTopic = topic;
  layPayload = payload;
  layQos = qos;
  layId = id;
  layPropsLen = propsLen;
  layRem = rem;
  return 1 + vbiLength(rem) + rem;
}

/** Writes the PUBLISH layPublish() measured at buf[off..]; `headOnly`: all but the payload. */
function writePublish(buf: Buffer, off: number, retain: boolean, dup: boolean, properties: PacketProperties | undefined,
  level: ProtocolLevel, headOnly: boolean): void {
  const topic = layTopic;
  const payload = layPayload;
  const qos = layQos;
  layTopic = EMPTY; // the scratch holds no caller's bytes after the call
  layPayload = EMPTY;
  buf[off] = 0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  off = writeVbi(buf, off + 1, layRem);
  off = writeU16(buf, off, topic.length);
  const tl = topic.length;
  if (tl < 48) for (let i = 0; i < tl; i++) buf[off + i] = topic[i];
  else buf.set(topic, off);
  off += tl;
  if (qos > 0) off = writeU16(buf, off, layId);
  if (level === 5) off = writeProperties(buf, off, properties, layPropsLen);
  if (!headOnly && payload.length > 0) buf.set(payload, off);
}

/** A PUBLISH as one buffer of its own (encode()). */
function publishBuffer(
  topicName: string, rawPayload: unknown, rawQos: unknown, retain: boolean, dup: boolean, packetId: number | undefined,
  properties: PacketProperties | undefined, level: ProtocolLevel,
): Buffer {
  const buf = Buffer.allocUnsafe(layPublish(topicName, rawPayload, rawQos, dup, packetId, properties, level));
  writePublish(buf, 0, retain, dup, properties, level, false);
  return buf;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP: at level 5 the short form when reason 0 and no properties. */
function encodeAck(p: AckPacket<'puback' | 'pubrec' | 'pubrel' | 'pubcomp'>, byte1: number, level: ProtocolLevel): Buffer {
  const id = checkId(p.packetId, p.type.toUpperCase());
  const rc = p.reasonCode ?? 0;
  const propsLen = level === 5 ? propertiesLength(p.properties, byte1 >> 4) : 0;
  if (level < 5 || (rc === 0 && propsLen === 0)) {
    const buf = allocPacket(byte1, 2);
    writeU16(buf, 2, id);
    return buf;
  }
  checkReason(rc, byte1 >> 4, p.type);
  const rem = 3 + (propsLen > 0 ? propertySectionLength(propsLen) : 0);
  const buf = allocPacket(byte1, rem);
  let off = writeU16(buf, bodyOffset(rem), id);
  buf[off++] = rc;
  if (propsLen > 0) writeProperties(buf, off, p.properties, propsLen);
  return buf;
}

function encodeConnect(p: ConnectPacket): Buffer {
  const level = p.protocolVersion;
  if (level !== 3 && level !== 4 && level !== 5) {
    throw new ProtocolError('invalid-protocol', `CONNECT protocolVersion must be 3, 4 or 5, got ${String(level)}`);
  }
  const name = level === 3 ? 'MQIsdp' : 'MQTT';
  const keepalive = p.keepalive ?? 0;
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) {
    throw new ProtocolError('invalid-property-value', `keepalive must be 0..65535, got ${String(keepalive)}`);
  }
  const idLen = stringLength(p.clientId ?? '', 'client identifier');
  const propsLen = level === 5 ? propertiesLength(p.properties, 1) : 0;
  let rem = 2 + name.length + 1 + 1 + 2 + (level === 5 ? propertySectionLength(propsLen) : 0) + 2 + idLen;
  let flags = p.cleanSession ? 0x02 : 0;
  const will = p.will;
  let willTopic: Buffer = EMPTY;
  let willPayload: Buffer = EMPTY;
  let willPropsLen = 0;
  if (will) {
    const wq = checkQos(will.qos ?? 0, 'will');
    willTopic = topicBytes(will.topic);
    willPayload = will.payload ?? EMPTY;
    binaryLength(willPayload, 'will payload');
    flags |= 0x04 | (wq << 3) | (will.retain ? 0x20 : 0);
    if (level === 5) {
      willPropsLen = propertiesLength(will.properties, WILL);
      rem += propertySectionLength(willPropsLen);
    }
    rem += 2 + willTopic.length + 2 + willPayload.length;
  }
  let userLen = 0;
  if (p.username !== undefined && p.username !== null) {
    userLen = stringLength(p.username, 'user name');
    flags |= 0x80;
    rem += 2 + userLen;
  }
  let password: Buffer | undefined;
  if (p.password !== undefined && p.password !== null) {
    password = typeof p.password === 'string' ? Buffer.from(p.password, 'utf8') : p.password;
    binaryLength(password, 'password');
    if (level < 5 && !(flags & 0x80)) throw new ProtocolError('connect-flags', 'a password needs a user name before MQTT 5');
    flags |= 0x40;
    rem += 2 + password.length;
  }
  const buf = allocPacket(0x10, rem);
  let off = writeString(buf, bodyOffset(rem), name, name.length);
  buf[off++] = p.bridge === true ? level | 0x80 : level;
  buf[off++] = flags;
  off = writeU16(buf, off, keepalive);
  if (level === 5) off = writeProperties(buf, off, p.properties, propsLen);
  off = writeString(buf, off, p.clientId ?? '', idLen);
  if (will) {
    if (level === 5) off = writeProperties(buf, off, will.properties, willPropsLen);
    off = writeBinary(buf, off, willTopic);
    off = writeBinary(buf, off, willPayload);
  }
  if (flags & 0x80) off = writeString(buf, off, p.username!, userLen);
  if (password) writeBinary(buf, off, password);
  return buf;
}

function encodeConnack(p: ConnackPacket, level: ProtocolLevel): Buffer {
  const rc = p.reasonCode ?? 0;
  if (!Number.isInteger(rc) || rc < 0 || rc > 255) throw new ProtocolError('invalid-reason-code', `CONNACK code ${String(rc)}`);
  if (p.sessionPresent && rc !== 0) {
    throw new ProtocolError('connack-flags', 'Session Present must be 0 when the connection is refused [MQTT-3.2.2-4]');
  }
  const propsLen = level === 5 ? propertiesLength(p.properties, 2) : 0;
  if (level === 5) checkReason(rc, 2, 'connack');
  const rem = 2 + (level === 5 ? propertySectionLength(propsLen) : 0);
  const buf = allocPacket(0x20, rem);
  let off = bodyOffset(rem);
  buf[off++] = p.sessionPresent ? 1 : 0;
  buf[off++] = rc;
  if (level === 5) writeProperties(buf, off, p.properties, propsLen);
  return buf;
}

function encodeSubscribe(p: SubscribePacket, level: ProtocolLevel): Buffer {
  const id = checkId(p.packetId, 'SUBSCRIBE');
  const subs = p.subscriptions;
  if (!Array.isArray(subs) || subs.length === 0) throw new ProtocolError('empty-subscription', 'SUBSCRIBE needs at least one topic filter');
  const propsLen = level === 5 ? propertiesLength(p.properties, 8) : 0;
  const lens = new Array<number>(subs.length);
  let rem = 2 + (level === 5 ? propertySectionLength(propsLen) : 0);
  for (let i = 0; i < subs.length; i++) {
    const s = subs[i];
    lens[i] = filterLength(s.topic, 'SUBSCRIBE');
    checkQos(s.qos, `subscription to '${s.topic}'`);
    if (s.retainHandling !== undefined && s.retainHandling !== 0 && s.retainHandling !== 1 && s.retainHandling !== 2) {
      throw new ProtocolError('subscription-options', `retainHandling must be 0, 1 or 2, got ${String(s.retainHandling)}`);
    }
    rem += 2 + lens[i] + 1;
  }
  const buf = allocPacket(0x82, rem);
  let off = writeU16(buf, bodyOffset(rem), id);
  if (level === 5) off = writeProperties(buf, off, p.properties, propsLen);
  for (let i = 0; i < subs.length; i++) {
    const s = subs[i];
    off = writeString(buf, off, s.topic, lens[i]);
    let o = s.qos;
    if (level === 5) o |= (s.noLocal ? 4 : 0) | (s.retainAsPublished ? 8 : 0) | ((s.retainHandling ?? 0) << 4);
    buf[off++] = o;
  }
  return buf;
}

function encodeSuback(p: SubackPacket, level: ProtocolLevel): Buffer {
  const id = checkId(p.packetId, 'SUBACK');
  const codes = p.reasonCodes;
  if (!Array.isArray(codes) || codes.length === 0) throw new ProtocolError('empty-subscription', 'SUBACK needs at least one reason code');
  for (const c of codes) {
    if (level === 5) checkReason(c, 9, 'suback');
    else if (SUBACK_CODES_V3[c] !== 1) throw new ProtocolError('invalid-reason-code', `SUBACK return code ${String(c)} is reserved before MQTT 5`);
  }
  return encodeIdPropsCodes(0x90, id, level, p.properties, 9, codes);
}

function encodeUnsubscribe(p: UnsubscribePacket, level: ProtocolLevel): Buffer {
  const id = checkId(p.packetId, 'UNSUBSCRIBE');
  const topics = p.topics;
  if (!Array.isArray(topics) || topics.length === 0) throw new ProtocolError('empty-subscription', 'UNSUBSCRIBE needs at least one topic filter');
  const propsLen = level === 5 ? propertiesLength(p.properties, 10) : 0;
  const lens = topics.map((t) => filterLength(t, 'UNSUBSCRIBE'));
  let rem = 2 + (level === 5 ? propertySectionLength(propsLen) : 0);
  for (const l of lens) rem += 2 + l;
  const buf = allocPacket(0xa2, rem);
  let off = writeU16(buf, bodyOffset(rem), id);
  if (level === 5) off = writeProperties(buf, off, p.properties, propsLen);
  for (let i = 0; i < topics.length; i++) off = writeString(buf, off, topics[i], lens[i]);
  return buf;
}

function encodeUnsuback(p: UnsubackPacket, level: ProtocolLevel): Buffer {
  const id = checkId(p.packetId, 'UNSUBACK');
  if (level < 5) {
    const buf = allocPacket(0xb0, 2);
    writeU16(buf, 2, id);
    return buf;
  }
  const codes = p.reasonCodes ?? [];
  if (codes.length === 0) throw new ProtocolError('empty-subscription', 'UNSUBACK needs at least one reason code at MQTT 5');
  for (const c of codes) checkReason(c, 11, 'unsuback');
  return encodeIdPropsCodes(0xb0, id, level, p.properties, 11, codes);
}

/** SUBACK / UNSUBACK body: packet id, properties (5.0), one byte per code. */
function encodeIdPropsCodes(byte1: number, id: number, level: ProtocolLevel, props: PacketProperties | undefined, kind: number, codes: number[]): Buffer {
  const propsLen = level === 5 ? propertiesLength(props, kind) : 0;
  const rem = 2 + (level === 5 ? propertySectionLength(propsLen) : 0) + codes.length;
  const buf = allocPacket(byte1, rem);
  let off = writeU16(buf, bodyOffset(rem), id);
  if (level === 5) off = writeProperties(buf, off, props, propsLen);
  for (const c of codes) {
    if (!Number.isInteger(c) || c < 0 || c > 255) throw new ProtocolError('invalid-reason-code', `reason code ${String(c)}`);
    buf[off++] = c;
  }
  return buf;
}

/** DISCONNECT and AUTH: empty before 5.0; at 5.0 the shortest form that carries reason and properties. */
function encodeDisconnectOrAuth(p: DisconnectPacket | AuthPacket, byte1: number, level: ProtocolLevel): Buffer {
  if (level < 5) return Buffer.from([byte1, 0x00]);
  const type = byte1 >> 4;
  const rc = p.reasonCode ?? 0;
  checkReason(rc, type, p.type);
  const propsLen = propertiesLength(p.properties, type);
  if (rc === 0 && propsLen === 0) return Buffer.from([byte1, 0x00]);
  // DISCONNECT may drop an empty property length (§3.14.2.2.1); AUTH may not (§3.15.2.1).
  const withProps = propsLen > 0 || byte1 === 0xf0;
  const rem = 1 + (withProps ? propertySectionLength(propsLen) : 0);
  const buf = allocPacket(byte1, rem);
  let off = bodyOffset(rem);
  buf[off++] = rc;
  if (withProps) writeProperties(buf, off, p.properties, propsLen);
  return buf;
}

function filterLength(filter: string, what: string): number {
  const problem = typeof filter === 'string' ? topicFilterProblem(filter) : 'is not a string';
  if (problem !== null) throw new ProtocolError('invalid-topic-filter', `${what} topic filter '${String(filter)}' ${problem}`);
  return stringLength(filter, `${what} topic filter`);
}

/** A PUBLISH payload as bytes: a Buffer/Uint8Array as is, a string as UTF-8. */
function publishPayload(payload: unknown): Uint8Array {
  if (payload === undefined || payload === null) return EMPTY;
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  throw new ProtocolError('invalid-payload', `PUBLISH payload must be a Buffer, Uint8Array or string, got ${typeof payload}`);
}

function checkReason(code: number, type: number, name: string): void {
  if (!Number.isInteger(code) || CODES_BY_TYPE[type][code] !== 1) {
    throw new ProtocolError('invalid-reason-code', `reason code ${String(code)} is not defined for ${name.toUpperCase()}`);
  }
}
