/**
 * Argument checks for the Client's MQTT 5 arguments (properties, Clean Start, DISCONNECT
 * reason codes): each failure is a ValueError naming the argument, before any I/O.
 */
import { MQTT_CLEAN_START_FIRST_ONLY } from '../constants';
import { ValueError } from '../errors';
import { PacketTypes } from '../mqtt5/packetTypes';
import { Properties } from '../mqtt5/properties';
import { ReasonCodes } from '../mqtt5/reasonCodes';
import { DISCONNECT_CODES } from '../protocol/reasonCodes';
import type { PacketProperties } from '../protocol/types';

/**
 * `properties` for a packet type: a Properties of that type or a plain object of property
 * names. MQTT 3.x (`v5` false): none (an empty Properties is accepted and dropped).
 */
export function checkProperties(properties: unknown, packetType: number, v5: boolean): PacketProperties | undefined {
  if (properties === undefined || properties === null) return undefined;
  if (!v5) {
    if (properties instanceof Properties && properties.isEmpty()) return undefined;
    throw new ValueError('properties: MQTT 5 only; this client uses MQTT 3.1/3.1.1 (protocol option)');
  }
  return Properties._from(properties, packetType);
}

/** connect()'s `cleanStart` and `properties`; returns the CONNECT properties. */
export function checkCleanStart(cleanStart: unknown, properties: unknown, v5: boolean): PacketProperties | undefined {
  if (cleanStart !== true && cleanStart !== false && cleanStart !== MQTT_CLEAN_START_FIRST_ONLY) {
    throw new ValueError(`cleanStart: must be true, false or MQTT_CLEAN_START_FIRST_ONLY, got ${String(cleanStart)}`);
  }
  if (!v5 && cleanStart !== MQTT_CLEAN_START_FIRST_ONLY) {
    throw new ValueError('cleanStart: MQTT 5 only; with MQTT 3.1/3.1.1 use the cleanSession option');
  }
  return checkProperties(properties, PacketTypes.CONNECT, v5);
}

/** disconnect()'s reason code: a number or ReasonCodes of DISCONNECT; MQTT 3.x only takes 0 (sent as nothing). */
export function checkDisconnectCode(reasonCode: unknown, v5: boolean): number | undefined {
  if (reasonCode === undefined || reasonCode === null) return undefined;
  let v: number;
  if (reasonCode instanceof ReasonCodes) {
    if (reasonCode.packetType !== PacketTypes.DISCONNECT) throw new ValueError('reasonCode: must be a DISCONNECT reason code');
    v = reasonCode.value;
  } else {
    if (typeof reasonCode !== 'number' || !Number.isInteger(reasonCode) || reasonCode < 0 || reasonCode > 255 || DISCONNECT_CODES[reasonCode] !== 1) {
      throw new ValueError(`reasonCode: ${String(reasonCode)} is not a DISCONNECT reason code`);
    }
    v = reasonCode;
  }
  if (!v5 && v !== 0) throw new ValueError('reasonCode: MQTT 5 only (MQTT 3.1/3.1.1 DISCONNECT carries no reason code)');
  return v5 ? v : undefined;
}
