/**
 * lib/aio/: MQTTClient, amqtt's promise API (`await connect(uri)`, `await publish()`,
 * `await deliverMessage()`), a thin layer over the paho-style Client's public API: the Client
 * does every byte, this folder turns its events into promises, and every promise settles (on
 * completion, its timeout, disconnect(), cancelTasks(), or a connection lost for good).
 * This file: the connection state machine and the public API. Beside it: target.ts (the broker
 * and the Client set up for it), reconnect.ts (the reconnection loop and backoff), waiters.ts
 * (pending promises and timers), requests.ts (SUBSCRIBE/UNSUBSCRIBE and the live subscriptions),
 * acks.ts (SUBACK/UNSUBACK waits), inbox.ts (received messages, with backpressure),
 * publishWait.ts (a publish's QoS flow), and amqtt's configuration, URIs, messages and errors (config.ts, configKeys.ts, uri.ts, message.ts, queue.ts, errors.ts).
 */
import { Client, ConnectFlags } from '../client';
import { checkNumber, checkQos, normalizeSubscriptions, normalizeUnsubscribe, randomClientId } from '../client/args';
import { closeClient } from '../client/close';
import { checkProperties } from '../client/mqtt5Args';
import { PayloadLike, toPayload } from '../client/payload';
import { CONNACK_ACCEPTED, MQTT_ERR_CONN_LOST, MQTT_ERR_CONN_REFUSED, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTTv5 } from '../constants';
import { ValueError } from '../errors';
import type { MQTTMessage } from '../message';
import { validateTopicName } from '../protocol/topics';
import type { PacketProperties } from '../protocol/types';
import { PacketTypes } from '../mqtt5/packetTypes';
import { SubscribeOptions } from '../mqtt5/subscribeOptions';
import { errorString } from '../strings';
import { checkConfig, connectKeepalive, DEFAULTS, MQTTClientConfig, publishDefaults, ResolvedConfig, stripUndefined } from './config';
import { AmqttConfigKeys, inCallersWords, readConfigKeys } from './configKeys';
import { asClientError, ClientError, codeValue, connackReason, connackRefused, ConnectError } from './errors';
import { ApplicationMessage, OutgoingApplicationMessage } from './message';
import { AckWaits, unsubackCodes } from './acks';
import { Inbox } from './inbox';
import { PublishWaits } from './publishWait';
import { Reconnection } from './reconnect';
import { LiveSubscriptions, requestSubscribe, requestUnsubscribe } from './requests';
import { clientFor, resolveTarget, Target } from './target';
import { Settler, Timers, Waiters } from './waiters';

export type { MQTTClientBroker, MQTTClientConfig, MQTTClientTopic, MQTTClientWill } from './config';
export type { AmqttConfigKeys } from './configKeys';

type State = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

type ConnackWaiter = Settler<{ flags: ConnectFlags; rc: number }>;

/**
 * The promise-based MQTT client (amqtt's MQTTClient).
 *
 * ```ts
 * const c = new MQTTClient();
 * await c.connect('mqtt://localhost:1883/');
 * await c.subscribe([['a/#', QOS_1]]);
 * await c.publish('a/b', Buffer.from('x'), QOS_2);
 * const m = await c.deliverMessage(5);
 * await c.disconnect();
 * ```
 */
export class MQTTClient {
  /** The client identifier sent in CONNECT (random, 'mqttloop-...', when none is given). */
  readonly clientId: string;
  /** The configuration in force (defaults filled in). */
  readonly config: Readonly<ResolvedConfig>;
  /**
   * Always 0 since the buffer applies backpressure instead of dropping (see
   * `maxBufferedMessages`); kept so code reading it still works.
   */
  droppedMessages = 0;

