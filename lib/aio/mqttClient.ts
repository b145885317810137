/**
 * MQTTClient: amqtt's promise API (`await connect(uri)`, `await publish()`,
 * `await deliverMessage()`) as a thin layer over the paho-style Client. No second protocol
 * engine: the Client (and its Session) does every byte; this file only turns its events into
 * settled promises.
 *
 * How it drives the Client:
 * - The Client runs in the background (loopStart()). It is built with
 *   `reconnectOnFailure: false`, so the Client never reconnects by itself: reconnection is
 *   amqtt's (min(reconnectMaxInterval, 2**n) s between attempts, at most reconnectRetries
 *   retries, then ConnectError), done here with the Client's connect(). One owner of
 *   reconnection means one backoff, a retry count, and a place to re-subscribe before the
 *   waiting calls go on.
 * - publish() waits on the MQTTMessageInfo (waitForPublish): resolved on PUBACK / PUBCOMP (QoS
 *   0: once written), rejected with ClientError if the flow can never complete.
 * - subscribe()/unsubscribe() wait for the Client's 'subscribe'/'unsubscribe' event with their
 *   mid; a lost connection rejects them with ClientError.
 * - Received messages go to a bounded buffer read by deliverMessage() and messages().
 *
 * Every promise settles: on completion, on its timeout, on disconnect(), on cancelTasks(),
 * or when the connection is lost and not re-established.
 */
import { Client, ConnectFlags } from '../client';
import { checkNumber, checkQos, normalizeSubscriptions, normalizeUnsubscribe, randomClientId } from '../client/args';
import { closeClient } from '../client/close';
import { PayloadLike, toPayload } from '../client/payload';
import { CONNACK_ACCEPTED, MQTT_ERR_CONN_LOST, MQTT_ERR_CONN_REFUSED, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTTv311, MQTTv5 } from '../constants';
import { ValueError } from '../errors';
import { MQTTMessage, MQTTMessageInfo } from '../message';
import { validateTopicName } from '../protocol/topics';
import type { PacketProperties, Subscription } from '../protocol/types';
import { SubscribeOptions } from '../mqtt5/subscribeOptions';
import { errorString } from '../strings';
import { checkConfig, connectKeepalive, DEFAULTS, MQTTClientConfig, publishDefaults, readCa, ResolvedConfig, stripUndefined } from './config';
import { AmqttConfigKeys, inCallersWords, readConfigKeys } from './configKeys';
import { ClientError, codeValue, connackReason, connackRefused, ConnectError, TimeoutError } from './errors';
import { ApplicationMessage, IncomingApplicationMessage, OutgoingApplicationMessage } from './message';
import { BoundedQueue } from './queue';
import { BrokerUri, parseBrokerUri } from './uri';
import { CERT_NONE } from '../transport/tlsOptions';

export type { MQTTClientBroker, MQTTClientConfig, MQTTClientTopic, MQTTClientWill } from './config';
export type { AmqttConfigKeys } from './configKeys';

type State = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

interface Target {
  uri: BrokerUri;
  cleansession: boolean;
  ca?: Buffer;
  additionalHeaders?: Record<string, string>;
}

interface MessageWaiter {
  /** messages() waiters end quietly on disconnect(); deliverMessage() waiters reject. */
  iterator: boolean;
  resolve(m: ApplicationMessage | null): void;
  reject(e: unknown): void;
  timer?: NodeJS.Timeout;
}

interface AckWaiter {
  kind: 'subscribe' | 'unsubscribe';
  resolve(codes: number[]): void;
  reject(e: unknown): void;
}

