/**
 * paho's Properties: the MQTT 5 properties of one packet, as attributes with paho's names
 * (`props.MessageExpiryInterval = 30`). The same PascalCase names as the codec's
 * PacketProperties, so an instance goes to the session and encoder as it is.
 *
 * Assignment is checked at once (a ValueError naming the property): the name must exist and
 * apply to the packet type, the value must fit. The rules are the codec's one property table
 * (protocol/properties.ts); this file only words its answers as paho's ValueErrors. As in
 * paho, properties that may repeat (UserProperty, SubscriptionIdentifier) append on
 * assignment: `props.UserProperty = ['a', '1']` then `props.UserProperty = [['b', '2']]`
 * leaves `[['a', '1'], ['b', '2']]`.
 */
import { ValueError } from '../errors';
import { isPropertyAllowed, PROPERTY_NAMES, propertyNamesFor, PropertySpec, propertySpec, WILL } from '../protocol/properties';
import type { PacketProperties, PropertyName } from '../protocol/types';
import { isPacketType, PacketTypes, packetTypeName } from './packetTypes';
import { propertiesStr } from './pythonText';

/**
 * The property names as keys of a plain object: a name is checked with `in`, which also sees
 * Object.prototype's names (toString, ...); those then fail as not applying to the packet type.
 */
const KNOWN: Record<string, true> = Object.fromEntries(PROPERTY_NAMES.map((n) => [n, true]));

/** The codec's packet kind for a packet type: will properties are kind 16 there, 99 in paho. */
const codecKind = (packetType: number): number => (packetType === PacketTypes.WILLMESSAGE ? WILL : packetType);