  private client: Client | null = null;
  private target: Target | null = null;
  private state: State = 'idle';
  private closedByUser = false;
  private connack: ConnackWaiter | null = null;
  /** MQTT 5 CONNECT properties of the current connect() (sent again on reconnects). */
  private connectProperties: PacketProperties | undefined = undefined;
  /** topic filter -> QoS of the live subscriptions, re-issued after a reconnect without a session. */
  private readonly subscriptions: LiveSubscriptions = new Map();
  /** Received messages and the readers waiting for them. */
  private readonly inbox: Inbox;
  /** subscribe()/unsubscribe()/ping() calls by packet id. */
  private readonly ackWaiters = new AckWaits();
  /** publish() calls waiting for their QoS flow. */
  private readonly publishWaiters: PublishWaits;
  /** Calls waiting for the outcome of connect() or a reconnection. */
  private readonly connWaiters = new Waiters<Settler>();
  private readonly timers = new Timers();
  private readonly reconnection: Reconnection;

  /**
   * amqtt's `MQTTClient(client_id, config)`: checks the configuration; connect() opens the connection.
   * @param clientId MQTT client id; absent or empty: a random one.
   * @param config amqtt's client configuration, with amqtt's keys (`keep_alive`) or camelCased ones (see MQTTClientConfig).
   */
  constructor(clientId?: string | null, config?: MQTTClientConfig & AmqttConfigKeys) {
    if (clientId !== undefined && clientId !== null && typeof clientId !== 'string') {
      throw new ValueError(`clientId: must be a string, got ${typeof clientId}`);
    }
    this.clientId = clientId ? clientId : randomClientId();
    const spelling = new Map<string, string>();
    const given = readConfigKeys(config ?? {}, spelling);
    this.config = inCallersWords(spelling, () => checkConfig({ ...DEFAULTS, ...stripUndefined(given) }));
    this.publishWaiters = new PublishWaits(this.timers);
    this.inbox = new Inbox(this.config.maxBufferedMessages, this.timers, this.config.logger);
    this.reconnection = new Reconnection(this.config.reconnectRetries, this.config.reconnectMaxInterval, this.config.reconnectJitter);
  }

  /** True while connected to the broker (CONNACK accepted, connection up). */
  get connected(): boolean {
    return this.state === 'connected';
  }

  /** Received messages waiting for deliverMessage()/messages(). */
  get bufferedMessages(): number {
    return this.inbox.length;
  }

  // ---- connection ----------------------------------------------------------------------------

  /**
   * Connects to a broker (amqtt's connect): opens the network connection for the URI's scheme
   * (mqtt, mqtts, ws, wss; `user:password@` in the URI are the credentials), sends CONNECT and
   * resolves with the CONNACK return code (0). Rejects with ConnectError when the connection
   * fails or the broker refuses it (`returnCode`); with `autoReconnect` on, a failure is
   * retried first, as reconnect() does.
   *
   * @param uri broker URI; default: `config.broker.uri`.
   * @param cleansession clean session flag; default: `config.cleansession` (true).
   * @param cafile CA file to verify the broker with (mqtts/wss); default: `config.broker.cafile`.
   * @param capath directory of CA files; default: `config.broker.capath`.
   * @param cadata CA certificates as PEM text; default: `config.broker.cadata`.
   * @param additionalHeaders extra HTTP headers for the WebSocket handshake (ws/wss).
   */
  async connect(
    uri?: string | null, cleansession?: boolean | null, cafile?: string | null, capath?: string | null,
    cadata?: string | null, additionalHeaders?: Record<string, string> | null, properties?: PacketProperties | null,
  ): Promise<number> {
    const target = resolveTarget(this.config, uri, cleansession, cafile, capath, cadata, additionalHeaders);
    if (this.client !== null) await this.retire(new ClientError('connect() was called again'));
    this.closedByUser = false;
    this.subscriptions.clear();
    this.target = target;
    this.connectProperties = properties ?? this.config.connectProperties;
    this.client = this.makeClient(target);
    try {
      return await this.doConnect(false);
    } catch (e) {
      if (this.closedByUser || !this.config.autoReconnect || this.client === null || e instanceof ValueError) {
        this.giveUp(e);
        throw e;
      }
      this.log('warn', `Connection failed: ${(e as Error).message}; reconnecting`);
      return this.runReconnect(undefined);
    }
  }

