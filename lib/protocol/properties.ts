/**
 * MQTT 5 properties (spec §2.2.2.2): one table gives each property's identifier, wire type,
 * the packets that may carry it, whether it may repeat, and its value range. Decoding and
 * encoding read it here; the paho-style Properties class (mqtt5/properties.ts) checks
 * assignments against the same table through propertySpec() and PROPERTY_NAMES.
 */
import { ProtocolError, PROTOCOL_ERROR } from './errors';
import type { Reader } from './reader';
import type { PacketProperties, PropertyName } from './types';
import {
  binaryLength, stringLength, vbiLength, writeBinary, writeString, writeU16, writeU32, writeVbi,
} from './writer';

export type WireType = 'byte' | 'u16' | 'u32' | 'vbi' | 'utf8' | 'binary' | 'pair';

/** Packet kinds a property may appear on: packet type numbers, plus 16 for will properties. */
export const WILL = 16;
const CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7,
  SUBSCRIBE = 8, SUBACK = 9, UNSUBSCRIBE = 10, UNSUBACK = 11, DISCONNECT = 14, AUTH = 15;

export interface PropertySpec {
  readonly id: number;
  readonly name: PropertyName;
  readonly type: WireType;
  /** Bit (1 << kind) set for each packet kind that allows it. */
  readonly allowed: number;
  /** May appear more than once (UserProperty; SubscriptionIdentifier on PUBLISH). */
  readonly repeatable: boolean;
  /** The range of a numeric value: the wire type's, narrowed by the property's own rule (0 for the other types). */
  readonly min: number;
  readonly max: number;
}

const RESPONSE_TOPIC = 0x08;
const TOPIC_ALIAS_INVALID = 0x94;

const on = (...kinds: number[]) => kinds.reduce((m, k) => m | (1 << k), 0);
const TYPE_MAX: Record<WireType, number> = { byte: 0xff, u16: 0xffff, u32: 0xffffffff, vbi: 268435455, utf8: 0, binary: 0, pair: 0 };
/** A property's value rule beyond its wire type. */
type Rule = null | 'zeroOrOne' | 'nonZero';
const zeroOrOne: Rule = 'zeroOrOne';
const nonZero: Rule = 'nonZero';

/** One row of the table, its value range worked out from the wire type and the rule. */
function row(r: { id: number; name: PropertyName; type: WireType; allowed: number; repeatable: boolean; rule: Rule }): PropertySpec {
  return {
    id: r.id, name: r.name, type: r.type, allowed: r.allowed, repeatable: r.repeatable,
    min: r.rule === 'nonZero' ? 1 : 0, max: r.rule === 'zeroOrOne' ? 1 : TYPE_MAX[r.type],
  };
}

const SPECS: readonly PropertySpec[] = [
  row({ id: 0x01, name: 'PayloadFormatIndicator', type: 'byte', allowed: on(PUBLISH, WILL), repeatable: false, rule: zeroOrOne }),
  row({ id: 0x02, name: 'MessageExpiryInterval', type: 'u32', allowed: on(PUBLISH, WILL), repeatable: false, rule: null }),
  row({ id: 0x03, name: 'ContentType', type: 'utf8', allowed: on(PUBLISH, WILL), repeatable: false, rule: null }),
  row({ id: 0x08, name: 'ResponseTopic', type: 'utf8', allowed: on(PUBLISH, WILL), repeatable: false, rule: null }),
  row({ id: 0x09, name: 'CorrelationData', type: 'binary', allowed: on(PUBLISH, WILL), repeatable: false, rule: null }),
  row({ id: 0x0b, name: 'SubscriptionIdentifier', type: 'vbi', allowed: on(PUBLISH, SUBSCRIBE), repeatable: true, rule: nonZero }),
  row({ id: 0x11, name: 'SessionExpiryInterval', type: 'u32', allowed: on(CONNECT, CONNACK, DISCONNECT), repeatable: false, rule: null }),
  row({ id: 0x12, name: 'AssignedClientIdentifier', type: 'utf8', allowed: on(CONNACK), repeatable: false, rule: null }),
  row({ id: 0x13, name: 'ServerKeepAlive', type: 'u16', allowed: on(CONNACK), repeatable: false, rule: null }),
  row({ id: 0x15, name: 'AuthenticationMethod', type: 'utf8', allowed: on(CONNECT, CONNACK, AUTH), repeatable: false, rule: null }),
  row({ id: 0x16, name: 'AuthenticationData', type: 'binary', allowed: on(CONNECT, CONNACK, AUTH), repeatable: false, rule: null }),
  row({ id: 0x17, name: 'RequestProblemInformation', type: 'byte', allowed: on(CONNECT), repeatable: false, rule: zeroOrOne }),
  row({ id: 0x18, name: 'WillDelayInterval', type: 'u32', allowed: on(WILL), repeatable: false, rule: null }),
  row({ id: 0x19, name: 'RequestResponseInformation', type: 'byte', allowed: on(CONNECT), repeatable: false, rule: zeroOrOne }),
  row({ id: 0x1a, name: 'ResponseInformation', type: 'utf8', allowed: on(CONNACK), repeatable: false, rule: null }),
  row({ id: 0x1c, name: 'ServerReference', type: 'utf8', allowed: on(CONNACK, DISCONNECT), repeatable: false, rule: null }),
  row({ id: 0x1f, name: 'ReasonString', type: 'utf8', allowed: on(CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH), repeatable: false, rule: null }),
  row({ id: 0x21, name: 'ReceiveMaximum', type: 'u16', allowed: on(CONNECT, CONNACK), repeatable: false, rule: nonZero }),
  row({ id: 0x22, name: 'TopicAliasMaximum', type: 'u16', allowed: on(CONNECT, CONNACK), repeatable: false, rule: null }),
  row({ id: 0x23, name: 'TopicAlias', type: 'u16', allowed: on(PUBLISH), repeatable: false, rule: nonZero }),
  row({ id: 0x24, name: 'MaximumQoS', type: 'byte', allowed: on(CONNACK), repeatable: false, rule: zeroOrOne }),
  row({ id: 0x25, name: 'RetainAvailable', type: 'byte', allowed: on(CONNACK), repeatable: false, rule: zeroOrOne }),
  row({ id: 0x26, name: 'UserProperty', type: 'pair', allowed: on(CONNECT, CONNACK, PUBLISH, WILL, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH), repeatable: true, rule: null }),
  row({ id: 0x27, name: 'MaximumPacketSize', type: 'u32', allowed: on(CONNECT, CONNACK), repeatable: false, rule: nonZero }),
  row({ id: 0x28, name: 'WildcardSubscriptionAvailable', type: 'byte', allowed: on(CONNACK), repeatable: false, rule: zeroOrOne }),
  row({ id: 0x29, name: 'SubscriptionIdentifierAvailable', type: 'byte', allowed: on(CONNACK), repeatable: false, rule: zeroOrOne }),
  row({ id: 0x2a, name: 'SharedSubscriptionAvailable', type: 'byte', allowed: on(CONNACK), repeatable: false, rule: zeroOrOne }),
];

