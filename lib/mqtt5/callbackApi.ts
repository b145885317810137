/**
 * paho 2.x's CallbackAPIVersion and the flag objects its VERSION2 callbacks receive.
 */

/**
 * Which callback signatures the Client uses. VERSION1 (the default): paho 1.x's, which
 * differ between MQTT 3.x and 5.0. VERSION2: paho 2.x's, the same for every protocol.
 */
export const CallbackAPIVersion = {
  VERSION1: 1,
  VERSION2: 2,
} as const;
export type CallbackAPIVersionValue = typeof CallbackAPIVersion[keyof typeof CallbackAPIVersion];
/** The type of a CallbackAPIVersion member (paho's enum used as a type). */
export type CallbackAPIVersion = CallbackAPIVersionValue;

export function isCallbackAPIVersion(v: unknown): v is CallbackAPIVersionValue {
  return v === CallbackAPIVersion.VERSION1 || v === CallbackAPIVersion.VERSION2;
}

/**
 * on_connect's `flags` under VERSION1: `sessionPresent`, and paho 1.x's dict key
 * `'session present'` (0 or 1). Under VERSION2 it also has paho 2.x's `session_present`.
 */
export interface ConnectFlags {
  sessionPresent: boolean;
  'session present': 0 | 1;
  /** VERSION2 only: paho 2.x's ConnectFlags.session_present. */
  session_present?: boolean;
}

/** on_disconnect's `flags` under VERSION2 (paho 2.x's DisconnectFlags). */
export interface DisconnectFlags {
  /** True when the broker sent a DISCONNECT packet (MQTT 5), false when the connection just ended. */
  isDisconnectPacketFromServer: boolean;
  /** paho's spelling of the same. */
  is_disconnect_packet_from_server: boolean;
}
