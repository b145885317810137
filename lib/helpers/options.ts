/**
 * What the one-shot helpers (mqttloop/publish, mqttloop/subscribe) share: their options
 * (paho's keyword arguments, camelCased), building the Client from them, and waiting for
 * the CONNACK.
 */
import type * as tls from 'node:tls';
import { Client } from '../client';
import { checkInt } from '../client/args';
import type { PayloadLike } from '../client/payload';
import { MQTTv311, MQTTv5 } from '../constants';
import { ValueError } from '../errors';
import type { OutgoingStore } from '../store/types';
import { isSecureContext, TlsSetOptions } from '../transport/tlsOptions';
import type { PacketProperties } from '../protocol/types';
import { didYouMean } from '../closestName';
import type { ProxyArgs } from '../transport/proxyArgs';
import { codeValue, connackReason, connackRefused, ConnectError } from '../aio/errors';

/** The will: `{ topic, payload?, qos?, retain?, properties? }` (paho's `will` dict: will_set()'s arguments). */
export interface HelperWill {
  /** Topic of the will. */
  topic: string;
  /** Payload of the will (default empty). */
  payload?: PayloadLike;
  /** QoS of the will (default 0). */
  qos?: number;
  /** Publish the will retained (default false). */
  retain?: boolean;
  /** MQTT 5: the will's properties (a Properties of PacketTypes.WILLMESSAGE). */
  properties?: PacketProperties;
}

/** Credentials (paho's `auth` dict); `username` is required. */
export interface HelperAuth {
  /** User name. */
  username: string;
  /** Password (default none). */
  password?: string | Buffer | null;
}

/** TLS settings (paho's `tls` dict): tlsSet()'s options plus `insecure` (tlsInsecureSet). */
export interface HelperTls extends TlsSetOptions {
  /** true: skip the host-name check (the chain is still verified). */
  insecure?: boolean;
}

/** Options common to every helper (paho's keyword arguments). */
export interface HelperOptions {
  /** Broker host (default 'localhost'). */
  hostname?: string;
  /** Broker port (default 1883). */
  port?: number;
  /** Client id; empty or absent: a random one. */
  clientId?: string;
  /** Keepalive in seconds (default 60). */
  keepalive?: number;
  /** A will to set (paho's `will` dict); default none. */
  will?: HelperWill | null;
  /** Credentials (paho's `auth` dict); default none. */
  auth?: HelperAuth | null;
  /**
   * TLS: tlsSet() options plus `insecure` (paho's dict); or a ready tls.SecureContext (paho's
   * SSLContext, given to tlsSetContext); or `{ context }` holding a tls.SecureContext or tls.ConnectionOptions.
   */
  tls?: HelperTls | tls.SecureContext | {
    /** A tls.SecureContext or tls.ConnectionOptions, given to tlsSetContext(). */
    context: tls.SecureContext | tls.ConnectionOptions;
  } | null;
  /** MQTTv31, MQTTv311 (default) or MQTTv5. */
  protocol?: number;
  /** 'tcp' (default), 'websockets', or 'unix' (then `hostname` is the socket's path), in any case. */
  transport?: 'tcp' | 'websockets' | 'unix';
  /** Clean session flag (default true). */
  cleanSession?: boolean;
  /** Outgoing-message store (default: in memory). */
  store?: OutgoingStore;
  /** Connect through a proxy: Client.proxySet()'s argument (paho's `proxy_args` dict). */
  proxyArgs?: ProxyArgs | null;
}

const COMMON_KEYS = ['hostname', 'port', 'clientId', 'keepalive', 'will', 'auth', 'tls', 'protocol', 'transport', 'cleanSession', 'store', 'proxyArgs'];

/** Throws ValueError for an option the helper does not know (a typo would otherwise be silently ignored). */
export function checkKeys(opts: object, extra: string[], helper: string): void {
  if (opts === null || typeof opts !== 'object') throw new ValueError(`options: must be an object, got ${typeof opts}`);
  const known = new Set([...COMMON_KEYS, ...extra]);
  for (const key of Object.keys(opts)) {
    if (!known.has(key)) throw new ValueError(`${key}: not an option of ${helper}()${didYouMean(key, known)}; options are ${[...known].join(', ')}`);
  }
}

const WILL_KEYS = ['topic', 'payload', 'qos', 'retain', 'properties'];
const AUTH_KEYS = ['username', 'password'];

