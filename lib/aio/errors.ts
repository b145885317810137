/**
 * The errors of the promise API (amqtt's ClientError / ConnectError, and asyncio's
 * TimeoutError). ConnectError is a ClientError, as in amqtt, so `catch (e) { if (e instanceof
 * ClientError) ... }` sees both.
 */
import { MQTTv5 } from '../constants';
import { connackString } from '../strings';

/** The client cannot do what was asked: not connected, connection lost, disconnected, cancelled. */
export class ClientError extends Error {
  /** The MQTT_ERR_* code behind the failure, when there is one (e.g. MQTT_ERR_CONN_LOST). */
  readonly rc?: number;
  /** `options.rc`: the MQTT_ERR_* code behind the failure. */
  constructor(message: string, options?: ErrorOptions & { rc?: number }) {
    super(message, options);
    this.name = 'ClientError';
    if (options?.rc !== undefined) this.rc = options.rc;
  }
}

/**
 * Could not connect: the socket, TLS or WebSocket handshake failed, no CONNACK came in time,
 * or the broker refused the connection. When refused, `returnCode` is the CONNACK code
 * (MQTT 3.1.1: 1-5; MQTT 5: a reason code >= 0x80) and the message says why, in paho's words.
 */
export class ConnectError extends ClientError {
  /** The CONNACK return code when the broker refused; undefined when it never answered. */
  readonly returnCode?: number;
  /** `options.returnCode`: the CONNACK return code of a refusal. */
  constructor(message: string, options?: ErrorOptions & { returnCode?: number; rc?: number }) {
    super(message, options);
    this.name = 'ConnectError';
    if (options?.returnCode !== undefined) this.returnCode = options.returnCode;
  }
}

/** A wait ran out of time: deliverMessage(timeout), publish(..., ackTimeout). */
export class TimeoutError extends Error {
  /** An Error named TimeoutError. */
  constructor(message = 'timed out', options?: ErrorOptions) {
    super(message, options);
    this.name = 'TimeoutError';
  }
}

/** MQTT 5 CONNACK reason codes (>= 0x80) and their names in the specification (§3.2.2.2). */
const V5_CONNACK: Record<number, string> = {
  0x80: 'Unspecified error', 0x81: 'Malformed Packet', 0x82: 'Protocol Error', 0x83: 'Implementation specific error',
  0x84: 'Unsupported Protocol Version', 0x85: 'Client Identifier not valid', 0x86: 'Bad User Name or Password',
  0x87: 'Not authorized', 0x88: 'Server unavailable', 0x89: 'Server busy', 0x8a: 'Banned',
  0x8c: 'Bad authentication method', 0x90: 'Topic Name invalid', 0x95: 'Packet too large', 0x97: 'Quota exceeded',
  0x99: 'Payload format invalid', 0x9a: 'Retain not supported', 0x9b: 'QoS not supported', 0x9c: 'Use another server',
  0x9d: 'Server moved', 0x9f: 'Connection rate exceeded',
};

/**
 * Why a CONNACK refused the connection: paho's connack_string() text for MQTT 3.1/3.1.1
 * ("Connection Refused: not authorised."), the reason name for MQTT 5
 * ("Connection Refused: Not authorized (0x87).").
 */
export function connackReason(rc: number, protocol?: number): string {
  if (protocol === MQTTv5) {
    const name = V5_CONNACK[rc];
    return `Connection Refused: ${name ?? 'unknown reason'} (0x${rc.toString(16).padStart(2, '0')}).`;
  }
  return connackString(rc);
}

/** A CONNACK code as a number: MQTT 5 callers may hand over a ReasonCodes-like `{ value }`. */
export function codeValue(rc: unknown): number {
  if (typeof rc === 'number') return rc;
  if (rc !== null && typeof rc === 'object' && typeof (rc as { value?: unknown }).value === 'number') return (rc as { value: number }).value;
  return NaN;
}

/** True when a CONNACK code means "refused" for this protocol level. */
export function connackRefused(rc: number, protocol?: number): boolean {
  return protocol === MQTTv5 ? !(rc < 0x80) : rc !== 0;
}

/** `e` as a ClientError: itself when it is one, else a ClientError saying `fallback` (and e's message), caused by e. */
export function asClientError(e: unknown, fallback: string): ClientError {
  if (e instanceof ClientError) return e;
  return new ClientError(e instanceof Error ? `${fallback}: ${e.message}` : fallback, { cause: e });
}