  /**
   * Reconnects to the broker of the last connect() (amqtt's reconnect): resolves with the
   * CONNACK code once connected, trying up to `1 + reconnectRetries` times with
   * min(reconnectMaxInterval, 2**n) seconds between attempts; then rejects with ConnectError.
   * Already connected: resolves 0 at once. Subscriptions are re-issued when the broker has
   * no session for us (CONNACK sessionPresent = 0).
   *
   * @param cleansession clean session flag for this and later connections; default: as before.
   *   A different flag starts a new Client: its unacknowledged messages fail.
   */
  reconnect(cleansession?: boolean | null): Promise<number> {
    if (this.state === 'connected') {
      this.log('warn', 'reconnect(): already connected');
      return Promise.resolve(CONNACK_ACCEPTED);
    }
    if (this.target === null || this.client === null) return Promise.reject(new ClientError('reconnect(): connect() first', { rc: MQTT_ERR_NO_CONN }));
    if (this.state === 'connecting') {
      // connect() is still at work (and retries itself with autoReconnect): share its outcome.
      return new Promise<number>((resolve, reject) => {
        this.connWaiters.add({ resolve: () => resolve(CONNACK_ACCEPTED), reject });
      });
    }
    return this.runReconnect(cleansession ?? undefined);
  }

  /** Starts the reconnection loop, or joins the one running. */
  private runReconnect(cleansession: boolean | undefined): Promise<number> {
    return this.reconnection.join(() => this.reconnectLoop(cleansession));
  }

  /** A new Client first when the cleansession flag changes; then the attempts (reconnect.ts). */
  private async reconnectLoop(cleansession: boolean | undefined): Promise<number> {
    const target = this.target!;
    if (cleansession !== undefined && cleansession !== target.cleansession) {
      await this.retire(new ClientError('reconnect() with another cleansession flag'));
      target.cleansession = cleansession;
      this.client = this.makeClient(target);
    }
    this.closedByUser = false;
    this.state = 'reconnecting';
    return this.reconnection.loop({
      attempt: () => this.doConnect(true),
      stopped: () => this.closedByUser,
      giveUp: (cause) => this.giveUp(cause),
      log: (level, text) => this.log(level, text),
    });
  }

  /** One attempt: open, CONNECT, wait for CONNACK; re-subscribe after a reconnect without a session. */
  private async doConnect(isReconnect: boolean): Promise<number> {
    const client = this.client!;
    const { uri } = this.target!;
    this.state = isReconnect ? 'reconnecting' : 'connecting';
    const ack = new Promise<{ flags: ConnectFlags; rc: number }>((resolve, reject) => {
      this.connack = { resolve, reject };
    });
    ack.catch(() => undefined); // observed below; a failed open() leaves it unsettled
    client.loopStart(); // after disconnect() the loop is stopped; already running: a no-op
    try {
      if (this.config.protocol === MQTTv5) {
        // MQTT 5: amqtt's cleansession is the Clean Start flag of every attempt.
        await client.connect(uri.host, uri.port, connectKeepalive(this.config), '', 0, this.target!.cleansession, this.connectProperties);
      } else {
        await client.connect(uri.host, uri.port, connectKeepalive(this.config));
      }
    } catch (e) {
      this.connack = null;
      if (e instanceof ValueError) throw e;
      throw new ConnectError(`cannot connect to ${uri.host}:${uri.port}: ${(e as Error).message}`, { cause: e });
    }
    const { flags, rc } = await ack;
    if (connackRefused(rc, this.config.protocol)) {
      throw new ConnectError(connackReason(rc, this.config.protocol), { returnCode: rc, rc: MQTT_ERR_CONN_REFUSED });
    }
    if (isReconnect && !flags.sessionPresent && this.subscriptions.size > 0) {
      const subs = [...this.subscriptions].map(([topic, qos]) => ({ topic, qos: qos as 0 | 1 | 2 }));
      this.log('info', `No session on the broker: re-subscribing to ${subs.length} topic filter(s)`);
      await requestSubscribe(client, this.ackWaiters, this.subscriptions, subs);
    }
    if (this.client !== client || this.closedByUser) throw new ClientError('connection attempt superseded');
    this.state = 'connected';
    for (const w of this.connWaiters.takeAll()) w.resolve();
    return rc;
  }

