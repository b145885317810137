/**
 * mqttloop/subscribe: paho's `subscribe` module. Subscribe and take messages without
 * writing a client.
 *
 * ```ts
 * import { simple, callback } from 'mqttloop/subscribe';
 * const msg = await simple('paho/test/simple', { hostname: 'localhost' });       // one MQTTMessage
 * const msgs = await simple(['a/#', 'b'], { msgCount: 5, qos: 1 });               // MQTTMessage[]
 * await callback((client, userdata, msg) => {
 *   console.log(msg.topic, msg.payload.toString());
 *   if (msg.payload.toString() === 'stop') client.disconnect();                  // ends the wait
 * }, 'paho/test/callback', { hostname: 'localhost' });
 * ```
 *
 * As in paho, both run the Client's reconnecting loop (loopForever): a lost connection is
 * re-established with backoff and the topics are subscribed again on every CONNACK (all
 * filters in one SUBSCRIBE, where paho sends one per filter). A broker that refuses the
 * connection (first time or later) ends them with ConnectError carrying the CONNACK reason;
 * a connection that cannot be opened at all rejects with ConnectError. An `AbortSignal` in
 * `opts.signal` stops them (disconnect, reject with the signal's reason): without one, like
 * paho's, they wait as long as it takes.
 *
 * @module mqttloop/subscribe
 */
import { Client } from '../client';
import { checkQos, normalizeUnsubscribe } from '../client/args';
import { MQTTv5 } from '../constants';
import { ValueError } from '../errors';
import type { MQTTMessage } from '../message';
import { codeValue, connackRefused } from '../aio/errors';
import { checkKeys, HelperOptions, makeClient, openConnection, refusedError, target } from './options';
import type { CallbackOnMessage } from '../client/callbackTypes';

export type { HelperAuth, HelperOptions, HelperTls, HelperWill } from './options';
export { ConnectError } from '../aio/errors';
// The types a callback's parameters are annotated with, for programs that import only this module.
export type { Client } from '../client';
export type { MQTTMessage } from '../message';

/** paho's on_message signature: `(client, userdata, message)` (userdata may be declared as its own type). May return a promise. */
export type MessageCallback = CallbackOnMessage<Client, unknown>;

/** Options of callback(): the common ones plus `qos` (of every subscription) and `userdata`. */
export interface CallbackOptions extends HelperOptions {
  /** QoS of the subscriptions (default 0). */
  qos?: number;
  /** Passed to the callback as its second argument (default null). */
  userdata?: unknown;
  /** Aborting it disconnects and rejects with the signal's reason (paho's version can only be killed). */
  signal?: AbortSignal;
}

