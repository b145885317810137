/**
 * The arguments each callback receives (after `client, userdata`), per callback API version
 * and protocol, as paho 1.x (VERSION1) and paho 2.x (VERSION2) pass them. The events of the
 * same name carry the same arguments. 3.x under VERSION1 does not come here: the Client
 * passes plain numbers on that path, allocating nothing extra.
 */
import { PacketTypes } from '../mqtt5/packetTypes';
import { Properties } from '../mqtt5/properties';
import { connackReasonCode, disconnectReasonCode, ReasonCodes } from '../mqtt5/reasonCodes';
import { ConnectFlags, DisconnectFlags } from '../mqtt5/callbackApi';
import type { PacketProperties } from '../protocol/types';

export interface CallbackMode {
  /** The connection speaks MQTT 5. */
  readonly v5: boolean;
  /** callbackApiVersion is VERSION2. */
  readonly v2: boolean;
}

/** The four modes, shared by every Client (an object per Client would cost idle memory, a benchmarked goal). */
const MODES: readonly CallbackMode[] = [
  { v5: false, v2: false }, { v5: true, v2: false }, { v5: false, v2: true }, { v5: true, v2: true },
].map((m) => Object.freeze(m));

export function callbackMode(v5: boolean, v2: boolean): CallbackMode {
  return MODES[(v5 ? 1 : 0) + (v2 ? 2 : 0)];
}

/** on_connect: VERSION1 5.0 `(flags, ReasonCodes, Properties)`; VERSION2 `(flags, ReasonCodes, Properties)`; VERSION1 3.x `(flags, rc)`; flags a ConnectFlags. */
export function connectArgs(m: CallbackMode, sessionPresent: boolean, rc: number, props: PacketProperties | undefined): unknown[] {
  const flags = new ConnectFlags(sessionPresent);
  if (!m.v5 && !m.v2) return [flags, rc, props];
  const reason = m.v5 ? ReasonCodes._received(PacketTypes.CONNACK, rc) : connackReasonCode(rc);
  return [flags, reason, Properties._wrap(PacketTypes.CONNACK, props)];
}

/**
 * on_disconnect. VERSION1 3.x: `(rc)`. VERSION1 5.0: `(ReasonCodes, Properties)` when the
 * broker sent DISCONNECT, else `(rc, undefined)`. VERSION2: `(DisconnectFlags, ReasonCodes,
 * Properties)`, the client-side rc mapped as paho 2.x does (0 Normal disconnection, keepalive
 * Keep alive timeout, anything else Unspecified error).
 */
export function disconnectArgs(m: CallbackMode, rc: number, serverReason: number | undefined, props: PacketProperties | undefined): unknown[] {
  const fromServer = serverReason !== undefined;
  if (!m.v2) {
    if (!m.v5) return [rc];
    return fromServer ? [ReasonCodes._received(PacketTypes.DISCONNECT, serverReason), Properties._wrap(PacketTypes.DISCONNECT, props)] : [rc, undefined];
  }
  const flags = new DisconnectFlags(fromServer);
  const reason = fromServer ? ReasonCodes._received(PacketTypes.DISCONNECT, serverReason) : disconnectReasonCode(rc);
  return [flags, reason, Properties._wrap(PacketTypes.DISCONNECT, fromServer ? props : undefined)];
}

/** on_subscribe: `(mid, grantedQos numbers)` on VERSION1 3.x; else `(mid, ReasonCodes[], Properties)`. */
export function subscribeArgs(m: CallbackMode, mid: number, codes: number[], props: PacketProperties | undefined): unknown[] {
  if (!m.v5 && !m.v2) return [mid, codes, props];
  return [mid, codes.map((c) => ReasonCodes._received(PacketTypes.SUBACK, c)), Properties._wrap(PacketTypes.SUBACK, props)];
}

/**
 * on_unsubscribe. VERSION1 3.x: `(mid, undefined, [])`. VERSION1 5.0: `(mid, Properties,
 * reasonCodes)`, where reasonCodes is one ReasonCodes when the UNSUBSCRIBE had one filter and
 * a list otherwise (paho 1.x does the same). VERSION2: `(mid, ReasonCodes[], Properties)`,
 * the list empty on 3.x (UNSUBACK carries no codes there).
 */
export function unsubscribeArgs(m: CallbackMode, mid: number, codes: number[], props: PacketProperties | undefined): unknown[] {
  if (!m.v5 && !m.v2) return [mid, props, codes];
  const list = codes.map((c) => ReasonCodes._received(PacketTypes.UNSUBACK, c));
  const properties = Properties._wrap(PacketTypes.UNSUBACK, props);
  if (m.v2) return [mid, list, properties];
  return [mid, properties, list.length === 1 ? list[0] : list];
}

/** on_publish under VERSION2: `(mid, ReasonCodes, Properties)` (Success and empty on 3.x and QoS 0). */
export function publishArgs(mid: number, reasonCode: number, props: PacketProperties | undefined): unknown[] {
  return [mid, ReasonCodes._received(PacketTypes.PUBACK, reasonCode), Properties._wrap(PacketTypes.PUBACK, props)];
}