  /**
   * What runs when the connection drops (amqtt's handle_connection_close): pending
   * subscribe/unsubscribe calls fail with ClientError; then, with `autoReconnect`, reconnect()
   * runs, and the calls waiting for the connection go on once it succeeds; otherwise (or
   * when reconnecting gives up) the client is marked disconnected and every waiter fails
   * with ClientError.
   */
  async handleConnectionClose(): Promise<void> {
    if (this.state === 'connected') this.state = 'disconnected';
    this.ackWaiters.failAll(new ClientError('connection lost before the broker answered', { rc: MQTT_ERR_CONN_LOST }));
    if (this.config.autoReconnect && !this.closedByUser && this.client !== null) {
      this.log('warn', 'Disconnected from broker; auto-reconnecting');
      try {
        await this.runReconnect(undefined);
      } catch {
        // reconnectLoop() already failed every waiter (giveUp)
      }
      return;
    }
    this.log('warn', 'Disconnected from broker');
    this.giveUp(new ClientError('connection lost', { rc: MQTT_ERR_CONN_LOST }));
  }

  /**
   * Sends DISCONNECT and closes the connection (amqtt's disconnect). Everything still waiting
   * settles: deliverMessage() and pending publish/subscribe calls reject with ClientError,
   * messages() iterators end.
   *
   * @param properties MQTT 5 DISCONNECT properties (e.g. a SessionExpiryInterval, a UserProperty);
   *   on MQTT 3.x a ValueError, and the client stays as it is.
   */
  async disconnect(properties?: PacketProperties | null): Promise<void> {
    const props = checkProperties(properties, PacketTypes.DISCONNECT, this.config.protocol === MQTTv5);
    this.closedByUser = true;
    this.state = 'disconnected';
    const err = new ClientError('disconnected', { rc: MQTT_ERR_NO_CONN });
    this.reconnection.cancel(err);
    if (this.client !== null) await closeClient(this.client, undefined, props);
    this.giveUp(err);
    this.timers.clearAll();
  }

  /**
   * Cancels everything pending on this client (amqtt's cancel_tasks): deliverMessage() and
   * messages() waits, publish waits (the message itself stays with the Client), pending
   * subscribe/unsubscribe waits and a reconnection backoff all reject with ClientError, and
   * every timer of this client is cleared. The connection itself is left as it is.
   */
  async cancelTasks(): Promise<void> {
    const err = new ClientError('cancelled by cancelTasks()');
    this.reconnection.cancel(err);
    this.inbox.fail(err, false);
    this.publishWaiters.failAll(err);
    this.ackWaiters.failAll(err);
    this.timers.clearAll();
  }

  // ---- messages ------------------------------------------------------------------------------

  /**
   * Publishes a message and resolves once its QoS flow completes (QoS 0: written to the
   * socket; QoS 1: PUBACK; QoS 2: PUBCOMP), with the message sent. Concurrent calls overlap
   * (up to `maxInflightMessages` QoS 1/2 flows on the wire at once, 20 by default).
   *
   * Rejects with ValueError for bad arguments, ClientError when not connected (while a
   * reconnection is in progress it waits for its outcome, as amqtt does) or when the
   * connection is lost before the flow completes and is not resumed, and TimeoutError when
   * `ackTimeout` seconds pass first (the message stays queued in the Client: it may still
   * be delivered).
   *
   * @param qos default `config.defaultQos`; @param retain default `config.defaultRetain`.
   */
  async publish(topic: string, message: PayloadLike, qos?: number | null, retain?: boolean | null, ackTimeout?: number | null,
    properties?: PacketProperties | null): Promise<OutgoingApplicationMessage> {
    validateTopicName(topic, 'topic');
    const defaults = publishDefaults(this.config, topic);
    const q = checkQos(qos ?? defaults.qos);
    const r = !!(retain ?? defaults.retain);
    const data = toPayload(message, 'message');
    if (ackTimeout !== undefined && ackTimeout !== null) checkNumber(ackTimeout, 'ackTimeout', 0);
    const connecting = this.ensureConnected('publish');
    if (connecting) await connecting; // connected: no await, no extra microtask hop
    const info = this.client!.publish(topic, data, q, r, properties ?? undefined);
    if (info.rc !== MQTT_ERR_SUCCESS) throw new ClientError(`publish: ${errorString(info.rc)}`, { rc: info.rc });
    await this.publishWaiters.wait(info, ackTimeout ?? undefined);
    return new OutgoingApplicationMessage(q === 0 ? null : info.mid, topic, q, data, r, false, properties ?? undefined);
  }