/** A dict option's keys (will, auth): paho hands them on as keyword arguments, so a stray one is an error there too. */
function checkDictKeys(value: object, known: string[], option: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ValueError(`${option}: unknown key '${key}'${didYouMean(key, known)}; keys are ${known.join(', ')}`);
  }
}

/** Applies the `tls` option: paho's dict (tlsSet + insecure), or a ready context (tlsSetContext). */
function applyTls(client: Client, value: NonNullable<HelperOptions['tls']>): void {
  if (isSecureContext(value)) {
    client.tlsSetContext(value);
  } else if (typeof value === 'object' && 'context' in value) {
    client.tlsSetContext((value as { context: tls.SecureContext | tls.ConnectionOptions }).context);
  } else {
    const { insecure, ...rest } = value as HelperTls;
    client.tlsSet(rest);
    if (insecure) client.tlsInsecureSet(true);
  }
}

/** A Client configured from the options: will, auth, TLS, protocol, transport. */
export function makeClient(opts: HelperOptions, userdata: unknown, reconnectOnFailure: boolean): Client {
  const client = new Client({
    clientId: opts.clientId ?? '', userdata, protocol: opts.protocol ?? MQTTv311,
    // MQTT 5 has no Clean Session option (connect()'s cleanStart defaults to a clean first start).
    cleanSession: opts.protocol === MQTTv5 ? undefined : opts.cleanSession ?? true,
    transport: opts.transport ?? 'tcp', reconnectOnFailure, store: opts.store,
  });
  const { will, auth } = opts;
  if (will !== undefined && will !== null) {
    if (typeof will !== 'object' || Array.isArray(will)) throw new ValueError('will: must be { topic, payload?, qos?, retain?, properties? }');
    checkDictKeys(will, WILL_KEYS, 'will');
    if (!('topic' in will)) throw new ValueError("will: the 'topic' key is required");
    client.willSet(will.topic, will.payload, will.qos ?? 0, will.retain ?? false, will.properties);
  }
  if (auth) {
    if (typeof auth !== 'object' || Array.isArray(auth)) throw new ValueError('auth: must be { username, password? }');
    checkDictKeys(auth, AUTH_KEYS, 'auth');
    if (typeof auth.username !== 'string' || auth.username === '') throw new ValueError("auth: the 'username' key is required");
    client.usernamePwSet(auth.username, auth.password ?? null);
  }
  if (opts.tls) applyTls(client, opts.tls);
  if (opts.proxyArgs) client.proxySet(opts.proxyArgs);
  return client;
}

export function target(opts: HelperOptions): { host: string; port: number; keepalive: number } {
  const host = opts.hostname ?? 'localhost';
  const port = opts.port ?? 1883;
  const keepalive = opts.keepalive ?? 60;
  if (typeof host !== 'string' || host === '') throw new ValueError('hostname: must be a non-empty string');
  checkInt(port, 'port', 1, 65535);
  checkInt(keepalive, 'keepalive', 0, 65535);
  return { host, port, keepalive };
}

/** The ConnectError for a refused CONNACK: paho's connack_string() text, `returnCode` the code. */
export function refusedError(rc: number, protocol?: number): ConnectError {
  return new ConnectError(connackReason(rc, protocol), { returnCode: rc });
}

/** Opens the connection; a socket/TLS/WebSocket failure becomes a ConnectError naming the broker. */
export async function openConnection(client: Client, host: string, port: number, keepalive: number): Promise<void> {
  try {
    await client.connect(host, port, keepalive);
  } catch (e) {
    if (e instanceof ValueError) throw e;
    throw new ConnectError(`cannot connect to ${host}:${port}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Resolves on an accepted CONNACK; rejects with ConnectError on a refusal (the CONNACK
 * reason), or when the connection closes or times out first. Listeners are removed either way.
 */
export function waitConnack(client: Client, host: string, port: number, protocol?: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const off = (): void => {
      client.off('connect', onConnect);
      client.off('connect_fail', onFail);
      client.off('disconnect', onFail);
    };
    const onConnect = (_flags: unknown, rc: unknown): void => {
      off();
      const code = codeValue(rc);
      if (connackRefused(code, protocol)) reject(refusedError(code, protocol));
      else resolve();
    };
    const onFail = (): void => {
      off();
      reject(new ConnectError(`no CONNACK from ${host}:${port}: the connection closed or timed out first`));
    };
    client.on('connect', onConnect);
    client.on('connect_fail', onFail);
    client.on('disconnect', onFail);
  });
}

