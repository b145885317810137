/**
 * paho 2.x's convert_connack_rc_to_reason_code() and convert_disconnect_error_code_to_reason_code():
 * the MQTT 3.x CONNACK return code, or a client-side MQTT_ERR_* code, as the ReasonCode a
 * VERSION2 callback receives. paho's code decides, input by input (compared with paho 2.1):
 * anything that is not one of the listed numbers gives 'Unspecified error' (128), and a
 * ReasonCodes compares by its value, as paho's == does. The numbers differ from the input's
 * (CONNACK_REFUSED_SERVER_UNAVAILABLE 3 -> 'Server unavailable' 136), so compare by name.
 */
import { connackReasonCode, disconnectReasonCode, ReasonCodes } from './reasonCodes';

/** The number paho's `==` would compare: numbers as they are, a ReasonCodes by value, a boolean as 0/1 (Python's bool is an int); else NaN (equal to nothing). */
function comparable(code: unknown): number {
  if (typeof code === 'number') return code;
  if (code instanceof ReasonCodes) return code.value;
  if (typeof code === 'boolean') return code ? 1 : 0;
  return NaN;
}

/**
 * A 3.1/3.1.1 CONNACK return code (ConnackCode) as a CONNACK ReasonCodes: 0 Success,
 * 1 Unsupported protocol version, 2 Client identifier not valid, 3 Server unavailable,
 * 4 Bad user name or password, 5 Not authorized, anything else Unspecified error.
 */
export function convertConnackRcToReasonCode(connackCode: unknown): ReasonCodes {
  const n = comparable(connackCode);
  return fresh(connackReasonCode(Number.isInteger(n) && n >= 0 && n <= 5 ? n : -1));
}

/**
 * A client-side MQTTErrorCode as a DISCONNECT ReasonCodes: MQTT_ERR_SUCCESS Normal
 * disconnection (0), MQTT_ERR_KEEPALIVE Keep alive timeout (141), anything else Unspecified
 * error (128): MQTT_ERR_PROTOCOL too (paho's docstring says 130, its code returns 128).
 */
export function convertDisconnectErrorCodeToReasonCode(rc: unknown): ReasonCodes {
  const n = comparable(rc);
  return fresh(disconnectReasonCode(n === 0 || n === 16 ? n : -1));
}

/** A ReasonCodes of its own (paho returns a new, mutable object per call). */
function fresh(rc: ReasonCodes): ReasonCodes {
  return new ReasonCodes(rc.packetType, undefined, rc.value);
}
