/**
 * paho's `connack_string` and `error_string`, with paho 1.6.1's exact texts: programs
 * print and compare them.
 */
import {
  CONNACK_ACCEPTED, CONNACK_REFUSED_BAD_USERNAME_PASSWORD, CONNACK_REFUSED_IDENTIFIER_REJECTED,
  CONNACK_REFUSED_NOT_AUTHORIZED, CONNACK_REFUSED_PROTOCOL_VERSION, CONNACK_REFUSED_SERVER_UNAVAILABLE,
  MQTT_ERR_ACL_DENIED, MQTT_ERR_AUTH, MQTT_ERR_CONN_LOST, MQTT_ERR_CONN_REFUSED, MQTT_ERR_ERRNO,
  MQTT_ERR_INVAL, MQTT_ERR_KEEPALIVE, MQTT_ERR_NOMEM, MQTT_ERR_NOT_FOUND, MQTT_ERR_NOT_SUPPORTED,
  MQTT_ERR_NO_CONN, MQTT_ERR_PAYLOAD_SIZE, MQTT_ERR_PROTOCOL, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS,
  MQTT_ERR_TLS, MQTT_ERR_UNKNOWN,
} from './constants';

/**
 * A code, or anything carrying one in `value` (e.g. an MQTT 5 `ReasonCodes`): paho's
 * `ReasonCodes` compares equal to its integer value, so `connack_string(reasonCode)` works there.
 *
 * @inline
 */
export type CodeLike = number | { readonly value: number };

function codeOf(code: CodeLike): number {
  return typeof code === 'number' ? code : code != null ? code.value : NaN;
}

/**
 * Text for a CONNACK return code, as paho's `connack_string`:
 * 0 "Connection Accepted.", 1 "Connection Refused: unacceptable protocol version.", ...,
 * anything else "Connection Refused: unknown reason.".
 */
export function connackString(rc: CodeLike): string {
  switch (codeOf(rc)) {
    case CONNACK_ACCEPTED: return 'Connection Accepted.';
    case CONNACK_REFUSED_PROTOCOL_VERSION: return 'Connection Refused: unacceptable protocol version.';
    case CONNACK_REFUSED_IDENTIFIER_REJECTED: return 'Connection Refused: identifier rejected.';
    case CONNACK_REFUSED_SERVER_UNAVAILABLE: return 'Connection Refused: broker unavailable.';
    case CONNACK_REFUSED_BAD_USERNAME_PASSWORD: return 'Connection Refused: bad user name or password.';
    case CONNACK_REFUSED_NOT_AUTHORIZED: return 'Connection Refused: not authorised.';
    default: return 'Connection Refused: unknown reason.';
  }
}

/**
 * Text for an `MQTT_ERR_*` code, as paho's `error_string`: 0 "No error.", 1 "Out of memory.",
 * ..., 16 "Client or broker did not communicate in the keepalive interval.";
 * anything else (including `MQTT_ERR_AGAIN`) "Unknown error.".
 */
export function errorString(errno: CodeLike): string {
  switch (codeOf(errno)) {
    case MQTT_ERR_SUCCESS: return 'No error.';
    case MQTT_ERR_NOMEM: return 'Out of memory.';
    case MQTT_ERR_PROTOCOL: return 'A network protocol error occurred when communicating with the broker.';
    case MQTT_ERR_INVAL: return 'Invalid function arguments provided.';
    case MQTT_ERR_NO_CONN: return 'The client is not currently connected.';
    case MQTT_ERR_CONN_REFUSED: return 'The connection was refused.';
    case MQTT_ERR_NOT_FOUND: return 'Message not found (internal error).';
    case MQTT_ERR_CONN_LOST: return 'The connection was lost.';
    case MQTT_ERR_TLS: return 'A TLS error occurred.';
    case MQTT_ERR_PAYLOAD_SIZE: return 'Payload too large.';
    case MQTT_ERR_NOT_SUPPORTED: return 'This feature is not supported.';
    case MQTT_ERR_AUTH: return 'Authorisation failed.';
    case MQTT_ERR_ACL_DENIED: return 'Access denied by ACL.';
    case MQTT_ERR_UNKNOWN: return 'Unknown error.';
    case MQTT_ERR_ERRNO: return 'Error defined by errno.';
    case MQTT_ERR_QUEUE_SIZE: return 'Message queue full.';
    case MQTT_ERR_KEEPALIVE: return 'Client or broker did not communicate in the keepalive interval.';
    default: return 'Unknown error.';
  }
}
