/**
 * The Client's configuration surface, the first half of the facade: paho's *_set methods and
 * paho 2.x's settable properties, mqttloop's flow-control settings and counters, and the
 * transport settings (TLS, WebSockets, proxy). Each checks its arguments and writes to the
 * driver. Client (lib/client.ts) extends it with the callback slots, connecting, messages and
 * the loop; this class has no public members of its own beyond the API.
 */
import EventEmitter from 'eventemitter3';
import type * as tls from 'node:tls';
import { ValueError } from '../errors';
import { CallbackAPIVersion, CallbackAPIVersionValue } from '../mqtt5/callbackApi';
import { PacketTypes } from '../mqtt5/packetTypes';
import { validateTopicName } from '../protocol/topics';
import type { PacketProperties } from '../protocol/types';
import { defaultOutgoingLimits, OutgoingLimits, QueuePolicy } from '../session/queueLimits';
import type { ProxyArgs } from '../transport/proxyArgs';
import type { TlsSetOptions } from '../transport/tlsOptions';
import type { WsHeaders } from '../transport/websocket';
import { checkInt, checkNumber, checkQos } from './args';
import { checkReconnectDelayOptions, ReconnectDelayOptions } from './backoff';
import type { CallbackMode } from './callbackArgs';
import type { CallbackSource } from './callbacks';
import type { ClientEvents } from './callbackSignatures';
import { ClientDriver } from './driver';
import { checkProperties } from './mqtt5Args';
import type { Logger } from './options';
import { checkLogger, checkSettable, decodedOrNull } from './pahoProperties';
import { ReadBatching } from './readBatching';
import { PayloadLike, toPayload } from './payload';

export abstract class ClientSettings<V extends CallbackAPIVersionValue, P extends number, U> extends EventEmitter<ClientEvents<V, P, U>> {
  /** The session, the transport, the pump and its collaborators. */
  protected readonly driver: ClientDriver;

  constructor() {
    super();
    // The driver calls user code through the callback slots Client declares.
    this.driver = new ClientDriver(this as unknown as CallbackSource);
  }

  /** Which callback signatures, and which arguments, this Client takes (MQTT 5, VERSION2): the driver's. */
  protected get mode(): CallbackMode {
    return this.driver.mode;
  }

  // ---- paho's *_set methods, and mqttloop's flow-control settings and counters ------------------

  /**
   * Most QoS 1/2 messages in flight at once (default 20; 0 = no limit). Keep it within what
   * the broker accepts: mosquitto 2.0 takes 20 in-flight messages per client by default
   * (`max_inflight_messages`) and, on MQTT 3.1/3.1.1, acknowledges QoS 2 messages beyond
   * that with an ordinary PUBREC and drops them; MQTT 5 brokers announce their Receive
   * Maximum, which caps this window automatically.
   */
  maxInflightMessagesSet(inflight: number): void {
    this.driver.config.maxInflight = checkInt(inflight, 'inflight', 0, 65535);
  }