interface Settler {
  resolve(): void;
  reject(e: unknown): void;
}

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
  private reconnecting: Promise<number> | null = null;
  private connack: { resolve(v: { flags: ConnectFlags; rc: number }): void; reject(e: unknown): void } | null = null;
  /** topic filter -> QoS of the live subscriptions, re-issued after a reconnect without a session. */
  private readonly subscriptions = new Map<string, number>();
  private readonly buffer: BoundedQueue<ApplicationMessage>;
  /** The buffer is full: the Client's handler waits on this (backpressure) until a reader takes a message. */
  private room: { promise: Promise<void>; resolve(): void } | null = null;
  private messageWaiters: MessageWaiter[] = [];
  private readonly ackWaiters = new Map<number, AckWaiter>();
  private readonly publishWaiters = new Set<(e: Error) => void>();
  private readonly connWaiters = new Set<Settler>();
  private readonly sleepers = new Set<Settler & { timer: NodeJS.Timeout }>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
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
    this.buffer = new BoundedQueue(0); // bounded by backpressure (enqueue), never by dropping
  }

  /** True while connected to the broker (CONNACK accepted, connection up). */
  get connected(): boolean {
    return this.state === 'connected';
  }

  /** MQTT 5 CONNECT properties of the current connect() (sent again on reconnects). */
  private connectProperties: PacketProperties | undefined = undefined;
  /** Received messages waiting for deliverMessage()/messages(). */
  get bufferedMessages(): number {
    return this.buffer.length;
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
    const broker = this.config.broker ?? {};
    const u = uri ?? broker.uri;
    if (u === undefined || u === null) throw new ValueError('uri: no broker URI given and none in config.broker.uri');
    const parsed = parseBrokerUri(u);
    const target: Target = {
      uri: parsed,
      cleansession: cleansession ?? this.config.cleansession,
      additionalHeaders: additionalHeaders ?? undefined,
    };
    if (parsed.secure) target.ca = readCa(cafile ?? broker.cafile, capath ?? broker.capath, cadata ?? broker.cadata);
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
        const s: Settler = {
          resolve: () => { this.connWaiters.delete(s); resolve(CONNACK_ACCEPTED); },
          reject: (e) => { this.connWaiters.delete(s); reject(e); },
        };
        this.connWaiters.add(s);
      });
    }
    return this.runReconnect(cleansession ?? undefined);
  }

  /** Starts the reconnection loop, or joins the one running. */
  private runReconnect(cleansession: boolean | undefined): Promise<number> {
    if (this.reconnecting !== null) return this.reconnecting;
    const p = this.reconnectLoop(cleansession);
    this.reconnecting = p;
    const clear = (): void => {
      if (this.reconnecting === p) this.reconnecting = null;
    };
    p.then(clear, clear);
    return p;
  }

  private async reconnectLoop(cleansession: boolean | undefined): Promise<number> {
    const target = this.target!;
    if (cleansession !== undefined && cleansession !== target.cleansession) {
      await this.retire(new ClientError('reconnect() with another cleansession flag'));
      target.cleansession = cleansession;
      this.client = this.makeClient(target);
    }
    this.closedByUser = false;
    this.state = 'reconnecting';
    const retries = this.config.reconnectRetries;
    for (let attempt = 1; ; attempt++) {
      this.log('debug', `Reconnect attempt ${attempt}`);
      try {
        return await this.doConnect(true);
      } catch (e) {
        if (this.closedByUser) throw asClientError(e, 'reconnect: disconnect() was called');
        this.log('warn', `Reconnection attempt failed: ${(e as Error).message}`);
        if (retries >= 0 && retries < attempt) {
          const err = new ConnectError(`Too many failed attempts (${attempt}): ${(e as Error).message}`, {
            cause: e, returnCode: (e as ConnectError).returnCode, rc: (e as ConnectError).rc,
          });
          this.giveUp(err);
          throw err;
        }
        const delay = Math.min(this.config.reconnectMaxInterval, 2 ** attempt);
        this.log('debug', `Waiting ${delay} s before the next attempt`);
        try {
          await this.sleep(delay * 1000);
        } catch (cancelled) {
          this.giveUp(cancelled);
          throw cancelled;
        }
      }
    }
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
      await this.sendSubscribe(subs);
    }
    if (this.client !== client || this.closedByUser) throw new ClientError('connection attempt superseded');
    this.state = 'connected';
    for (const w of [...this.connWaiters]) w.resolve();
    this.connWaiters.clear();
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
    this.failAcks(new ClientError('connection lost before the broker answered', { rc: MQTT_ERR_CONN_LOST }));
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
   */
  async disconnect(): Promise<void> {
    this.closedByUser = true;
    this.state = 'disconnected';
    const err = new ClientError('disconnected', { rc: MQTT_ERR_NO_CONN });
    for (const s of [...this.sleepers]) s.reject(err);
    const client = this.client;
    if (client !== null) await closeClient(client);
    this.giveUp(err);
    this.clearTimers();
  }

  /**
   * Cancels everything pending on this client (amqtt's cancel_tasks): deliverMessage() and
   * messages() waits, publish waits (the message itself stays with the Client), pending
   * subscribe/unsubscribe waits and a reconnection backoff all reject with ClientError, and
   * every timer of this client is cleared. The connection itself is left as it is.
   */
  async cancelTasks(): Promise<void> {
    const err = new ClientError('cancelled by cancelTasks()');
    for (const s of [...this.sleepers]) s.reject(err);
    this.failMessageWaiters(err, false);
    this.failPublishes(err);
    this.failAcks(err);
    this.clearTimers();
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
    await this.waitPublished(info, ackTimeout ?? undefined);
    return new OutgoingApplicationMessage(q === 0 ? null : info.mid, topic, q, data, r, false, properties ?? undefined);
  }

  private waitPublished(info: MQTTMessageInfo, ackTimeout: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (err?: Error): void => {
        if (done) return;
        done = true;
        if (timer !== undefined) this.clearTimer(timer);
        this.publishWaiters.delete(settle);
        if (err) reject(err);
        else resolve();
      };
      this.publishWaiters.add(settle);
      if (ackTimeout !== undefined) {
        timer = this.setTimer(() => settle(new TimeoutError(`no acknowledgement for message ${info.mid} within ${ackTimeout} s`)), ackTimeout * 1000);
      }
      info._whenSettled((e) => {
        if (e === null) settle();
        else settle(new ClientError(`message ${info.mid} was not published: ${errorString(e.rc)}`, { cause: e, rc: e.rc }));
      });
    });
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
    return this.sendSubscribe(subs, properties ?? undefined);
  }

  private async sendSubscribe(subs: Subscription[], properties?: PacketProperties): Promise<number[]> {
    const [rc, mid] = this.client!.subscribe(subs.map((s) => [s.topic, subscribeQos(s)] as [string, number | SubscribeOptions]), 0, properties);
    if (rc !== MQTT_ERR_SUCCESS) throw new ClientError(`subscribe: ${errorString(rc)}`, { rc });
    const codes = await this.waitAck(mid, 'subscribe');
    subs.forEach((s, i) => {
      const code = codes[i];
      if (code !== undefined && code < 0x80) this.subscriptions.set(s.topic, s.qos);
    });
    return codes;
  }

  /** Unsubscribes and resolves once the broker's UNSUBACK arrives. @param topics filters, e.g. `['a/#']`. */
  async unsubscribe(topics: string[] | string): Promise<void> {
    const list = normalizeUnsubscribe(topics);
    await this.ensureConnected('unsubscribe');
    const [rc, mid] = this.client!.unsubscribe(list);
    if (rc !== MQTT_ERR_SUCCESS) throw new ClientError(`unsubscribe: ${errorString(rc)}`, { rc });
    await this.waitAck(mid, 'unsubscribe');
    for (const t of list) this.subscriptions.delete(t);
  }

  private waitAck(mid: number, kind: AckWaiter['kind']): Promise<number[]> {
    return new Promise<number[]>((resolve, reject) => {
      this.ackWaiters.set(mid, { kind, resolve, reject });
    });
  }

  /**
   * The next received message (amqtt's deliver_message): at once when one is buffered,
   * else when one arrives. Rejects with TimeoutError after `timeoutSeconds` (none: no
   * limit), with ClientError when not connected (buffered messages are still delivered) or
   * when the connection is lost for good.
   */
  deliverMessage(timeoutSeconds?: number | null): Promise<ApplicationMessage> {
    if (timeoutSeconds !== undefined && timeoutSeconds !== null) checkNumber(timeoutSeconds, 'timeoutSeconds', 0);
    const m = this.takeBuffered();
    if (m !== undefined) return Promise.resolve(m);
    if (!this.canReceive()) return Promise.reject(new ClientError('deliverMessage: not connected', { rc: MQTT_ERR_NO_CONN }));
    return new Promise<ApplicationMessage>((resolve, reject) => {
      const w: MessageWaiter = { iterator: false, resolve: resolve as (m: ApplicationMessage | null) => void, reject };
      if (timeoutSeconds !== undefined && timeoutSeconds !== null) {
        w.timer = this.setTimer(() => {
          this.removeMessageWaiter(w);
          reject(new TimeoutError(`no message within ${timeoutSeconds} s`));
        }, timeoutSeconds * 1000);
      }
      this.messageWaiters.push(w);
    });
  }

  /**
   * Received messages as an async iterator: `for await (const m of client.messages()) ...`.
   * Ends after disconnect() (once the buffered messages are read); throws ClientError when
   * not connected or when the connection is lost for good. Several iterators share one
   * stream: each message goes to one of them.
   */
  async *messages(): AsyncGenerator<ApplicationMessage, void, undefined> {
    for (;;) {
      const buffered = this.takeBuffered();
      if (buffered !== undefined) {
        yield buffered;
        continue;
      }
      if (this.closedByUser) return;
      if (!this.canReceive()) throw new ClientError('messages: not connected', { rc: MQTT_ERR_NO_CONN });
      const next = await new Promise<ApplicationMessage | null>((resolve, reject) => {
        this.messageWaiters.push({ iterator: true, resolve, reject });
      });
      if (next === null) return;
      yield next;
    }
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
    const [rc, mid] = this.client!.unsubscribe(filter);
    if (rc !== MQTT_ERR_SUCCESS) throw new ClientError(`ping: ${errorString(rc)}`, { rc });
    await this.waitAck(mid, 'unsubscribe');
  }

  // ---- internals: the Client -------------------------------------------------------------------

  private makeClient(target: Target): Client {
    const cfg = this.config;
    const { uri } = target;
    const client = new Client({
      clientId: this.clientId, cleanSession: cfg.protocol === MQTTv5 ? undefined : target.cleansession, protocol: cfg.protocol ?? MQTTv311,
      transport: uri.websocket ? 'websockets' : 'tcp', reconnectOnFailure: false, store: cfg.store,
    });
    if (cfg.logger) client.enableLogger(cfg.logger);
    client.maxInflightMessagesSet(cfg.maxInflightMessages);
    if (cfg.connectionTimeout !== undefined) client.connectTimeout = cfg.connectionTimeout;
    if (uri.username !== undefined) client.usernamePwSet(uri.username, uri.password ?? null);
    if (cfg.will) client.willSet(cfg.will.topic, cfg.will.message, cfg.will.qos ?? 0, cfg.will.retain ?? false);
    if (uri.secure) {
      client.tlsSet({ caCerts: target.ca ?? null, certfile: cfg.certfile ?? null, keyfile: cfg.keyfile ?? null, certReqs: cfg.verifyCert === false ? CERT_NONE : null });
      if (cfg.checkHostname === false) client.tlsInsecureSet(true);
    }
    if (uri.websocket) client.wsSetOptions(uri.path, target.additionalHeaders);

    client.on('connect', (flags: ConnectFlags, rc: unknown) => {
      const w = this.connack;
      if (w === null || client !== this.client) return;
      this.connack = null;
      w.resolve({ flags, rc: codeValue(rc) });
    });
    client.on('connect_fail', () => {
      const w = this.connack;
      if (w === null || client !== this.client) return;
      this.connack = null;
      w.reject(new ConnectError(`no CONNACK from ${uri.host}:${uri.port}`));
    });
    client.on('disconnect', (rc: unknown) => {
      if (client !== this.client) return;
      this.failAcks(new ClientError('connection lost before the broker answered', { rc: MQTT_ERR_CONN_LOST }));
      const w = this.connack;
      if (w !== null) {
        this.connack = null;
        w.reject(new ConnectError(`connection to ${uri.host}:${uri.port} closed before CONNACK (rc ${codeValue(rc)})`));
        return;
      }
      if (this.state !== 'connected') return; // a refused CONNACK, a failed re-subscribe, disconnect()
      void this.handleConnectionClose();
    });
    client.on('subscribe', (mid: number, codes: unknown[]) => this.settleAck(mid, codes));
    // MQTT 5 (paho 1.x form): one ReasonCodes for a single filter, else a list.
    client.on('unsubscribe', (mid: number, _props: unknown, codes?: unknown) => this.settleAck(mid, Array.isArray(codes) ? codes : codes === undefined ? [] : [codes]));
    // An async handler: while the buffer is full it returns a promise, so the Client holds the
    // next messages (and their acks) and stops reading the socket: backpressure, nothing dropped.
    client.on_message = (_c: Client, _u: unknown, msg: MQTTMessage) => (client === this.client ? this.enqueue(msg) : undefined);
    client.loopStart();
    return client;
  }

  /** Replaces the Client: the old one is closed and forgotten, its waiters fail. */
  private async retire(err: ClientError): Promise<void> {
    const old = this.client;
    this.client = null;
    this.state = 'disconnected';
    const w = this.connack;
    this.connack = null;
    w?.reject(err);
    this.failAcks(err);
    this.failPublishes(err);
    if (old !== null) {
      await closeClient(old);
      old.removeAllListeners();
    }
  }

  private settleAck(mid: number, codes: unknown[]): void {
    const w = this.ackWaiters.get(mid);
    if (w === undefined) return;
    this.ackWaiters.delete(mid);
    w.resolve(codes.map(codeValue));
  }

  /** Hands a received message to a waiting reader or the buffer; a promise (backpressure) when the buffer is full. */
  private enqueue(msg: MQTTMessage): Promise<void> | undefined {
    const m = new IncomingApplicationMessage(msg);
    const w = this.messageWaiters.shift();
    if (w !== undefined) {
      if (w.timer !== undefined) this.clearTimer(w.timer);
      w.resolve(m);
      return undefined;
    }
    this.buffer.push(m); // never over the limit: the Client waits on `room` before handing more
    if (this.buffer.length < this.config.maxBufferedMessages) return undefined;
    if (this.room === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.room = { promise, resolve };
      this.log('debug', `Message buffer full (${this.config.maxBufferedMessages}): reading paused until deliverMessage()/messages() take some`);
    }
    return this.room.promise;
  }

  /** A reader took a buffered message: let the Client hand over the next one. */
  private takeBuffered(): ApplicationMessage | undefined {
    const m = this.buffer.shift();
    if (m !== undefined && this.room !== null) {
      const r = this.room;
      this.room = null;
      r.resolve();
    }
    return m;
  }

  // ---- internals: waiting ----------------------------------------------------------------------

  private canReceive(): boolean {
    return this.state === 'connected' || this.state === 'connecting' || this.state === 'reconnecting';
  }

  /** Connected: go on. Connecting or reconnecting: wait for the outcome. Otherwise ClientError. */
  private ensureConnected(what: string): Promise<void> | void {
    if (this.state === 'connected') return;
    if (this.state !== 'connecting' && this.state !== 'reconnecting') {
      throw new ClientError(`${what}: not connected`, { rc: MQTT_ERR_NO_CONN });
    }
    return new Promise<void>((resolve, reject) => {
      const s: Settler = {
        resolve: () => { this.connWaiters.delete(s); resolve(); },
        reject: (e) => { this.connWaiters.delete(s); reject(asClientError(e, `${what}: not connected`)); },
      };
      this.connWaiters.add(s);
    });
  }

  /** The connection is gone for good: every waiter fails. */
  private giveUp(cause: unknown): void {
    if (this.state !== 'connected') this.state = 'disconnected';
    const err = asClientError(cause, 'not connected');
    const w = this.connack;
    this.connack = null;
    w?.reject(err);
    for (const s of [...this.connWaiters]) s.reject(err);
    this.connWaiters.clear();
    this.failAcks(err);
    this.failPublishes(err);
    this.failMessageWaiters(err, this.closedByUser);
  }

  private failAcks(err: Error): void {
    if (this.ackWaiters.size === 0) return;
    const ws = [...this.ackWaiters.values()];
    this.ackWaiters.clear();
    for (const w of ws) w.reject(err);
  }

  private failPublishes(err: Error): void {
    for (const settle of [...this.publishWaiters]) settle(err);
  }

  /** deliverMessage() waiters reject; messages() waiters end (`endIterators`) or reject. */
  private failMessageWaiters(err: Error, endIterators: boolean): void {
    const ws = this.messageWaiters;
    this.messageWaiters = [];
    for (const w of ws) {
      if (w.timer !== undefined) this.clearTimer(w.timer);
      if (w.iterator && endIterators) w.resolve(null);
      else w.reject(err);
    }
  }

  private removeMessageWaiter(w: MessageWaiter): void {
    const i = this.messageWaiters.indexOf(w);
    if (i >= 0) this.messageWaiters.splice(i, 1);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const s = {
        timer: setTimeout(() => { this.sleepers.delete(s); resolve(); }, ms),
        resolve,
        reject: (e: unknown) => { clearTimeout(s.timer); this.sleepers.delete(s); reject(e); },
      };
      this.sleepers.add(s);
    });
  }

  private setTimer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private clearTimer(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sleepers) clearTimeout(s.timer);
  }

  private log(level: 'debug' | 'info' | 'warn', text: string): void {
    const lg = this.config.logger;
    if (lg) lg[level](`mqttloop: ${text}`);
  }

  /** @internal Sizes of internal collections, for leak checks in specs. */
  _debugSizes(): Record<string, number> {
    return {
      timers: this.timers.size + this.sleepers.size, messageWaiters: this.messageWaiters.length, ackWaiters: this.ackWaiters.size,
      publishWaiters: this.publishWaiters.size, connWaiters: this.connWaiters.size, buffered: this.buffer.length,
    };
  }
}

function asClientError(e: unknown, fallback: string): ClientError {
  if (e instanceof ClientError) return e;
  return new ClientError(e instanceof Error ? `${fallback}: ${e.message}` : fallback, { cause: e });
}

/** A subscription as the Client takes it: its QoS, or SubscribeOptions when it has MQTT 5 options. */
function subscribeQos(s: Subscription): number | SubscribeOptions {
  if (!s.noLocal && !s.retainAsPublished && !s.retainHandling) return s.qos;
  return new SubscribeOptions(s.qos, !!s.noLocal, !!s.retainAsPublished, s.retainHandling ?? 0);
}