  /**
   * Subscribes and resolves with the SUBACK return codes, one per filter (the granted QoS, or
   * 0x80 for a refusal). Rejects with ClientError when not connected or when the connection
   * is lost before SUBACK.
   *
   * @param topics `[[filter, qos], ...]`, e.g. `[['$SYS/broker/uptime', QOS_1], ['a/#', QOS_2]]`;
   *   with MQTT 5 a SubscribeOptions may stand for a qos.
   * @param properties MQTT 5 SUBSCRIBE properties (e.g. a SubscriptionIdentifier).
   */
  async subscribe(topics: Array<[string, number | SubscribeOptions]> | [string, number | SubscribeOptions], properties?: PacketProperties | null): Promise<number[]> {
    const subs = normalizeSubscriptions(topics, 0, this.config.protocol === MQTTv5);
    await this.ensureConnected('subscribe');
    return requestSubscribe(this.client!, this.ackWaiters, this.subscriptions, subs, properties ?? undefined);
  }

  /**
   * Unsubscribes and resolves once the broker's UNSUBACK arrives.
   * @param topics filters, e.g. `['a/#']`.
   * @param properties MQTT 5 UNSUBSCRIBE properties (e.g. a UserProperty); on MQTT 3.x a ValueError.
   */
  async unsubscribe(topics: string[] | string, properties?: PacketProperties | null): Promise<void> {
    const list = normalizeUnsubscribe(topics);
    await this.ensureConnected('unsubscribe');
    await requestUnsubscribe(this.client!, this.ackWaiters, this.subscriptions, list, properties ?? undefined);
  }

  /**
   * The next received message (amqtt's deliver_message): at once when one is buffered,
   * else when one arrives. Rejects with TimeoutError after `timeoutSeconds` (none: no
   * limit), with ClientError when not connected (buffered messages are still delivered) or
   * when the connection is lost for good.
   */
  deliverMessage(timeoutSeconds?: number | null): Promise<ApplicationMessage> {
    if (timeoutSeconds !== undefined && timeoutSeconds !== null) checkNumber(timeoutSeconds, 'timeoutSeconds', 0);
    const m = this.inbox.take();
    if (m !== undefined) return Promise.resolve(m);
    if (!this.connectedOrConnecting()) return Promise.reject(new ClientError('deliverMessage: not connected', { rc: MQTT_ERR_NO_CONN }));
    return this.inbox.next(timeoutSeconds);
  }

  /**
   * Received messages as an async iterator: `for await (const m of client.messages()) ...`.
   * Ends after disconnect() (once the buffered messages are read); throws ClientError when
   * not connected or when the connection is lost for good. Several iterators share one
   * stream: each message goes to one of them.
   */
  messages(): AsyncGenerator<ApplicationMessage, void, undefined> {
    return this.inbox.stream(() => this.closedByUser, () => this.connectedOrConnecting());
  }

  /**
   * Checks that the broker answers (amqtt's ping): resolves after a round trip to the
   * broker; rejects with ClientError when not connected or when the connection is lost first.
   * The Client has no public PINGREQ call, so the round trip is an UNSUBSCRIBE of a filter
   * this client never subscribes to (`mqttloop/ping/<random>`), answered by UNSUBACK. The
   * Client's own keepalive PINGREQs run regardless.
   */
  async ping(): Promise<void> {
    await this.ensureConnected('ping');
    const filter = `mqttloop/ping/${randomClientId().slice(9)}`;
    await requestUnsubscribe(this.client!, this.ackWaiters, this.subscriptions, [filter], undefined, 'ping');
  }

  // ---- internals: the Client -------------------------------------------------------------------

