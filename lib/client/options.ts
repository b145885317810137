/**
 * The Client's constructor options, the target handed to a custom transport factory, and the
 * logger shape enableLogger() accepts; parseClientArgs() reads the constructor's forms, and
 * resolveClientOptions() checks the options (names, then values) and fills in the defaults.
 */
import { performance } from 'node:perf_hooks';
import { didYouMean } from '../closestName';
import { MQTTv31, MQTTv311, MQTTv5 } from '../constants';
import { ValueError } from '../errors';
import { CallbackAPIVersion, CallbackAPIVersionValue, isCallbackAPIVersion } from '../mqtt5/callbackApi';
import type { ProtocolLevel } from '../protocol/types';
import { checkInt, generatedClientId } from './args';
import { CallbackMode, callbackMode } from './callbackArgs';
import type { OutgoingStore } from '../store/types';
import type { Transport } from '../transport/types';
import { checkServers, Server, ServerOption } from './servers';

/** Where and how to connect; passed to a custom `createTransport`. */
export interface ConnectTarget {
  /** Broker host name or address (the socket path for 'unix'). */
  host: string;
  /** Broker port. */
  port: number;
  /** Local address to bind to ('' for any). */
  bindAddress: string;
  /** Local port to bind to (0 for any). */
  bindPort: number;
  /** 'tcp', 'websockets' or 'unix'. */
  transport: ClientOptions['transport'];
  /** How long opening the connection may take, in milliseconds. */
  connectTimeoutMs: number;
}

/** new Client()'s options: paho's constructor arguments, camelCased, and mqttloop's own. */
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
  /** Passed to every callback as its second argument (paho's userdata; default null). */
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
  /** Advanced: a random source in [0, 1) for the reconnect jitter (default Math.random); a seeded one makes delays repeatable. */
  random?: () => number;
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
  /**
   * A failover list: each connection attempt, the first and every reconnect, takes the next
   * server, wrapping; `client.host`/`client.port` say which one is in use. Entries are
   * `{ host, port?, transport?, tls? }` or URLs: 'mqtt://h:1883', 'mqtts://h:8883', 'ws://h:80/mqtt',
   * 'wss://h', 'unix:///path/to/socket'. connect() with no host then uses the list; connect(host)
   * connects to that one server instead. In the background modes a failed attempt moves to
   * the next server at once, and the reconnect delay is waited once a whole round of the list
   * has failed. See README "Operating a fleet".
   */
  servers?: ReadonlyArray<ServerOption | string>;
  /**
   * MQTT 5: when a CONNACK or DISCONNECT says 0x9C Use another server or 0x9D Server moved with
   * a Server Reference, the next attempt goes to that server (default false: not followed).
   */
  followServerReference?: boolean;
  /**
   * Opt-in (default false: paho's MQTT_ERR_NO_CONN). QoS 0 published with no accepted connection
   * (before the first connect, during a reconnect's backoff, before CONNACK) is queued within the
   * maxQueuedQos0Set() bounds and its queue-full policy, and sent in order right after CONNACK,
   * ahead of later publishes. publish() returns rc MQTT_ERR_SUCCESS for a queued message (its
   * info is published once written) and MQTT_ERR_QUEUE_SIZE when the queue is full. A
   * connection lost keeps what is still queued; disconnect() drops it (rc MQTT_ERR_NO_CONN).
   */
  offlineQos0?: boolean;
}