function checkInteger(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValueError(`${name}: property value must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

function checkPair(name: string, v: unknown): [string, string] {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') {
    throw new ValueError(`${name}: entries must be [key, value] pairs of strings`);
  }
  return [v[0], v[1]];
}

/** Checks one value (one entry, for repeatable properties) against the table's row and returns it normalised. */
function checkValue(spec: PropertySpec, v: unknown): unknown {
  const name = spec.name;
  switch (spec.type) {
    case 'byte':
      if (spec.max === 1) {
        if (v !== 0 && v !== 1) throw new ValueError(`${name}: property value must be 0 or 1, got ${String(v)}`);
        return v;
      }
      return checkInteger(name, v, spec.min, spec.max);
    case 'u16':
    case 'u32':
    case 'vbi':
      return checkInteger(name, v, spec.min, spec.max);
    case 'utf8':
      if (typeof v !== 'string') throw new ValueError(`${name}: property value must be a string, got ${typeof v}`);
      return v;
    case 'binary':
      if (typeof v === 'string') return Buffer.from(v, 'utf8');
      if (Buffer.isBuffer(v)) return v;
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      throw new ValueError(`${name}: property value must be a Buffer (or a string, sent as UTF-8), got ${typeof v}`);
    case 'pair': return checkPair(name, v);
  }
}

const PACKET_TYPE = Symbol('packetType');

const handler: ProxyHandler<Properties> = {
  set(target, key, value) {
    if (typeof key !== 'string' || !(key in KNOWN)) {
      if (key === 'packetType') throw new ValueError('packetType: is fixed when the Properties are made');
      throw new ValueError(`${String(key)}: not an MQTT 5 property; property names are ${PROPERTY_NAMES.join(', ')}`);
    }
    const name = key as PropertyName;
    const rec = target as unknown as Record<string, unknown>;
    if (value === undefined || value === null) {
      delete rec[name];
      return true;
    }
    const packetType = target[PACKET_TYPE];
    if (!isPropertyAllowed(name, codecKind(packetType))) {
      throw new ValueError(`${name}: property does not apply to packet type ${packetTypeName(packetType)}`);
    }
    const spec = propertySpec(name)!; // allowed on the packet type: in the table
    if (spec.repeatable) {
      // One entry or a list of entries; appended to what is there, as paho does.
      const single = name === 'UserProperty' ? Array.isArray(value) && typeof value[0] === 'string' : !Array.isArray(value);
      const entries = (single ? [value] : value as unknown[]).map((v) => checkValue(spec, v));
      const prev = rec[name] as unknown[] | undefined;
      rec[name] = prev === undefined ? entries : prev.concat(entries);
    } else {
      rec[name] = checkValue(spec, value);
    }
    return true;
  },
};

/**
 * The attributes, typed as paho takes them: the repeatable properties accept one entry or a
 * list on assignment (appended, as above) and always read back as a list.
 */
export interface Properties extends Omit<PacketProperties, 'UserProperty' | 'SubscriptionIdentifier'> {
  /** The `[key, value]` pairs, in order, duplicates kept. */
  get UserProperty(): [string, string][] | undefined;
  /** One `[key, value]` pair (paho's `("k", "v")`) or a list of them; appended to the list already there. */
  set UserProperty(value: readonly [string, string] | readonly (readonly [string, string])[] | undefined);
  /** A list on every Properties a program sees (set here, or received on a PUBLISH). */
  get SubscriptionIdentifier(): number[] | undefined;
  /** One identifier or a list of them; appended to the list already there. */
  set SubscriptionIdentifier(value: number | readonly number[] | undefined);
}

/** The MQTT 5 properties of one packet, as paho's Properties: attributes checked on assignment. */
export class Properties {
  /** @internal */
  declare [PACKET_TYPE]: number;

  /** Properties for one packet type: `new Properties(PacketTypes.PUBLISH)`. */
  constructor(packetType: number) {
    if (!isPacketType(packetType)) {
      throw new ValueError(`packetType: must be one of PacketTypes (1..15 or WILLMESSAGE), got ${String(packetType)}`);
    }
    Object.defineProperty(this, PACKET_TYPE, { value: packetType, enumerable: false });
    return new Proxy(this, handler);
  }

  /**
   * @internal Received properties as a Properties instance, without copying or re-checking
   * (the codec checked them): `raw` becomes the instance.
   */
  static _wrap(packetType: number, raw: PacketProperties | undefined): Properties {
    const target = (raw ?? {}) as Properties;
    Object.setPrototypeOf(target, Properties.prototype);
    Object.defineProperty(target, PACKET_TYPE, { value: packetType, enumerable: false, configurable: true });
    return new Proxy(target, handler);
  }

  /** Accepts a Properties of `packetType` or a plain PacketProperties object (checked by assigning each key); undefined stays undefined. */
  static _from(props: unknown, packetType: number, argName = 'properties'): PacketProperties | undefined {
    if (props === undefined || props === null) return undefined;
    if (props instanceof Properties) {
      if (props.packetType !== packetType) {
        throw new ValueError(`${argName}: Properties for ${packetTypeName(props.packetType)} given where ${packetTypeName(packetType)} properties are needed`);
      }
      return props;
    }
    if (typeof props !== 'object' || Array.isArray(props)) throw new ValueError(`${argName}: must be a Properties object`);
    const p = new Properties(packetType);
    const rec = p as unknown as Record<string, unknown>;
    for (const k of Object.keys(props)) rec[k] = (props as Record<string, unknown>)[k];
    return p;
  }

  /** The packet type these properties belong to (PacketTypes.PUBLISH, ...). */
  get packetType(): number {
    return this[PACKET_TYPE];
  }

  /** The property names this packet type allows (paho's `names`, filtered to the packet type). */
  allowedNames(): PropertyName[] {
    return propertyNamesFor(codecKind(this[PACKET_TYPE]));
  }

  /** True when no property is set. */
  isEmpty(): boolean {
    for (const k in this) if ((this as Record<string, unknown>)[k] !== undefined) return false;
    return true;
  }

  /** paho's json(): the set properties by name; binary values as hex strings, as paho. */
  json(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[k];
      out[k] = Buffer.isBuffer(v) ? v.toString('hex') : v;
    }
    return out;
  }

  /** paho's str(): `[ReceiveMaximum : 20, UserProperty : [('k', 'v')]]`, in paho's order. */
  toString(): string {
    return propertiesStr(this);
  }
}