const BY_ID: (PropertySpec | undefined)[] = [];
const BY_NAME = new Map<string, PropertySpec>();
for (const s of SPECS) {
  BY_ID[s.id] = s;
  BY_NAME.set(s.name, s);
}

/** Every property name, in identifier order. */
export const PROPERTY_NAMES: readonly PropertyName[] = SPECS.map((s) => s.name);

/** The table's row for property `name`, or undefined for a name that is not an MQTT 5 property. */
export function propertySpec(name: string): PropertySpec | undefined {
  return BY_NAME.get(name);
}

/** Property names a packet kind allows (for the Properties class and error messages). */
export function propertyNamesFor(kind: number): PropertyName[] {
  return SPECS.filter((s) => (s.allowed & (1 << kind)) !== 0).map((s) => s.name);
}

/** True when the MQTT 5 property `name` may appear on packet kind `kind`: a packet type number 1..15, or 16 (WILL) for will properties. */
export function isPropertyAllowed(name: string, kind: number): boolean {
  const spec = BY_NAME.get(name);
  return spec !== undefined && (spec.allowed & (1 << kind)) !== 0;
}

const KIND_NAMES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE',
  'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH', 'will'];

/**
 * Reads a property section (length, then properties) for packet kind `kind`. Returns
 * undefined for an empty section, so packets without properties carry no object.
 */
export function readProperties(r: Reader, kind: number): PacketProperties | undefined {
  const len = r.vbi('property length');
  if (len === 0) return undefined;
  r.need(len, 'properties');
  const end = r.pos + len;
  const outerEnd = r.end;
  r.end = end; // a property may not run past its section
  const props: Record<string, unknown> = {};
  while (r.pos < end) {
    const id = r.vbi('property identifier');
    const spec = BY_ID[id];
    if (spec === undefined) throw new ProtocolError('unknown-property', `property identifier 0x${id.toString(16)} is not defined`);
    if ((spec.allowed & (1 << kind)) === 0) {
      throw new ProtocolError('property-not-allowed', `${spec.name} is not allowed on ${KIND_NAMES[kind]}`);
    }
    const value = readValue(r, spec);
    const name = spec.name;
    const prev = props[name];
    if (spec.repeatable && (spec.type === 'pair' || kind === PUBLISH)) {
      if (prev === undefined) props[name] = [value];
      else (prev as unknown[]).push(value);
    } else if (prev !== undefined) {
      throw new ProtocolError('property-repeated', `${name} appears more than once`, PROTOCOL_ERROR);
    } else {
      props[name] = value;
    }
  }
  r.end = outerEnd;
  checkAuthPair(props as PacketProperties);
  return props as PacketProperties;
}

/** §3.1.2.11.10 / §3.2.2.3.18: Authentication Data without Authentication Method is a Protocol Error. */
function checkAuthPair(props: PacketProperties): void {
  if (props.AuthenticationData !== undefined && props.AuthenticationMethod === undefined) {
    throw new ProtocolError('invalid-property-value', 'AuthenticationData without AuthenticationMethod', PROTOCOL_ERROR);
  }
}

