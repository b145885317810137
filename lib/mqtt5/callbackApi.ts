/**
 * paho 2.x's CallbackAPIVersion and the flag objects its callbacks receive (ConnectFlags, DisconnectFlags).
 *
 * mqtt5/ holds paho's MQTT 5 and 2.x API objects, with paho's names and behaviour: the callback
 * API version and flags (this file), Properties (properties.ts, checked against the codec's one
 * rule table in protocol/properties.ts), ReasonCodes (reasonCodes.ts) and the 3.x-to-5 code
 * conversions (reasonCodeConversions.ts), SubscribeOptions, PacketTypes, and Python's
 * str()/repr() of them, so printed values read as paho's (pythonText.ts).
 */

/**
 * Which callback signatures the Client uses. VERSION1 (the default): paho 1.x's, which
 * differ between MQTT 3.x and 5.0. VERSION2: paho 2.x's, the same for every protocol.
 */
export const CallbackAPIVersion = {
  /** paho 1.x's callback signatures (the default). */
  VERSION1: 1,
  /** paho 2.x's callback signatures. */
  VERSION2: 2,
} as const;
/** CallbackAPIVersion.VERSION1 (1) or VERSION2 (2). */
export type CallbackAPIVersionValue = typeof CallbackAPIVersion[keyof typeof CallbackAPIVersion];
/** The type of a CallbackAPIVersion member (paho's enum used as a type). */
export type CallbackAPIVersion = CallbackAPIVersionValue;

export function isCallbackAPIVersion(v: unknown): v is CallbackAPIVersionValue {
  return v === CallbackAPIVersion.VERSION1 || v === CallbackAPIVersion.VERSION2;
}

/**
 * on_connect's `flags` (paho 2.x's ConnectFlags(session_present)). One object serves every
 * callback API version: `sessionPresent`, paho 2.x's `session_present`, and paho 1.x's dict
 * key `'session present'` (0 or 1), so VERSION1 code reading `flags['session present']` ports too.
 */
export class ConnectFlags {
  /** The broker resumed a stored session for this client id. */
  readonly sessionPresent: boolean;
  /** paho 1.x's dict key: 1 or 0. */
  readonly 'session present': 0 | 1;

  /** Made by the Client from CONNACK's session-present flag. */
  constructor(sessionPresent: boolean) {
    const b = sessionPresent === true;
    this.sessionPresent = b;
    this['session present'] = b ? 1 : 0;
  }

  /** paho 2.x's spelling of sessionPresent (a getter: the own keys stay those of paho 1.x's dict and sessionPresent). */
  get session_present(): boolean {
    return this.sessionPresent;
  }
}

/** on_disconnect's `flags` under VERSION2 (paho 2.x's DisconnectFlags(is_disconnect_packet_from_server)). */
export class DisconnectFlags {
  /** True when the broker sent a DISCONNECT packet (MQTT 5), false when the client library ended the connection or it was lost. */
  readonly isDisconnectPacketFromServer: boolean;
  /** paho's spelling of the same. */
  readonly is_disconnect_packet_from_server: boolean;

  /** Made by the Client: true when the server sent DISCONNECT. */
  constructor(isDisconnectPacketFromServer: boolean) {
    const b = isDisconnectPacketFromServer === true;
    this.isDisconnectPacketFromServer = b;
    this.is_disconnect_packet_from_server = b;
  }
}
