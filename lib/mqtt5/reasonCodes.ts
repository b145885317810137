/**
 * paho's ReasonCodes (ReasonCode in paho 2.x): an MQTT 5 reason code with its packet type,
 * named as in paho's table. Compares with numbers through valueOf(): `rc == 0`, `rc >= 0x80`
 * work as paho's `rc == 0`; strict `rc === 0` does not (compare `rc.value`).
 */
import { ValueError } from '../errors';
import { PacketTypes, packetTypeName } from './packetTypes';

const {
  CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH,
} = PacketTypes;

/** paho's table: value -> name -> the packet types that use that name for it. */
const NAMES: Record<number, Record<string, number[]>> = {
  0: { 'Success': [CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH], 'Normal disconnection': [DISCONNECT], 'Granted QoS 0': [SUBACK] },
  1: { 'Granted QoS 1': [SUBACK] },
  2: { 'Granted QoS 2': [SUBACK] },
  4: { 'Disconnect with will message': [DISCONNECT] },
  16: { 'No matching subscribers': [PUBACK, PUBREC] },
  17: { 'No subscription found': [UNSUBACK] },
  24: { 'Continue authentication': [AUTH] },
  25: { 'Re-authenticate': [AUTH] },
  128: { 'Unspecified error': [CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT] },
  129: { 'Malformed packet': [CONNACK, DISCONNECT] },
  130: { 'Protocol error': [CONNACK, DISCONNECT] },
  131: { 'Implementation specific error': [CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT] },
  132: { 'Unsupported protocol version': [CONNACK] },
  133: { 'Client identifier not valid': [CONNACK] },
  134: { 'Bad user name or password': [CONNACK] },
  135: { 'Not authorized': [CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT] },
  136: { 'Server unavailable': [CONNACK] },
  137: { 'Server busy': [CONNACK, DISCONNECT] },
  138: { 'Banned': [CONNACK] },
  139: { 'Server shutting down': [DISCONNECT] },
  140: { 'Bad authentication method': [CONNACK, DISCONNECT] },
  141: { 'Keep alive timeout': [DISCONNECT] },
  142: { 'Session taken over': [DISCONNECT] },
  143: { 'Topic filter invalid': [SUBACK, UNSUBACK, DISCONNECT] },
  144: { 'Topic name invalid': [CONNACK, PUBACK, PUBREC, DISCONNECT] },
  145: { 'Packet identifier in use': [PUBACK, PUBREC, SUBACK, UNSUBACK] },
  146: { 'Packet identifier not found': [PUBREL, PUBCOMP] },
  147: { 'Receive maximum exceeded': [DISCONNECT] },
  148: { 'Topic alias invalid': [DISCONNECT] },
  149: { 'Packet too large': [CONNACK, DISCONNECT] },
  150: { 'Message rate too high': [DISCONNECT] },
  151: { 'Quota exceeded': [CONNACK, PUBACK, PUBREC, SUBACK, DISCONNECT] },
  152: { 'Administrative action': [DISCONNECT] },
  153: { 'Payload format invalid': [PUBACK, PUBREC, DISCONNECT] },
  154: { 'Retain not supported': [CONNACK, DISCONNECT] },
  155: { 'QoS not supported': [CONNACK, DISCONNECT] },
  156: { 'Use another server': [CONNACK, DISCONNECT] },
  157: { 'Server moved': [CONNACK, DISCONNECT] },
  158: { 'Shared subscription not supported': [SUBACK, DISCONNECT] },
  159: { 'Connection rate exceeded': [CONNACK, DISCONNECT] },
  160: { 'Maximum connect time': [DISCONNECT] },
  161: { 'Subscription identifiers not supported': [SUBACK, DISCONNECT] },
  162: { 'Wildcard subscription not supported': [SUBACK, DISCONNECT] },
};

function nameFor(packetType: number, value: number): string | undefined {
  const names = NAMES[value];
  if (names === undefined) return undefined;
  for (const name in names) if (names[name].includes(packetType)) return name;
  return undefined;
}

function idFor(packetType: number, name: string): number | undefined {
  for (const v in NAMES) {
    const types = NAMES[v][name];
    if (types !== undefined && types.includes(packetType)) return Number(v);
  }
  return undefined;
}

/** An MQTT 5 reason code with its packet type and name, as paho's ReasonCodes; compares with numbers. */
export class ReasonCodes {
  /** The packet type this code belongs to (PacketTypes.CONNACK, ...). */
  readonly packetType: number;
  /** The numeric reason code. */
  value: number;