function readValue(r: Reader, spec: PropertySpec): unknown {
  const what = spec.name;
  let v: number;
  switch (spec.type) {
    case 'byte': v = r.u8(what); break;
    case 'u16': v = r.u16(what); break;
    case 'u32': v = r.u32(what); break;
    case 'vbi': v = r.vbi(what); break;
    case 'utf8': return spec.id === RESPONSE_TOPIC ? r.topicName(what) : r.utf8(what);
    case 'binary': return r.binary(what);
    case 'pair': return [r.utf8(`${what} name`), r.utf8(`${what} value`)];
  }
  if (v < spec.min || v > spec.max) {
    // A Topic Alias of 0 has its own reason code (§3.3.2.3.4).
    throw new ProtocolError('invalid-property-value', `${what} may not be ${v}`, spec.id === 0x23 ? TOPIC_ALIAS_INVALID : PROTOCOL_ERROR);
  }
  return v;
}

/**
 * Validates `props` for packet kind `kind` and returns the byte length of the property
 * section's body (without its own length prefix). Properties with an undefined value are
 * skipped.
 */
export function propertiesLength(props: PacketProperties | undefined, kind: number): number {
  if (props === undefined || props === null) return 0;
  checkAuthPair(props);
  let total = 0;
  for (const name in props) {
    const value = (props as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const spec = BY_NAME.get(name);
    if (spec === undefined) throw new ProtocolError('unknown-property', `${name} is not an MQTT 5 property`);
    if ((spec.allowed & (1 << kind)) === 0) {
      throw new ProtocolError('property-not-allowed', `${name} is not allowed on ${KIND_NAMES[kind]}`);
    }
    if (spec.repeatable && Array.isArray(value) && spec.type !== 'pair') {
      if (kind !== PUBLISH && value.length !== 1) {
        throw new ProtocolError('property-repeated', `${name} may appear once on ${KIND_NAMES[kind]}`, PROTOCOL_ERROR);
      }
      for (const v of value) total += 1 + valueLength(spec, v);
    } else if (spec.type === 'pair') {
      if (!Array.isArray(value)) throw new ProtocolError('invalid-property-value', `${name} must be a list of [key, value]`);
      for (const pair of value) total += 1 + valueLength(spec, pair);
    } else {
      total += 1 + valueLength(spec, value);
    }
  }
  return total;
}

function valueLength(spec: PropertySpec, v: unknown): number {
  const what = spec.name;
  switch (spec.type) {
    case 'utf8':
      if (spec.id === RESPONSE_TOPIC && typeof v === 'string' && (v.includes('+') || v.includes('#'))) {
        throw new ProtocolError('topic-wildcard', `ResponseTopic '${v}' contains a wildcard`, PROTOCOL_ERROR);
      }
      return 2 + stringLength(v as string, what);
    case 'binary': return 2 + binaryLength(v as Uint8Array, what);
    case 'pair': {
      if (!Array.isArray(v) || v.length !== 2) throw new ProtocolError('invalid-property-value', `${what} entries must be [key, value]`);
      return 4 + stringLength(v[0], `${what} name`) + stringLength(v[1], `${what} value`);
    }
    default: {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < spec.min || v > spec.max) {
        throw new ProtocolError('invalid-property-value', `${what} may not be ${String(v)}`, PROTOCOL_ERROR);
      }
      return spec.type === 'byte' ? 1 : spec.type === 'u16' ? 2 : spec.type === 'u32' ? 4 : vbiLength(v);
    }
  }
}

/** Writes the property section (length prefix included); `bodyLen` from propertiesLength. */
export function writeProperties(buf: Buffer, off: number, props: PacketProperties | undefined, bodyLen: number): number {
  off = writeVbi(buf, off, bodyLen);
  if (bodyLen === 0 || props === undefined) return off;
  for (const name in props) {
    const value = (props as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const spec = BY_NAME.get(name)!;
    if (Array.isArray(value) && (spec.type === 'pair' || spec.repeatable)) {
      for (const v of value) off = writeValue(buf, off, spec, v);
    } else {
      off = writeValue(buf, off, spec, value);
    }
  }
  return off;
}

function writeValue(buf: Buffer, off: number, spec: PropertySpec, v: unknown): number {
  buf[off++] = spec.id;
  switch (spec.type) {
    case 'byte': buf[off] = v as number; return off + 1;
    case 'u16': return writeU16(buf, off, v as number);
    case 'u32': return writeU32(buf, off, v as number);
    case 'vbi': return writeVbi(buf, off, v as number);
    case 'utf8': return writeString(buf, off, v as string, Buffer.byteLength(v as string));
    case 'binary': return writeBinary(buf, off, v as Uint8Array);
    case 'pair': {
      const [k, val] = v as [string, string];
      off = writeString(buf, off, k, Buffer.byteLength(k));
      return writeString(buf, off, val, Buffer.byteLength(val));
    }
  }
}

/** Length of a whole property section: its Variable Byte Integer prefix plus the body. */
export function propertySectionLength(bodyLen: number): number {
  return vbiLength(bodyLen) + bodyLen;
}
