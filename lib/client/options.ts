/**
 * The Client's constructor options, the target handed to a custom transport factory, and the
 * logger shape enableLogger() accepts; the checks of the option names and of `transport` (the
 * other values are checked in lib/client.ts init).
 */
import { didYouMean } from '../closestName';
import { ValueError } from '../errors';
import type { CallbackAPIVersionValue } from '../mqtt5/callbackApi';
import type { OutgoingStore } from '../store/types';
import type { Transport } from '../transport/types';

/** Where and how to connect; passed to a custom `createTransport`. */
export interface ConnectTarget {
  host: string;
  port: number;
  bindAddress: string;
  bindPort: number;
  transport: ClientOptions['transport'];
  connectTimeoutMs: number;
}

export interface ClientOptions {
  /** Empty or absent: CONNECT carries an empty id and the broker assigns one (MQTT 3.1: a random id); then `cleanSession: false` is refused. */
  clientId?: string;
  /**
   * MQTT 3.1/3.1.1 only (default true). With MQTTv5 giving it is a ValueError, as in paho:
   * use connect()'s `cleanStart` instead.
   */
  cleanSession?: boolean;
  /**
   * CallbackAPIVersion.VERSION1 (default): paho 1.x's callback signatures; VERSION2: paho 2.x's
   * (the same for every protocol). See README "MQTT 5".
   */
  callbackApiVersion?: CallbackAPIVersionValue;
  userdata?: unknown;
  /** MQTTv31 (3), MQTTv311 (4, default) or MQTTv5 (5). */
  protocol?: number;
  /** 'tcp' (default), 'websockets', or 'unix' (connect(socketPath): a Unix-domain socket). */
  transport?: 'tcp' | 'websockets' | 'unix';
  /** paho's reconnect_on_failure: loopForever/loopStart reconnect after a lost connection (default true). */
  reconnectOnFailure?: boolean;
  /** paho 2.x's manual_ack: as manualAckSet(true) from the start: received QoS 1/2 messages are acknowledged by ack(mid, qos) (default false). */
  manualAck?: boolean;
  /** Outgoing-message store (default: memoryStore()). */
  store?: OutgoingStore;
  /** Advanced: builds the transport for each connection attempt (tests, custom sockets). */
  createTransport?: (target: ConnectTarget) => Transport;
  /** Advanced: a monotonic clock in milliseconds (default performance.now). */
  clock?: () => number;
  /**
   * Largest packet accepted from the broker, in bytes (default 0: no limit). On MQTT 5 it is
   * announced in CONNECT as Maximum Packet Size, so the broker does not send larger messages
   * (it drops them for this client); a larger packet arriving anyway closes the connection
   * (MQTT 5: DISCONNECT 0x95 Packet too large) at every protocol level.
   */
  maxPacketSize?: number;
  /**
   * MQTT 5: give topics aliases by itself, up to the server's Topic Alias Maximum, when the caller
   * sets none (default true). false sends aliases only where the caller sets them, as paho does.
   */
  autoTopicAlias?: boolean;
}

/** Every key ClientOptions has: anything else is a typo (paho's constructor raises TypeError for it). */
const CLIENT_OPTION_KEYS: ReadonlySet<string> = new Set<keyof ClientOptions>([
  'clientId', 'cleanSession', 'callbackApiVersion', 'userdata', 'protocol', 'transport', 'reconnectOnFailure',
  'store', 'createTransport', 'clock', 'maxPacketSize', 'manualAck', 'autoTopicAlias',
]);

/**
 * Throws ValueError for an option the Client does not know, naming the closest known one:
 * `cleanSesion: false` would otherwise quietly give a clean session.
 */
export function checkClientOptionNames(opts: object): void {
  for (const key of Object.keys(opts)) {
    if (!CLIENT_OPTION_KEYS.has(key)) throw new ValueError(`unknown option '${key}'${didYouMean(key, CLIENT_OPTION_KEYS)}`);
  }
}

/** The transport option, in any case as paho takes it ('TCP', 'WebSockets'); default 'tcp'. */
export function checkTransport(value: unknown): 'tcp' | 'websockets' | 'unix' {
  const transport = value === undefined || value === null ? 'tcp' : typeof value === 'string' ? value.toLowerCase() : value;
  if (transport !== 'tcp' && transport !== 'websockets' && transport !== 'unix') {
    throw new ValueError(`transport: must be 'tcp', 'websockets' or 'unix', got ${String(value)}`);
  }
  return transport;
}

export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