  /** A Client for `target` (target.ts) whose events settle this client's waiters; started in the background. */
  private makeClient(target: Target): Client {
    const { uri } = target;
    const client = clientFor(this.clientId, this.config, target);
    client.on('connect', (flags: ConnectFlags, rc: unknown) => {
      if (client === this.client) this.takeConnack()?.resolve({ flags, rc: codeValue(rc) });
    });
    client.on('connect_fail', () => {
      if (client === this.client) this.takeConnack()?.reject(new ConnectError(`no CONNACK from ${uri.host}:${uri.port}`));
    });
    client.on('disconnect', (rc: unknown) => {
      if (client !== this.client) return;
      this.ackWaiters.failAll(new ClientError('connection lost before the broker answered', { rc: MQTT_ERR_CONN_LOST }));
      const w = this.takeConnack();
      if (w !== null) {
        w.reject(new ConnectError(`connection to ${uri.host}:${uri.port} closed before CONNACK (rc ${codeValue(rc)})`));
        return;
      }
      if (this.state !== 'connected') return; // a refused CONNACK, a failed re-subscribe, disconnect()
      void this.handleConnectionClose();
    });
    client.on('subscribe', (mid: number, codes: unknown[]) => this.ackWaiters.settle(mid, codes));
    client.on('unsubscribe', (mid: number, _props: unknown, codes?: unknown) => this.ackWaiters.settle(mid, unsubackCodes(codes)));
    // An async handler: while the buffer is full it returns a promise, so the Client holds the
    // next messages (and their acks) and stops reading the socket: backpressure, nothing dropped.
    client.on_message = (_c: Client, _u: unknown, msg: MQTTMessage) => (client === this.client ? this.inbox.push(msg) : undefined);
    client.loopStart();
    return client;
  }

  /** Replaces the Client: the old one is closed and forgotten, its waiters fail. */
  private async retire(err: ClientError): Promise<void> {
    const old = this.client;
    this.client = null;
    this.state = 'disconnected';
    this.takeConnack()?.reject(err);
    this.ackWaiters.failAll(err);
    this.publishWaiters.failAll(err);
    if (old !== null) {
      await closeClient(old);
      old.removeAllListeners();
    }
  }

  /** The CONNACK waiter of the attempt in progress, taken out (so it settles once), or null. */
  private takeConnack(): ConnackWaiter | null {
    const w = this.connack;
    this.connack = null;
    return w;
  }

  // ---- internals: waiting ----------------------------------------------------------------------

  private connectedOrConnecting(): boolean {
    return this.state === 'connected' || this.state === 'connecting' || this.state === 'reconnecting';
  }

  /** Connected: go on. Connecting or reconnecting: wait for the outcome. Otherwise ClientError. */
  private ensureConnected(what: string): Promise<void> | void {
    if (this.state === 'connected') return;
    if (!this.connectedOrConnecting()) throw new ClientError(`${what}: not connected`, { rc: MQTT_ERR_NO_CONN });
    return new Promise<void>((resolve, reject) => {
      this.connWaiters.add({ resolve, reject: (e) => reject(asClientError(e, `${what}: not connected`)) });
    });
  }

  /** The connection is gone for good: every waiter fails. */
  private giveUp(cause: unknown): void {
    if (this.state !== 'connected') this.state = 'disconnected';
    const err = asClientError(cause, 'not connected');
    this.takeConnack()?.reject(err);
    for (const s of this.connWaiters.takeAll()) s.reject(err);
    this.ackWaiters.failAll(err);
    this.publishWaiters.failAll(err);
    this.inbox.fail(err, this.closedByUser);
  }

  private log(level: 'debug' | 'info' | 'warn', text: string): void {
    const lg = this.config.logger;
    if (lg) lg[level](`mqttloop: ${text}`);
  }

  /** @internal Sizes of internal collections, for leak checks in specs. */
  _debugSizes(): Record<string, number> {
    return {
      timers: this.timers.size + this.reconnection.sleeping, messageWaiters: this.inbox.waiting, ackWaiters: this.ackWaiters.size,
      publishWaiters: this.publishWaiters.size, connWaiters: this.connWaiters.size, buffered: this.inbox.length,
    };
  }
}