/** Options of simple(): the common ones plus `qos`, `msgCount` and `retained`. */
export interface SimpleOptions extends HelperOptions {
  /** QoS of the subscriptions (default 0). */
  qos?: number;
  /** How many messages to wait for (default 1). 1: resolves to the message; more: to an array. */
  msgCount?: number;
  /**
   * true (default, as paho's code in 1.6 and 2.1): retained messages count, so a topic that
   * holds only a retained message gives it at once; false: messages with the retain flag
   * (stale ones the broker replays on subscribing) are skipped.
   */
  retained?: boolean;
  /** Aborting it disconnects and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Subscribes to `topics` and calls `cb(client, userdata, message)` for every message
 * (paho's subscribe.callback). paho's version blocks forever; this one returns a promise
 * that resolves when the callback calls `client.disconnect()`. An exception thrown by the
 * callback (or a rejected promise it returns) ends it too, rejecting with that error, as
 * paho's loop_forever raises it.
 *
 * @param topics a topic filter or a list of them, all subscribed with `opts.qos`.
 * @param opts `qos`, `userdata`, and hostname, port, clientId, keepalive, will, auth, tls,
 *   protocol, transport, cleanSession, store.
 */
export async function callback(cb: MessageCallback, topics: string | string[], opts: CallbackOptions = {}): Promise<void> {
  if (typeof cb !== 'function') throw new ValueError('callback: must be a function');
  checkKeys(opts, ['qos', 'userdata', 'signal'], 'callback');
  const { signal } = opts;
  signal?.throwIfAborted();
  const filters = normalizeUnsubscribe(topics); // a filter or a non-empty list of filters, each checked
  const qos = checkQos(opts.qos ?? 0);
  if (opts.protocol === MQTTv5 && opts.cleanSession !== undefined) {
    throw new ValueError('cleanSession: not used with MQTTv5 (paho raises ValueError too); leave it out');
  }
  const { host, port, keepalive } = target(opts);
  const { qos: _q, userdata, signal: _s, ...common } = opts;
  const client = makeClient(common, userdata ?? null, true);
  // paho's rule since 1.5.1: an exception in a callback ends loop_forever with it.
  client.suppressExceptions = false;
  let refused: Error | null = null;
  client.on('connect', (_flags: unknown, rc: unknown) => {
    const code = codeValue(rc);
    if (connackRefused(code, opts.protocol)) {
      refused ??= refusedError(code, opts.protocol);
      client.disconnect();
      return;
    }
    client.subscribe(filters.map((f) => [f, qos] as [string, number]));
  });
  client.on_message = (c: Client, u: unknown, msg: MQTTMessage) => cb(c, u, msg);
  const onAbort = (): void => {
    client.disconnect();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await openConnection(client, host, port, keepalive);
    await client.loopForever();
  } catch (e) {
    // The callback failed (the loop has stopped), or connecting did: close what is left open.
    client.disconnect();
    signal?.throwIfAborted();
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  signal?.throwIfAborted();
  if (refused !== null) throw refused;
}

/**
 * What simple() resolves to for a `msgCount` of type N: the message for 1, an array for any
 * other literal, either when the count is a `number` known only at run time.
 */
export type SimpleResult<N extends number> = number extends N ? MQTTMessage | MQTTMessage[] : N extends 1 ? MQTTMessage : MQTTMessage[];

/**
 * Subscribes to `topics`, waits for `msgCount` messages, disconnects and resolves with them
 * (paho's subscribe.simple): the MQTTMessage itself when msgCount is 1, else an array.
 *
 * @param topics a topic filter or a list of them, all subscribed with `opts.qos`.
 * @param opts `qos`, `msgCount`, `retained`, and hostname, port, clientId, keepalive, will,
 *   auth, tls, protocol, transport, cleanSession, store.
 */
export async function simple(topics: string | string[], opts?: SimpleOptions & { msgCount?: 1 }): Promise<MQTTMessage>;
export async function simple<N extends number>(topics: string | string[], opts: SimpleOptions & { msgCount: N }): Promise<SimpleResult<N>>;
export async function simple(topics: string | string[], opts?: SimpleOptions): Promise<MQTTMessage | MQTTMessage[]>;
export async function simple(topics: string | string[], opts: SimpleOptions = {}): Promise<MQTTMessage | MQTTMessage[]> {
  checkKeys(opts, ['qos', 'msgCount', 'retained', 'signal'], 'simple');
  const { msgCount = 1, retained = true, ...rest } = opts;
  if (typeof msgCount !== 'number' || !Number.isInteger(msgCount) || msgCount < 1) {
    throw new ValueError(`msgCount: must be an integer > 0, got ${String(msgCount)}`);
  }
  // As paho 2.x's simple(): MQTT 5 has no Clean Session flag, so the option is left out there.
  if (rest.protocol === MQTTv5) delete rest.cleanSession;
  const messages: MQTTMessage[] = [];
  let left = msgCount;
  await callback((client, _userdata, message) => {
    if (left === 0) return;
    if (message.retain && !retained) return; // a stale retained message
    messages.push(message);
    left--;
    if (left === 0) client.disconnect();
  }, topics, rest);
  return msgCount === 1 ? messages[0] : messages;
}