  /** Most unacknowledged QoS 1/2 messages held (default 0 = unlimited); beyond it publish() returns MQTT_ERR_QUEUE_SIZE. */
  maxQueuedMessagesSet(queueSize: number): void {
    this.driver.config.maxQueued = checkInt(queueSize, 'queueSize', 0, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Bytes (payload + topic) of unfinished QoS 1/2 messages held at most (default 0 =
   * unlimited); beyond it publish() returns MQTT_ERR_QUEUE_SIZE (or, with the 'drop-oldest'
   * policy, the oldest message never sent yet is dropped). Counts with maxQueuedMessagesSet.
   */
  maxQueuedBytesSet(bytes: number): void {
    this.outgoingLimits().maxQueuedBytes = checkInt(bytes, 'bytes', 0, Number.MAX_SAFE_INTEGER);
  }

  /** The session's outgoing limits, made by the first setter: until then the session applies the defaults (idle memory). */
  private outgoingLimits(): OutgoingLimits {
    return (this.driver.config.limits ??= defaultOutgoingLimits());
  }

  /**
   * Bound on QoS 0 messages waiting while the transport is over its write high-water mark
   * (defaults 10,000 messages and 16 MiB; 0 = unlimited). QoS 0 is otherwise written at once,
   * and refused with MQTT_ERR_NO_CONN while offline, as paho; with the option offlineQos0 it
   * waits in the same bounded queue while offline, until CONNACK.
   */
  maxQueuedQos0Set(messages: number, bytes?: number): void {
    const m = checkInt(messages, 'messages', 0, Number.MAX_SAFE_INTEGER);
    const lim = this.outgoingLimits();
    const b = bytes === undefined ? lim.maxQueuedQos0Bytes : checkInt(bytes, 'bytes', 0, Number.MAX_SAFE_INTEGER);
    lim.maxQueuedQos0 = m;
    lim.maxQueuedQos0Bytes = b;
  }

  /**
   * What publish() does when an outgoing bound is hit: 'reject-newest' (default, paho's
   * behaviour: rc MQTT_ERR_QUEUE_SIZE) or 'drop-oldest' (the oldest waiting message that was
   * never sent is dropped: its waitForPublish() rejects with PublishError rc
   * MQTT_ERR_QUEUE_SIZE). Every drop is counted (droppedMessages) and logged.
   */
  queuePolicySet(policy: QueuePolicy): void {
    if (policy !== 'reject-newest' && policy !== 'drop-oldest') {
      throw new ValueError(`policy: must be 'reject-newest' or 'drop-oldest', got ${JSON.stringify(policy)}`);
    }
    this.outgoingLimits().policy = policy;
  }

  /**
   * Unsent bytes the transport may hold (default 1 MiB): past it the client stops handing it
   * bytes until it drains; meanwhile QoS 1/2 wait in the session queue and QoS 0 in the QoS 0
   * queue (maxQueuedQos0Set).
   */
  writeHighWaterSet(bytes: number): void {
    this.driver.backpressure.writeHighWater = checkInt(bytes, 'bytes', 1, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Read batching (default 1 ms): while a dense stream of QoS 0 messages arrives (eight reads
   * in a row, each under 0.1 ms after the last or holding four messages or more), the client reads the socket at most once per
   * `maxDelayMs` instead of once per message, so the kernel gathers them into one read. A local
   * broker then spends about a third less CPU per message relaying to this client, and the
   * client far less reading. A message of such a stream may wait up to `maxDelayMs` longer;
   * QoS 1/2 traffic and slower streams are read at once. 0 turns it off.
   */
  readBatchingSet(maxDelayMs: number): void {
    const ms = checkInt(maxDelayMs, 'maxDelayMs', 0, 1000);
    const b = (this.driver.readBatching ??= new ReadBatching());
    b.maxDelayMs = ms;
    if (maxDelayMs === 0) b.readEagerly();
  }

  /**
   * Incoming high-water marks: when `messages` received messages wait for their handler, or
   * `bytes` received bytes wait to be decoded (loop() not called), the client stops reading
   * the socket (TCP then slows the broker); it reads again below half of both. Defaults
   * 1,000 messages and 1 MiB. Nothing is dropped.
   */
  maxIncomingSet(messages: number, bytes?: number): void {
    this.driver.flow.maxMessages = checkInt(messages, 'messages', 1, Number.MAX_SAFE_INTEGER);
    if (bytes !== undefined) this.driver.flow.maxBytes = checkInt(bytes, 'bytes', 1, Number.MAX_SAFE_INTEGER);
    this.driver.backpressure.updateReading();
  }

  /**
   * How many async message handlers may run at once (default 1: when on_message or a
   * messageCallbackAdd callback returns a promise, the next message waits until it settles,
   * in order, as paho calls on_message). Sync handlers are not affected.
   */
  messageConcurrencySet(n: number): void {
    this.driver.flow.concurrency = checkInt(n, 'n', 1, 65535);
    this.driver.delivery.runWaitingMessages();
  }

  /**
   * paho 2.x manual_ack_set: with `on`, delivered QoS 1/2 messages are acknowledged (PUBACK,
   * PUBCOMP) only when the application calls ack(mid, qos); a QoS 2 PUBREC goes out on receipt
   * and the message is delivered at PUBREL, as paho. Without it (default) the ack goes out
   * when the handler returns, or when the promise it returned settles.
   */
  manualAckSet(on: boolean): void {
    if (typeof on !== 'boolean') throw new ValueError(`on: must be true or false, got ${typeof on}`);
    this.driver.delivery.manualAck = on;
  }

  /** Outgoing messages waiting: unfinished QoS 1/2 (queued or in flight) and QoS 0 held back by the write high-water mark. */
  get queuedMessages(): number {
    const s = this.driver.session;
    return s.outgoing.size + s.qos0Waiting.length;
  }

  /** Payload + topic bytes of queuedMessages. */
  get queuedBytes(): number {
    const s = this.driver.session;
    return s.outgoing.bytes + s.qos0Waiting.bytes;
  }

  /** Outgoing messages dropped by the 'drop-oldest' policy (each logged). */
  get droppedMessages(): number {
    return this.driver.session.droppedMessages;
  }

  /** publish() calls refused with MQTT_ERR_QUEUE_SIZE because a queue was full. */
  get rejectedMessages(): number {
    return this.driver.session.rejectedMessages;
  }

  /** Received messages waiting for a handler slot (async handlers). */
  get incomingMessages(): number {
    return this.driver.flow.waiting;
  }

  /** True while reading from the transport is paused by the incoming high-water marks. */
  get readingPaused(): boolean {
    return this.driver.flow.readPaused;
  }

  /** Resend delay for unacknowledged messages; used on MQTT 3.1 only (3.1.1/5.0 resend on reconnect). */
  messageRetrySet(retry: number): void {
    this.driver.config.retrySeconds = checkNumber(retry, 'retry', 0);
  }

  /** Seconds to wait for CONNACK (default: the keepalive, or 30 s when keepalive is 0). */
  set connectTimeout(seconds: number) {
    this.driver.config.connackTimeout = checkNumber(seconds, 'connectTimeout', 0);
  }
  /** Seconds to wait for CONNACK in force. */
  get connectTimeout(): number {
    const c = this.driver.config;
    return c.connackTimeout > 0 ? c.connackTimeout : c.keepalive > 0 ? c.keepalive : 30;
  }

  /** Credentials for the next CONNECT (paho's username_pw_set()); null clears them. */
  usernamePwSet(username: string | null, password?: string | Buffer | null): void {
    if (username !== null && username !== undefined && typeof username !== 'string') {
      throw new ValueError(`username: must be a string or null, got ${typeof username}`);
    }
    const c = this.driver.config;
    c.username = username ?? undefined;
    c.password = password === null || password === undefined ? undefined : toPayload(password, 'password');
  }

  /** Sets the userdata passed to callbacks (paho's user_data_set()). */
  userDataSet(userdata: U): void {
    this.driver.callbacks.userdata = userdata;
  }

  /** The userdata passed to callbacks (paho 2.x user_data_get()). */
  userDataGet(): unknown {
    return this.driver.callbacks.userdata;
  }

  /** The will: published by the broker if the connection ends without disconnect(). */
  willSet(topic: string, payload?: PayloadLike, qos: number = 0, retain = false, properties?: PacketProperties): void {
    validateTopicName(topic, 'topic');
    const q = checkQos(qos);
    const p = toPayload(payload);
    if (p.length > 65535) throw new ValueError(`payload: a will payload is at most 65535 bytes, got ${p.length}`);
    const props = checkProperties(properties, PacketTypes.WILLMESSAGE, this.mode.v5);
    this.driver.config.will = { topic, payload: p, qos: q, retain: !!retain, properties: props };
  }

  /** Removes the will set by willSet(). */
  willClear(): void {
    this.driver.config.will = undefined;
  }

  /**
   * Backoff for automatic reconnects (loopStart/loopForever), in seconds: minDelay, doubled per
   * failed attempt up to maxDelay, reset on CONNACK, as paho. `jitter` spreads each wait `d`:
   * 'full' waits uniform in [0, d], 'equal' d/2 + uniform in [0, d/2], 'none' exactly d.
   * The default is 'none', paho's exact delays, so a ported paho program keeps its timing; a
   * fleet of clients that lose the same broker together should pass `{ jitter: 'full' }`, or
   * they all come back in the same instant. Each call sets all three (no options: 'none').
   */
  reconnectDelaySet(minDelay = 1, maxDelay = 120, options?: ReconnectDelayOptions): void {
    checkNumber(minDelay, 'minDelay', 0);
    checkNumber(maxDelay, 'maxDelay', 0);
    if (minDelay > maxDelay) throw new ValueError(`minDelay: ${minDelay} is more than maxDelay ${maxDelay}`);
    const jitter = checkReconnectDelayOptions(options);
    this.driver.connector.reconnectDelaySet(minDelay, maxDelay, jitter);
  }

  /** Sends log lines to `logger` (default: console), as paho's enable_logger(); on_log is still called. */
  enableLogger(logger?: Logger): void {
    this.driver.callbacks.logger = logger ?? console;
  }

  /** Stops sending log lines to the logger (paho's disable_logger()). */
  disableLogger(): void {
    this.driver.callbacks.logger = null;
  }

  // ---- transports: TLS, WebSockets, proxies ---------------------------------------------------

  /**
   * Turns on TLS (paho's tls_set). Every option is optional: with none, the broker's
   * certificate must chain to a system CA and name the host connected to. `caCerts` trusts
   * your own CA instead; `certfile`/`keyfile` (+ `keyfilePassword`) authenticate the client;
   * `certReqs: CERT_NONE` turns verification off entirely. Files are read now: a missing file,
   * a wrong password or a bad option throws ValueError here. Call once, before connect().
   * `reloadOnReconnect: true` reads the files again for each connection attempt (rotated
   * certificates without a restart); one unreadable then fails that attempt (MQTT_ERR_TLS).
   */
  tlsSet(opts?: TlsSetOptions): void {
    this.driver.connector.transportsToEdit().setTls(opts);
  }

  /** Turns on TLS with a ready tls.SecureContext or tls.ConnectionOptions (paho's tls_set_context); none: the system defaults. */
  tlsSetContext(ctx?: tls.SecureContext | tls.ConnectionOptions): void {
    this.driver.connector.transportsToEdit().setTlsContext(ctx);
  }

  /**
   * true: do not check that the broker's certificate names the host connected to. The chain
   * is still verified (for no verification at all, tlsSet({ certReqs: CERT_NONE })). For
   * testing only: anyone holding a certificate from the same CA can impersonate the broker.
   * false: check the host name, and so the chain too, even after CERT_NONE (as Python's
   * ssl turns verify_mode back to CERT_REQUIRED when check_hostname is set).
   */
  tlsInsecureSet(value: boolean): void {
    this.driver.connector.transportsToEdit().setTlsInsecure(value);
  }

  /** WebSocket request path (default '/mqtt') and extra headers: an object, or `(defaults) => headers` (paho's ws_set_options). */
  wsSetOptions(path = '/mqtt', headers?: WsHeaders | null): void {
    this.driver.connector.transportsToEdit().setWsOptions(path, headers);
  }

  /**
   * Connects through a SOCKS5, SOCKS4 or HTTP CONNECT proxy from the next connection attempt
   * (paho's proxy_set): `{ proxy_type: 'socks5' | 'socks4' | 'http', proxy_addr, proxy_port?,
   * proxy_rdns?, proxy_username?, proxy_password? }`. TLS and WebSockets run end to end over
   * the tunnel. Bad arguments, or a client with transport 'unix', throw ValueError.
   */
  proxySet(proxyArgs: ProxyArgs): void {
    this.driver.connector.setProxy(proxyArgs);
  }

  // ---- paho 2.x properties: readable, settable where paho's are (lib/client/pahoProperties.ts) ----

  /** CallbackAPIVersion.VERSION1 or VERSION2, as constructed (read-only). */
  get callbackApiVersion(): CallbackAPIVersionValue {
    return this.mode.v2 ? CallbackAPIVersion.VERSION2 : CallbackAPIVersion.VERSION1;
  }

  /** The logger log lines go to (enableLogger()), or null; settable at any time, null turns it off. */
  get logger(): Logger | null {
    return this.driver.callbacks.logger;
  }
  /** Sets the logger; null turns it off. */
  set logger(value: Logger | null) {
    this.driver.callbacks.logger = checkLogger(value);
  }

  /** maxInflightMessagesSet()'s value; settable only while the connection is closed, as in paho 2.x. */
  get maxInflightMessages(): number {
    return this.driver.config.maxInflight;
  }
  /** Sets it (ValueError while connecting or connected). */
  set maxInflightMessages(value: number) {
    checkSettable(this.driver.connectionClosed(), 'maxInflightMessages');
    this.driver.config.maxInflight = checkInt(value, 'maxInflightMessages', 0, 65535);
  }

  /** maxQueuedMessagesSet()'s value (0 = unlimited); settable only while the connection is closed, as in paho 2.x. */
  get maxQueuedMessages(): number {
    return this.driver.config.maxQueued;
  }
  /** Sets it (ValueError while connecting or connected). */
  set maxQueuedMessages(value: number) {
    checkSettable(this.driver.connectionClosed(), 'maxQueuedMessages');
    this.driver.config.maxQueued = checkInt(value, 'maxQueuedMessages', 0, Number.MAX_SAFE_INTEGER);
  }

  /** The user name sent in CONNECT, or null; settable only while the connection is closed. */
  get username(): string | null {
    return decodedOrNull(this.driver.config.username);
  }
  /** Sets it (ValueError while connecting or connected). */
  set username(value: string | null) {
    checkSettable(this.driver.connectionClosed(), 'username');
    if (value !== null && typeof value !== 'string') throw new ValueError(`username: must be a string or null, got ${typeof value}`);
    this.driver.config.username = value ?? undefined;
  }

  /** The password sent in CONNECT, as UTF-8 text, or null; settable (string, Buffer or null) only while the connection is closed. */
  get password(): string | null {
    return decodedOrNull(this.driver.config.password);
  }
  /** Sets it (ValueError while connecting or connected). */
  set password(value: string | Buffer | null) {
    checkSettable(this.driver.connectionClosed(), 'password');
    this.driver.config.password = value === null ? undefined : toPayload(value, 'password');
  }

  /** The will's topic, '' without a will (as paho); read-only: willSet()/willClear(). */
  get willTopic(): string {
    return this.driver.config.will?.topic ?? '';
  }

  /** The will's payload, empty without a will (as paho); read-only. */
  get willPayload(): Buffer {
    return this.driver.config.will?.payload ?? Buffer.alloc(0);
  }

  /**
   * Connects as a bridge (paho's enable_bridge_mode()): CONNECT carries the protocol level with
   * its top bit set (0x84 for 3.1.1), which mosquitto takes as a bridge: it does not send the
   * bridge's own messages back to it and keeps their retain flag as published. Call before connect().
   */
  enableBridgeMode(): void {
    this.driver.config.bridge = true;
  }
}