/** Every key ClientOptions has: anything else is a typo (paho's constructor raises TypeError for it). */
const CLIENT_OPTION_KEYS: ReadonlySet<string> = new Set<keyof ClientOptions>([
  'clientId', 'cleanSession', 'callbackApiVersion', 'userdata', 'protocol', 'transport', 'reconnectOnFailure',
  'store', 'createTransport', 'clock', 'random', 'maxPacketSize', 'manualAck', 'autoTopicAlias',
  'servers', 'followServerReference', 'offlineQos0',
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

/** Where enableLogger() sends log lines: `console`, or any object with these four methods (pino, winston, ...). */
export interface Logger {
  /** MQTT_LOG_DEBUG lines. */
  debug(...args: unknown[]): void;
  /** MQTT_LOG_INFO and MQTT_LOG_NOTICE lines. */
  info(...args: unknown[]): void;
  /** MQTT_LOG_WARNING lines. */
  warn(...args: unknown[]): void;
  /** MQTT_LOG_ERR lines. */
  error(...args: unknown[]): void;
}

/**
 * The Client constructor's forms: (), ('id'), ({ ... }), and paho 2.x's positional
 * (CallbackAPIVersion.VERSION2, 'id' | { ... }). A version number first is never mistaken
 * for a client id (ids are strings).
 */
export function parseClientArgs(first: unknown, second: unknown): ClientOptions {
  if (isCallbackAPIVersion(first)) {
    const rest = typeof second === 'string' ? { clientId: second } : (second as ClientOptions | undefined) ?? {};
    return { ...rest, callbackApiVersion: first };
  }
  if (typeof first === 'number') throw new ValueError(`callbackApiVersion: must be CallbackAPIVersion.VERSION1 (1) or VERSION2 (2), got ${first}`);
  if (typeof first === 'string') return { clientId: first };
  if (first !== undefined && first !== null && typeof first !== 'object') throw new ValueError(`opts: must be an options object or a client id, got ${typeof first}`);
  return (first as ClientOptions | undefined) ?? {};
}

/** ClientOptions checked, with their defaults filled in. */
export interface ResolvedOptions {
  mode: CallbackMode;
  protocol: ProtocolLevel;
  transport: 'tcp' | 'websockets' | 'unix';
  cleanSession: boolean;
  clientId: string;
  maxPacketSize: number;
  manualAck: boolean;
  autoTopicAlias: boolean;
  reconnectOnFailure: boolean;
  userdata: unknown;
  clock: () => number;
  random: () => number;
  store: OutgoingStore | undefined;
  createTransport: ((target: ConnectTarget) => Transport) | undefined;
  /** The failover list; null: connect()'s host only. */
  servers: Server[] | null;
  followServerReference: boolean;
  offlineQos0: boolean;
}

/** Checks the constructor's options (a ValueError naming the first bad one) before anything is set. */
export function resolveClientOptions(o: ClientOptions): ResolvedOptions {
  checkClientOptionNames(o);
  const protocol = o.protocol ?? MQTTv311;
  if (protocol !== MQTTv31 && protocol !== MQTTv311 && protocol !== MQTTv5) {
    throw new ValueError(`protocol: must be MQTTv31 (3), MQTTv311 (4) or MQTTv5 (5), got ${String(protocol)}`);
  }
  const api = o.callbackApiVersion ?? CallbackAPIVersion.VERSION1;
  if (!isCallbackAPIVersion(api)) {
    throw new ValueError(`callbackApiVersion: must be CallbackAPIVersion.VERSION1 (1) or VERSION2 (2), got ${String(api)}`);
  }
  if (protocol === MQTTv5 && o.cleanSession !== undefined) {
    throw new ValueError('cleanSession: not used with MQTTv5; give connect() a cleanStart instead');
  }
  const transport = checkTransport(o.transport);
  const cleanSession = o.cleanSession ?? true;
  let clientId = o.clientId ?? '';
  if (typeof clientId !== 'string') throw new ValueError(`clientId: must be a string, got ${typeof clientId}`);
  if (clientId === '') {
    if (!cleanSession) throw new ValueError('cleanSession: false needs a clientId (without one the broker makes a new session each time)');
    // As paho: CONNECT carries the empty id and the broker assigns one per connection;
    // 3.1 forbids an empty id, so there one is generated now.
    if (protocol === MQTTv31) clientId = generatedClientId();
  }
  const maxPacketSize = o.maxPacketSize ?? 0;
  if (maxPacketSize !== 0) checkInt(maxPacketSize, 'maxPacketSize', 2, 268435460);
  if (o.manualAck !== undefined && typeof o.manualAck !== 'boolean') throw new ValueError(`manualAck: must be true or false, got ${typeof o.manualAck}`);
  if (o.autoTopicAlias !== undefined && typeof o.autoTopicAlias !== 'boolean') throw new ValueError(`autoTopicAlias: must be true or false, got ${typeof o.autoTopicAlias}`);
  if (o.offlineQos0 !== undefined && typeof o.offlineQos0 !== 'boolean') throw new ValueError(`offlineQos0: must be true or false, got ${typeof o.offlineQos0}`);
  if (o.random !== undefined && typeof o.random !== 'function') throw new ValueError(`random: must be a function returning a number in [0, 1), got ${typeof o.random}`);
  const servers = o.servers === undefined ? null : checkServers(o.servers);
  if (o.followServerReference !== undefined && typeof o.followServerReference !== 'boolean') {
    throw new ValueError(`followServerReference: must be true or false, got ${typeof o.followServerReference}`);
  }
  return {
    servers, followServerReference: o.followServerReference === true,
    mode: callbackMode(protocol === MQTTv5, api === CallbackAPIVersion.VERSION2),
    protocol: protocol as ProtocolLevel, transport, cleanSession, clientId, maxPacketSize,
    manualAck: o.manualAck === true, autoTopicAlias: o.autoTopicAlias ?? true, reconnectOnFailure: o.reconnectOnFailure !== false,
    userdata: o.userdata ?? null, clock: o.clock ?? monotonicMs, random: o.random ?? Math.random, store: o.store, createTransport: o.createTransport,
    offlineQos0: o.offlineQos0 === true,
  };
}

/** The default clock: one function shared by every client, not a closure each. */
const monotonicMs = (): number => performance.now();