  /**
   * A reason code for `packetType`, by name (default 'Success'; on DISCONNECT 'Success' means
   * 'Normal disconnection', as in paho) or by `identifier`. A name or number the packet
   * type does not use throws ValueError.
   */
  constructor(packetType: number, name = 'Success', identifier = -1) {
    if (typeof packetType !== 'number' || !Number.isInteger(packetType) || packetType < 1 || packetType > 15) {
      throw new ValueError(`packetType: must be a packet type from PacketTypes, got ${String(packetType)}`);
    }
    this.packetType = packetType;
    if (identifier === -1) {
      const n = packetType === DISCONNECT && name === 'Success' ? 'Normal disconnection' : name;
      const v = idFor(packetType, n);
      if (v === undefined) throw new ValueError(`name: '${n}' is not a reason code of ${packetTypeName(packetType)}`);
      this.value = v;
    } else {
      if (nameFor(packetType, identifier) === undefined) {
        throw new ValueError(`identifier: ${String(identifier)} is not a reason code of ${packetTypeName(packetType)}`);
      }
      this.value = identifier;
    }
  }

  /**
   * @internal A code received from the network: never throws (the codec already checked it
   * against the spec's table, which allows a few codes paho's names do not cover).
   */
  static _received(packetType: number, value: number): ReasonCodes {
    const rc = Object.create(ReasonCodes.prototype) as { packetType: number; value: number };
    rc.packetType = packetType;
    rc.value = value;
    return rc as ReasonCodes;
  }

  /** Sets the code by name (paho's set()). */
  set(name: string): void {
    const v = idFor(this.packetType, name);
    if (v === undefined) throw new ValueError(`name: '${name}' is not a reason code of ${packetTypeName(this.packetType)}`);
    this.value = v;
  }

  /** The reason code's name for this packet type ('Success', 'Not authorized', ...). */
  getName(): string {
    const n = nameFor(this.packetType, this.value);
    if (n !== undefined) return n;
    const any = NAMES[this.value];
    return any !== undefined ? Object.keys(any)[0] : `Unknown reason code 0x${this.value.toString(16)}`;
  }

  /** True for failures (value >= 0x80). */
  get isFailure(): boolean {
    return this.value >= 0x80;
  }

  /** paho 2.x's spelling of isFailure. */
  get is_failure(): boolean {
    return this.value >= 0x80;
  }

  /** True when `other` is this code's number, its name, or a ReasonCodes with the same value (paho's ==). */
  equals(other: unknown): boolean {
    if (typeof other === 'number') return other === this.value;
    if (typeof other === 'string') return other === this.getName();
    if (other instanceof ReasonCodes) return other.value === this.value;
    return false;
  }

  /** The number, so `rc == 0` and `rc < 0x80` compare as in paho. */
  valueOf(): number {
    return this.value;
  }

  /** The name, as paho's str(). */
  toString(): string {
    return this.getName();
  }

  /** paho's json(): the name. */
  json(): string {
    return this.getName();
  }

  /** JSON.stringify() gives the name, as paho's json(). */
  toJSON(): string {
    return this.getName();
  }

  /** The number in arithmetic and comparisons; the name where a string is asked for (`${rc}`, String(rc)). */
  [Symbol.toPrimitive](hint: string): number | string {
    return hint === 'string' ? this.getName() : this.value;
  }
}

/** paho 2.x's name for the same class. */
export const ReasonCode = ReasonCodes;
export type ReasonCode = ReasonCodes;

// MQTT 3.1.1 return codes as paho 2.x's VERSION2 callbacks see them.

const CONNACK_V3: number[] = [0, 132, 133, 136, 134, 135];

/** A 3.1/3.1.1 CONNACK return code (0..5) as paho 2.x's ReasonCode. */
export function connackReasonCode(rc: number): ReasonCodes {
  return ReasonCodes._received(CONNACK, CONNACK_V3[rc] ?? 128);
}

/** A client-side disconnection (MQTT_ERR_* code) as paho 2.x's DISCONNECT ReasonCode. */
export function disconnectReasonCode(mqttErr: number): ReasonCodes {
  // MQTT_ERR_SUCCESS -> Normal disconnection, MQTT_ERR_KEEPALIVE -> Keep alive timeout, else Unspecified error.
  return ReasonCodes._received(DISCONNECT, mqttErr === 0 ? 0 : mqttErr === 16 ? 141 : 128);
}
