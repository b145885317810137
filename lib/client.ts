/**
 * Client: the paho-style client. A thin driver over the sans-I/O Session: it owns the
 * transport (the only place a socket is touched from here is through lib/transport/),
 * runs the pump, turns session events into paho's callbacks and EventEmitter events, and
 * reconnects with backoff in the background modes.
 *
 * The pump (DESIGN.md): loopRead() feeds received bytes to the session and runs callbacks,
 * loopWrite() hands everything the session queued to the transport as one write,
 * loopMisc() runs the session's deadlines. loop() does the three after waiting for network
 * activity; loopStart()/loopForever() run them in the background, scheduled by
 * client/pumpScheduler.ts (no polling tick).
 *
 * Its collaborators in lib/client/: callbacks.ts (calling user code, logging), delivery.ts
 * (received messages to handlers, their acks), backpressure.ts (read pausing, write
 * blocking), auth.ts (MQTT 5 AUTH answers), transportSettings.ts (TLS, WebSockets, the
 * built-in transports), options.ts (constructor option types). They see the Client only
 * through link.ts's narrow ClientLink.
 */
import { performance } from 'node:perf_hooks';
import EventEmitter from 'eventemitter3';
import { checkInt, checkNumber, checkQos, normalizeSubscriptions, normalizeUnsubscribe, parseClientArgs, generatedClientId } from './client/args';
import { checkCleanStart, checkDisconnectCode, checkProperties } from './client/mqtt5Args';
import { CallbackMode, callbackMode, connectArgs, disconnectArgs, publishArgs, subscribeArgs, unsubscribeArgs } from './client/callbackArgs';
import { Backoff } from './client/backoff';
import { FOREVER_RC_NO_CONNECTION, foreverRcAfterClose } from './client/foreverResult';
import { logRetrying, logSocketError } from './client/connectionLog';
import { Callbacks, SLOTS } from './client/callbacks';
import { DEFAULT_WRITE_HIGH_WATER, IncomingFlow } from './client/flowControl';
import { Backpressure } from './client/backpressure';
import { DEFAULT_READ_BATCH_MS, ReadBatching } from './client/readBatching';
import { Delivery } from './client/delivery';
import { PumpScheduler } from './client/pumpScheduler';
import { answerAuth } from './client/auth';
import { PayloadLike, toPayload } from './client/payload';
import { CallbackDecorator, slotDecorator, topicDecorator } from './client/decorators';
import { SocketHooks } from './client/socketHooks';
import { checkLogger, checkSettable, decodedOrNull } from './client/pahoProperties';
import {
  MQTT_ERR_CONN_LOST, MQTT_ERR_INVAL, MQTT_ERR_NO_CONN, MQTT_ERR_NOT_FOUND, MQTT_ERR_SUCCESS, MQTT_LOG_DEBUG, MQTT_LOG_ERR,
  MQTT_CLEAN_START_FIRST_ONLY, MQTTv31, MQTTv311, MQTTv5,
} from './constants';
import { CallbackAPIVersion, CallbackAPIVersionValue, ConnectFlags, isCallbackAPIVersion } from './mqtt5/callbackApi';
import { PacketTypes } from './mqtt5/packetTypes';
import { ReasonCodes } from './mqtt5/reasonCodes';
import { SubscribeOptions } from './mqtt5/subscribeOptions';
import { ValueError } from './errors';
import { MQTTMessage, MQTTMessageInfo } from './message';
import { validateTopicFilter, validateTopicName } from './protocol/topics';
import type { PacketProperties, ProtocolLevel, WillMessage } from './protocol/types';
import { defaultOutgoingLimits, OutgoingLimits, QueuePolicy } from './session/queueLimits';
import { defaultSessionConfig, Session, SessionEvent } from './session/session';
import { memoryStore } from './store/memory';
import type * as tls from 'node:tls';
import { resolveSrvTargets } from './transport/srv';
import { TlsSetOptions } from './transport/tlsOptions';
import type { WsHeaders } from './transport/websocket';
import { TransportSettings } from './client/transportSettings';
import type { ProxyArgs } from './transport/proxyArgs';
import { ClientTransportHandlers } from './client/transportHandlers';
import type { Transport } from './transport/types';
import type { ClientOptions, ConnectTarget, Logger } from './client/options';
import { checkClientOptionNames, checkTransport } from './client/options';
import type { CallbackOnMessage, ClientCallbacks, ClientEvents, ProtocolVersionValue, TypedClientOptions } from './client/callbackTypes';

export type { ClientOptions, ConnectTarget, Logger };
export type { ConnectFlags };

/**
 * V (CallbackAPIVersion), P (protocol level) and U (userdata) type the callback slots and
 * events (client/callbackTypes.ts); the package's `Client` export infers them from the
 * constructor's options. Left out, they stand for any mode.
 */
export class Client<V extends CallbackAPIVersionValue = CallbackAPIVersionValue, P extends number = ProtocolVersionValue, U = unknown>
  extends EventEmitter<ClientEvents<V, P, U>> {
  /**
   * Called when the broker answers CONNECT: `(client, userdata, flags, rc, properties?)`; with
   * MQTTv5 or VERSION2, `rc` is a ReasonCodes and `properties` a Properties (VERSION2's `flags`
   * also has `session_present`). Table per version: README "MQTT 5".
   */
  on_connect: ClientCallbacks<V, P, U>['on_connect'] | null = null;
  /**
   * Called when loopStart()/loopForever() cannot open the socket of a connection attempt
   * (refused, DNS, TLS handshake): `(client, userdata)`. A connection that opened and ended
   * before its CONNACK ends with on_disconnect instead, as in paho.
   */
  on_connect_fail: ClientCallbacks<V, P, U>['on_connect_fail'] | null = null;
  /**
   * Called when the connection ends, also before its CONNACK (rc MQTT_ERR_CONN_LOST when the
   * broker closed it, MQTT_ERR_PROTOCOL for a malformed CONNACK, MQTT_ERR_CONN_REFUSED after a
   * refusing 3.x CONNACK, MQTT_ERR_KEEPALIVE when none came in time): `(client, userdata, rc,
   * properties?)`; rc 0 after disconnect(). MQTTv5 + VERSION1: a ReasonCodes when the broker sent DISCONNECT. VERSION2:
   * `(client, userdata, DisconnectFlags, ReasonCodes, Properties)`.
   */
  on_disconnect: ClientCallbacks<V, P, U>['on_disconnect'] | null = null;
  /** Called for each message no messageCallbackAdd() filter matched: `(client, userdata, message)`. */
  on_message: ClientCallbacks<V, P, U>['on_message'] | null = null;
  /** Called when a message has been sent (QoS 0) or acknowledged (QoS 1/2): `(client, userdata, mid)`; VERSION2 adds `ReasonCodes, Properties`. */
  on_publish: ClientCallbacks<V, P, U>['on_publish'] | null = null;
  /** Called on SUBACK: `(client, userdata, mid, grantedQos, properties?)`; with MQTTv5 or VERSION2 `grantedQos` is a ReasonCodes list. */
  on_subscribe: ClientCallbacks<V, P, U>['on_subscribe'] | null = null;
  /** Called on UNSUBACK: `(client, userdata, mid, properties?, reasonCodes?)`; VERSION2: `(client, userdata, mid, ReasonCodes[], Properties)`. */
  on_unsubscribe: ClientCallbacks<V, P, U>['on_unsubscribe'] | null = null;
  /** Called with each log line: `(client, userdata, level, buf)`. */
  on_log: ClientCallbacks<V, P, U>['on_log'] | null = null;
  /** Called just before each connection attempt opens its socket: `(client, userdata)` (paho 2.x). */
  on_pre_connect: ClientCallbacks<V, P, U>['on_pre_connect'] | null = null;
  /**
   * MQTT 5 enhanced authentication: called when the server sends AUTH,
   * `(client, userdata, reasonCode, properties)`. For 0x18 (Continue authentication) it returns
   * the properties of our answer (`{ AuthenticationData }`), or a promise of them; null or
   * undefined (or a throw) abandons the connection (DISCONNECT 0x87). 0x00 reports a finished reauthenticate().
   */
  on_auth: ClientCallbacks<V, P, U>['on_auth'] | null = null;
  /**
   * External event loops (paho's loop_select.py / loop_asyncio.py): `(client, userdata, sock)`
   * just after a connection's socket opens: start watching it for reading (a net.Socket's
   * 'data' and 'close' events: call loopRead()) and call loopMisc() every second or so.
   * lib/client/socketHooks.ts says when each hook fires.
   */
  on_socket_open: ClientCallbacks<V, P, U>['on_socket_open'] | null = null;
  /** `(client, userdata, sock)` just before the client lets go of the socket: stop watching it. */
  on_socket_close: ClientCallbacks<V, P, U>['on_socket_close'] | null = null;
  /**
   * `(client, userdata, sock)`: bytes wait to be written. Set, and with no loopStart()/loopForever(),
   * the client leaves writing to you: call loopWrite() (until on_socket_unregister_write).
   */
  on_socket_register_write: ClientCallbacks<V, P, U>['on_socket_register_write'] | null = null;
  /** `(client, userdata, sock)`: nothing waits to be written any more. */
  on_socket_unregister_write: ClientCallbacks<V, P, U>['on_socket_unregister_write'] | null = null;
  /**
   * true (default): an exception in a callback is logged at MQTT_LOG_ERR, emitted as 'error',
   * and the loop goes on. false: paho's behaviour, the error rejects loop()/loopForever().
   */
  suppressExceptions = true;

  // The constructor options still needed after init(), as fields rather than an options object
  // (idle memory per connection is a benchmarked goal); the protocol level is the session's.
  private transportKind: 'tcp' | 'websockets' | 'unix' = 'tcp';
  private transportFactory: ((target: ConnectTarget) => Transport) | undefined = undefined;
  /** The constructor's cleanSession (MQTT 3.x; true with MQTTv5, whose Clean Start is per connect()). */
  private cleanSession = true;
  private reconnectOnFailure = true;
  /** @internal The engine (ClientLink). */
  session!: Session;
  /** @internal Monotonic ms (ClientLink). */
  clock!: () => number;
  /** @internal The open connection's transport (ClientLink). */
  transport: Transport | null = null;
  private attempt = 0;
  /** @internal Received bytes not yet decoded (ClientLink). */
  inbox: Buffer[] = [];
  private transportClosed: { transport: Transport; error?: Error } | null = null;
  private targetHost = '';
  private targetPort = 1883;
  private bindAddress = '';
  private bindPort = 0;
  private wantConnect = false;
  private userDisconnect = false;
  private background: 'none' | 'start' | 'forever' = 'none';
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly backoff = new Backoff();
  private forever: { resolve(rc: number): void; reject(e: unknown): void } | null = null;
  private lastLostRc = MQTT_ERR_SUCCESS;
  /** What loopForever() resolves with when it ends now (foreverResult.ts). */
  private foreverRc = FOREVER_RC_NO_CONNECTION;
  /** Callback slots, events, handlers and log lines: how user code is called. */
  private readonly callbacks = new Callbacks(this);
  private willMessage: WillMessage | undefined;
  /** Incoming flow control: handler slots, waiting messages, read high-water marks. */
  private readonly flow = new IncomingFlow();
  // The collaborators below get the Client itself as their ClientLink and PumpSteps: it has
  // every member of both (tagged internal: left out of the published types). An adapter object
  // with closures would cost each idle connection about 1 KB.
  /** Read pausing and write blocking at the transport. */
  private readonly backpressure = new Backpressure(this, this.flow);
  /** When a dense QoS 0 stream is read in batches (readBatching.ts). */
  private readonly readBatching = new ReadBatching();
  /** When pump turns run: data events, flush tasks, the deadline timer, loop()'s wait. */
  private readonly pump = new PumpScheduler(this, this);
  /** Handing received messages to handlers; their acks. */
  private readonly delivery = new Delivery(this, this, this.callbacks, this.flow, this.backpressure);
  /** on_socket_open/close/register_write/unregister_write, and whether the caller's event loop writes. */
  private readonly socketHooks = new SocketHooks(this, this.callbacks);
  /** Which callback signatures to use (see lib/client/callbackArgs.ts). */
  private mode!: CallbackMode;
  /** MQTT 5 Clean Start for connections: true, false or MQTT_CLEAN_START_FIRST_ONLY. */
  private cleanStart: boolean | number = MQTT_CLEAN_START_FIRST_ONLY;
  /** Callbacks of session events are running (dispatch()): paho's "inside a callback". */
  private dispatchDepth = 0;
  /** disconnect() is ending the connection at once; the transport closes itself after flushing. */
  private closingOnItsOwn = false;
  /** loopStop() calls waiting for a disconnect() to finish (disconnectFinished). */
  private transportReleased: Array<() => void> | null = null; // made when needed: idle memory
  /** The immediate reconnect after a refusal paho retries (retryRefused), while it runs. */
  private idRetry: Promise<void> | null = null;
  /** No CONNACK yet since construction (MQTT_CLEAN_START_FIRST_ONLY starts clean until then), as paho's _mqttv5_first_connect. */
  private firstConnect = true;

  /**
   * `new Client()`, `new Client('id')`, `new Client({ clientId, ... })`, and paho 2.x's
   * positional form `new Client(CallbackAPIVersion.VERSION2, 'id' | { ... })`.
   */
  constructor(opts?: TypedClientOptions<V, P, U> | string | V, more?: Omit<TypedClientOptions<V, P, U>, 'callbackApiVersion'> | string) {
    super();
    this.init(parseClientArgs(opts, more));
  }

  private init(o: ClientOptions): void {
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
    this.mode = callbackMode(protocol === MQTTv5, api === CallbackAPIVersion.VERSION2);
    this.cleanStart = MQTT_CLEAN_START_FIRST_ONLY;
    this.firstConnect = true;
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
    this.transportKind = transport;
    this.transportFactory = o.createTransport;
    this.cleanSession = cleanSession;
    this.reconnectOnFailure = o.reconnectOnFailure !== false;
    this.callbacks.userdata = o.userdata ?? null;
    this.clock = o.clock ?? monotonicMs;
    const config = defaultSessionConfig(); // assigned field by field: one shared hidden class
    config.clientId = clientId;
    config.cleanSession = cleanSession;
    config.protocol = protocol as ProtocolLevel;
    if (o.store) config.store = o.store;
    if (o.autoTopicAlias !== undefined && typeof o.autoTopicAlias !== 'boolean') throw new ValueError(`autoTopicAlias: must be true or false, got ${typeof o.autoTopicAlias}`);
    config.autoTopicAlias = o.autoTopicAlias ?? true;
    config.maxPacketSize = maxPacketSize; // config.limits: made by the first setter (outgoingLimits())
    this.session = new Session(config);
    this.session.holdAcks = true; // acks go out after the handler (or ack() with manualAckSet)
    this.delivery.manualAck = o.manualAck === true;
  }

  // ---- configuration (paho's *_set methods) -------------------------------------------------

  /** Back to the constructed state, as paho's reinitialise(): connection, callbacks and settings reset. */
  reinitialise(opts?: ClientOptions | string | CallbackAPIVersionValue, more?: ClientOptions | string): void {
    checkClientOptionNames(parseClientArgs(opts, more)); // a misspelt option changes nothing
    this.teardown();
    for (const slot of SLOTS) (this as Record<string, unknown>)[slot] = null;
    this.suppressExceptions = true;
    this.removeAllListeners();
    this.delivery.filtered = null;
    this.callbacks.logger = null;
    this.willMessage = undefined;
    this.transports = new TransportSettings();
    this.targetHost = '';
    this.wantConnect = false;
    this.userDisconnect = false;
    this.backoff.configure(1, 120);
    this.flow.clear();
    this.delivery.epoch++;
    this.flow.maxMessages = new IncomingFlow().maxMessages;
    this.flow.maxBytes = new IncomingFlow().maxBytes;
    this.flow.concurrency = 1;
    this.backpressure.writeHighWater = DEFAULT_WRITE_HIGH_WATER;
    this.readBatching.maxDelayMs = DEFAULT_READ_BATCH_MS;
    this.readBatching.reset();
    this.init(parseClientArgs(opts, more));
  }

  /**
   * Most QoS 1/2 messages in flight at once (default 20; 0 = no limit). Keep it within what
   * the broker accepts: mosquitto 2.0 takes 20 in-flight messages per client by default
   * (`max_inflight_messages`) and, on MQTT 3.1/3.1.1, acknowledges QoS 2 messages beyond
   * that with an ordinary PUBREC and drops them; MQTT 5 brokers announce their Receive
   * Maximum, which caps this window automatically.
   */
  maxInflightMessagesSet(inflight: number): void {
    this.session.config.maxInflight = checkInt(inflight, 'inflight', 0, 65535);
  }

  /** Most unacknowledged QoS 1/2 messages held (default 0 = unlimited); beyond it publish() returns MQTT_ERR_QUEUE_SIZE. */
  maxQueuedMessagesSet(queueSize: number): void {
    this.session.config.maxQueued = checkInt(queueSize, 'queueSize', 0, Number.MAX_SAFE_INTEGER);
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
    return (this.session.config.limits ??= defaultOutgoingLimits());
  }

  /**
   * Bound on QoS 0 messages waiting while the transport is over its write high-water mark
   * (defaults 10,000 messages and 16 MiB; 0 = unlimited). QoS 0 is otherwise written at once,
   * and refused with MQTT_ERR_NO_CONN while offline, as paho.
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
    this.backpressure.writeHighWater = checkInt(bytes, 'bytes', 1, Number.MAX_SAFE_INTEGER);
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
    this.readBatching.maxDelayMs = checkInt(maxDelayMs, 'maxDelayMs', 0, 1000);
    if (maxDelayMs === 0) this.readBatching.reset();
  }

  /**
   * Incoming high-water marks: when `messages` received messages wait for their handler, or
   * `bytes` received bytes wait to be decoded (loop() not called), the client stops reading
   * the socket (TCP then slows the broker); it reads again below half of both. Defaults
   * 1,000 messages and 1 MiB. Nothing is dropped.
   */
  maxIncomingSet(messages: number, bytes?: number): void {
    this.flow.maxMessages = checkInt(messages, 'messages', 1, Number.MAX_SAFE_INTEGER);
    if (bytes !== undefined) this.flow.maxBytes = checkInt(bytes, 'bytes', 1, Number.MAX_SAFE_INTEGER);
    this.backpressure.updateReading();
  }

  /**
   * How many async message handlers may run at once (default 1: when on_message or a
   * messageCallbackAdd callback returns a promise, the next message waits until it settles,
   * in order, as paho calls on_message). Sync handlers are not affected.
   */
  messageConcurrencySet(n: number): void {
    this.flow.concurrency = checkInt(n, 'n', 1, 65535);
    this.delivery.runWaitingMessages();
  }

  /**
   * paho 2.x manual_ack_set: with `on`, delivered QoS 1/2 messages are acknowledged (PUBACK,
   * PUBCOMP) only when the application calls ack(mid, qos); a QoS 2 PUBREC goes out on receipt
   * and the message is delivered at PUBREL, as paho. Without it (default) the ack goes out
   * when the handler returns, or when the promise it returned settles.
   */
  manualAckSet(on: boolean): void {
    if (typeof on !== 'boolean') throw new ValueError(`on: must be true or false, got ${typeof on}`);
    this.delivery.manualAck = on;
  }

  /**
   * paho 2.x ack(mid, qos): acknowledges a received QoS 1/2 message (manualAckSet(true)).
   * MQTT_ERR_SUCCESS when sent, or owed to the broker's next PUBREL while offline (or when
   * manual ack is off: nothing to do, as paho); MQTT_ERR_NOT_FOUND when no unacknowledged
   * message has that id and QoS (already acked; QoS 1 received before a reconnect: the broker
   * resends it; QoS 2 whose session ended clean).
   */
  ack(mid: number, qos: number): number {
    checkInt(mid, 'mid', 0, 65535);
    checkQos(qos);
    if (!this.delivery.manualAck || qos === 0) return MQTT_ERR_SUCCESS;
    if (!this.session.ack(mid, qos, this.clock())) return MQTT_ERR_NOT_FOUND;
    this.scheduleFlush();
    return MQTT_ERR_SUCCESS;
  }

  /** Outgoing messages waiting: unfinished QoS 1/2 (queued or in flight) and QoS 0 held back by the write high-water mark. */
  get queuedMessages(): number {
    return this.session.outgoing.size + this.session.qos0Waiting.length;
  }

  /** Payload + topic bytes of queuedMessages. */
  get queuedBytes(): number {
    return this.session.outgoing.bytes + this.session.qos0Waiting.bytes;
  }

  /** Outgoing messages dropped by the 'drop-oldest' policy (each logged). */
  get droppedMessages(): number {
    return this.session.droppedMessages;
  }

  /** publish() calls refused with MQTT_ERR_QUEUE_SIZE because a queue was full. */
  get rejectedMessages(): number {
    return this.session.rejectedMessages;
  }

  /** Received messages waiting for a handler slot (async handlers). */
  get incomingMessages(): number {
    return this.flow.waiting;
  }

  /** True while reading from the transport is paused by the incoming high-water marks. */
  get readingPaused(): boolean {
    return this.flow.readPaused;
  }

  /** Resend delay for unacknowledged messages; used on MQTT 3.1 only (3.1.1/5.0 resend on reconnect). */
  messageRetrySet(retry: number): void {
    this.session.config.retrySeconds = checkNumber(retry, 'retry', 0);
  }

  /** Seconds to wait for CONNACK (default: the keepalive, or 30 s when keepalive is 0). */
  set connectTimeout(seconds: number) {
    this.session.config.connackTimeout = checkNumber(seconds, 'connectTimeout', 0);
  }
  get connectTimeout(): number {
    const c = this.session.config;
    return c.connackTimeout > 0 ? c.connackTimeout : c.keepalive > 0 ? c.keepalive : 30;
  }

  usernamePwSet(username: string | null, password?: string | Buffer | null): void {
    if (username !== null && username !== undefined && typeof username !== 'string') {
      throw new ValueError(`username: must be a string or null, got ${typeof username}`);
    }
    const c = this.session.config;
    c.username = username ?? undefined;
    c.password = password === null || password === undefined ? undefined : toPayload(password, 'password');
  }

  userDataSet(userdata: U): void {
    this.callbacks.userdata = userdata;
  }

  /** The userdata passed to callbacks (paho 2.x user_data_get()). */
  userDataGet(): unknown {
    return this.callbacks.userdata;
  }

  /** The will: published by the broker if the connection ends without disconnect(). */
  willSet(topic: string, payload?: PayloadLike, qos: number = 0, retain = false, properties?: PacketProperties): void {
    validateTopicName(topic, 'topic');
    const q = checkQos(qos);
    const p = toPayload(payload);
    if (p.length > 65535) throw new ValueError(`payload: a will payload is at most 65535 bytes, got ${p.length}`);
    const props = checkProperties(properties, PacketTypes.WILLMESSAGE, this.mode.v5);
    this.willMessage = { topic, payload: p, qos: q, retain: !!retain, properties: props };
    this.session.config.will = this.willMessage;
  }

  willClear(): void {
    this.willMessage = undefined;
    this.session.config.will = undefined;
  }

  /** Backoff for automatic reconnects: min_delay, doubled per failed attempt up to max_delay, reset on CONNACK. */
  reconnectDelaySet(minDelay = 1, maxDelay = 120): void {
    checkNumber(minDelay, 'minDelay', 0);
    checkNumber(maxDelay, 'maxDelay', 0);
    if (minDelay > maxDelay) throw new ValueError(`minDelay: ${minDelay} is more than maxDelay ${maxDelay}`);
    this.backoff.configure(minDelay, maxDelay);
  }

  enableLogger(logger?: Logger): void {
    this.callbacks.logger = logger ?? console;
  }

  disableLogger(): void {
    this.callbacks.logger = null;
  }

  /** Calls `callback(client, userdata, message)` for messages matching `sub` (instead of on_message). */
  messageCallbackAdd(sub: string, callback: CallbackOnMessage<Client<V, P, U>, U>): void {
    validateTopicFilter(sub, 'sub');
    if (typeof callback !== 'function') throw new ValueError('callback: must be a function');
    this.delivery.addFilter(sub, callback);
  }

  messageCallbackRemove(sub: string): void {
    validateTopicFilter(sub, 'sub');
    this.delivery.filtered?.delete(sub);
  }

  // ---- paho 2.x decorators: `client.connectCallback()(fn)` sets on_connect and returns fn (lib/client/decorators.ts) ----

  connectCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_connect']> { return slotDecorator(this, 'on_connect'); }
  connectFailCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_connect_fail']> { return slotDecorator(this, 'on_connect_fail'); }
  disconnectCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_disconnect']> { return slotDecorator(this, 'on_disconnect'); }
  logCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_log']> { return slotDecorator(this, 'on_log'); }
  messageCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_message']> { return slotDecorator(this, 'on_message'); }
  preConnectCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_pre_connect']> { return slotDecorator(this, 'on_pre_connect'); }
  publishCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_publish']> { return slotDecorator(this, 'on_publish'); }
  subscribeCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_subscribe']> { return slotDecorator(this, 'on_subscribe'); }
  unsubscribeCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_unsubscribe']> { return slotDecorator(this, 'on_unsubscribe'); }
  socketOpenCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_socket_open']> { return slotDecorator(this, 'on_socket_open'); }
  socketCloseCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_socket_close']> { return slotDecorator(this, 'on_socket_close'); }
  socketRegisterWriteCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_socket_register_write']> { return slotDecorator(this, 'on_socket_register_write'); }
  socketUnregisterWriteCallback(): CallbackDecorator<ClientCallbacks<V, P, U>['on_socket_unregister_write']> { return slotDecorator(this, 'on_socket_unregister_write'); }
  /** messageCallbackAdd(sub, fn) as a decorator; `sub` is checked here already. */
  topicCallback(sub: string): CallbackDecorator<CallbackOnMessage<Client<V, P, U>, U>> {
    validateTopicFilter(sub, 'sub');
    return topicDecorator<CallbackOnMessage<Client<V, P, U>, U>>((filter, fn) => this.messageCallbackAdd(filter, fn), sub);
  }

  // ---- transports: TLS, WebSockets, DNS SRV ---------------------------------------------------

  /** TLS and WebSocket settings, and the built-in transports made from them. */
  private transports = new TransportSettings();

  /**
   * Turns on TLS (paho's tls_set). Every option is optional: with none, the broker's
   * certificate must chain to a system CA and name the host connected to. `caCerts` trusts
   * your own CA instead; `certfile`/`keyfile` (+ `keyfilePassword`) authenticate the client;
   * `certReqs: CERT_NONE` turns verification off entirely. Files are read now: a missing file,
   * a wrong password or a bad option throws ValueError here. Call once, before connect().
   */
  tlsSet(opts?: TlsSetOptions): void {
    this.transports.setTls(opts);
  }

  /** Turns on TLS with a ready tls.SecureContext or tls.ConnectionOptions (paho's tls_set_context); none: the system defaults. */
  tlsSetContext(ctx?: tls.SecureContext | tls.ConnectionOptions): void {
    this.transports.setTlsContext(ctx);
  }

  /**
   * true: do not check that the broker's certificate names the host connected to. The chain
   * is still verified (for no verification at all, tlsSet({ certReqs: CERT_NONE })). For
   * testing only: anyone holding a certificate from the same CA can impersonate the broker.
   * false: check the host name, and so the chain too, even after CERT_NONE (as Python's
   * ssl turns verify_mode back to CERT_REQUIRED when check_hostname is set).
   */
  tlsInsecureSet(value: boolean): void {
    this.transports.setTlsInsecure(value);
  }

  /** WebSocket request path (default '/mqtt') and extra headers: an object, or `(defaults) => headers` (paho's ws_set_options). */
  wsSetOptions(path = '/mqtt', headers?: WsHeaders | null): void {
    this.transports.setWsOptions(path, headers);
  }

  /**
   * Connects through a SOCKS5, SOCKS4 or HTTP CONNECT proxy from the next connection attempt
   * (paho's proxy_set): `{ proxy_type: 'socks5' | 'socks4' | 'http', proxy_addr, proxy_port?,
   * proxy_rdns?, proxy_username?, proxy_password? }`. TLS and WebSockets run end to end over
   * the tunnel. Bad arguments, or a client with transport 'unix', throw ValueError.
   */
  proxySet(proxyArgs: ProxyArgs): void {
    this.transports.setProxy(proxyArgs, this.transportKind);
  }

  /**
   * Connects to the broker a DNS SRV record names: `_mqtt._tcp.<domain>`, or
   * `_secure-mqtt._tcp.<domain>` when TLS is set. Targets are tried in RFC 2782 order
   * (priority, then weight); resolves with the first that opens, rejects with the last error.
   * Node cannot tell the machine's own domain reliably: `domain` is required.
   */
  connectSrv(domain?: string, keepalive = 60, bindAddress = '', bindPort = 0,
    cleanStart: boolean | number = MQTT_CLEAN_START_FIRST_ONLY, properties?: PacketProperties): Promise<number> {
    if (typeof domain !== 'string' || domain.replace(/\.$/, '') === '') {
      throw new ValueError('domain: required (the DNS domain whose SRV records name the broker)');
    }
    checkInt(keepalive, 'keepalive', 0, 65535);
    if (typeof bindAddress !== 'string') throw new ValueError('bindAddress: must be a string');
    checkInt(bindPort, 'bindPort', 0, 65535);
    const props = checkCleanStart(cleanStart, properties, this.mode.v5);
    return this.connectSrvTargets(domain, keepalive, bindAddress, bindPort, cleanStart, props);
  }

  private async connectSrvTargets(domain: string, keepalive: number, bindAddress: string, bindPort: number,
    cleanStart: boolean | number, properties: PacketProperties | undefined): Promise<number> {
    const targets = await resolveSrvTargets(domain, this.transports.tls !== null);
    let last: unknown;
    for (const t of targets) {
      try {
        return await this.connect(t.name, t.port, keepalive, bindAddress, bindPort, cleanStart, properties);
      } catch (e) {
        last = e;
        // disconnect() or another connect() meanwhile: stop here.
        if (this.userDisconnect || isSuperseded(e)) throw e;
      }
    }
    throw last;
  }

  // ---- connection ------------------------------------------------------------------------------

  /**
   * Connects to a broker: resolves MQTT_ERR_SUCCESS once the socket is open and CONNECT is
   * sent; rejects on socket/DNS errors. CONNACK arrives through the loop (on_connect).
   * With `transport: 'unix'`, `host` is the socket's path and `port` is not used.
   *
   * MQTT 5 only: `cleanStart` true, false, or MQTT_CLEAN_START_FIRST_ONLY (default: a clean
   * start on the first connection, resuming the session on every reconnect), and CONNECT
   * `properties` (PacketTypes.CONNECT), both kept for reconnects. Either with MQTT 3.x is a ValueError.
   */
  connect(host: string, port = 1883, keepalive = 60, bindAddress = '', bindPort = 0,
    cleanStart: boolean | number = MQTT_CLEAN_START_FIRST_ONLY, properties?: PacketProperties): Promise<number> {
    this.setTarget(host, port, keepalive, bindAddress, bindPort, cleanStart, properties);
    return this.reconnect();
  }

  /** As connect(), but the connection is made by loopStart()/loopForever(). */
  connectAsync(host: string, port = 1883, keepalive = 60, bindAddress = '', bindPort = 0,
    cleanStart: boolean | number = MQTT_CLEAN_START_FIRST_ONLY, properties?: PacketProperties): void {
    this.setTarget(host, port, keepalive, bindAddress, bindPort, cleanStart, properties);
    this.wantConnect = true;
    if (this.background !== 'none') this.startReconnect(0);
  }

  private setTarget(host: string, port: number, keepalive: number, bindAddress: string, bindPort: number,
    cleanStart: boolean | number, properties: PacketProperties | undefined): void {
    if (typeof host !== 'string' || host.length === 0) throw new ValueError('host: must be a non-empty string');
    checkInt(port, 'port', 1, 65535);
    checkInt(keepalive, 'keepalive', 0, 65535);
    if (typeof bindAddress !== 'string') throw new ValueError('bindAddress: must be a string');
    checkInt(bindPort, 'bindPort', 0, 65535);
    const props = checkCleanStart(cleanStart, properties, this.mode.v5);
    this.cleanStart = cleanStart;
    if (this.mode.v5) this.session.config.connectProperties = props;
    this.targetHost = host;
    this.targetPort = port;
    this.bindAddress = bindAddress;
    this.bindPort = bindPort;
    this.session.config.keepalive = keepalive;
  }

  /** Opens a new connection to the last host given (closing the current one, without callbacks). */
  async reconnect(): Promise<number> {
    if (this.targetHost === '') throw new ValueError('host: connect() or connectAsync() first');
    const attempt = ++this.attempt;
    this.userDisconnect = false;
    this.wantConnect = true;
    this.clearReconnectTimer();
    this.dropTransport();
    if (this.mode.v5) this.session.config.cleanSession = this.cleanStart === true || (this.cleanStart !== false && this.firstConnect);
    this.callbacks.fire('on_pre_connect', 'pre_connect');
    const transport = this.createTransport();
    // A socket that cannot be opened: the error rejects, as paho raises it, and no line is logged.
    await transport.open(new ClientTransportHandlers(this, transport));
    if (attempt !== this.attempt) { // superseded by another reconnect() or disconnect() meanwhile
      transport.destroy();
      throw new Error('connection attempt superseded');
    }
    this.transport = transport;
    this.transportClosed = null;
    this.inbox = [];
    this.socketHooks.opened(transport.socket);
    this.syncLogging();
    this.session.startConnection(this.clock());
    this.flushOrRegister();
    this.dispatch();
    this.pump.armTimer();
    return MQTT_ERR_SUCCESS;
  }

  private createTransport(): Transport {
    const target: ConnectTarget = {
      host: this.targetHost, port: this.targetPort, bindAddress: this.bindAddress, bindPort: this.bindPort,
      transport: this.transportKind, connectTimeoutMs: this.connectTimeout * 1000,
    };
    if (this.transportFactory) return this.transportFactory(target);
    return this.transports.build(target, this.session.config.protocol, (level, text) => this.log(level, text));
  }

  /**
   * Sends DISCONNECT and closes the connection once everything queued is written; the
   * broker does not publish the will. With a clean session, pending messages fail.
   */
  disconnect(reasonCode?: number | ReasonCodes, properties?: PacketProperties): number {
    const code = checkDisconnectCode(reasonCode, this.mode.v5);
    const props = checkProperties(properties, PacketTypes.DISCONNECT, this.mode.v5);
    this.session.checkDisconnect(props);
    this.userDisconnect = true;
    this.wantConnect = false;
    this.clearReconnectTimer();
    this.attempt++;
    if (this.session.config.cleanSession) this.session.abandonPending(MQTT_ERR_NO_CONN);
    if (this.transport === null) {
      this.settleForever();
      return MQTT_ERR_NO_CONN;
    }
    this.session.disconnect(this.clock(), code, props);
    // An external event loop writes the DISCONNECT with its loopWrite(), which then closes (as paho).
    if (this.socketHooks.writesExternally()) this.socketHooks.wantWrite();
    else {
      this.flush();
      this.transport.end();
      // As paho's disconnect() with no loop thread, outside a callback: it writes DISCONNECT
      // itself, so on_disconnect has run when it returns (the socket finishes closing on its own).
      if (this.background === 'none' && this.dispatchDepth === 0) this.disconnectedNow();
    }
    return MQTT_ERR_SUCCESS;
  }

  private disconnectedNow(): void {
    this.closingOnItsOwn = true;
    try {
      this.connectionLost(MQTT_ERR_SUCCESS);
    } finally {
      this.closingOnItsOwn = false;
    }
    this.wake(); // a loop() waiting meanwhile returns now
  }

  /**
   * The client id CONNECT carries (paho's `_client_id`): the one given; without one, '' on
   * MQTT 3.1.1 and 5.0 (the broker assigns an id to each connection; on 5.0 on_connect's
   * properties say which, as AssignedClientIdentifier, and it is not reused), and 22 random
   * characters of [0-9a-zA-Z] on 3.1, or on 3.1.1 once a broker rejected the empty id.
   */
  get clientId(): string {
    return this.session.config.clientId;
  }

  /**
   * MQTT 5: starts a re-authentication (AUTH 0x19) with the connection's AuthenticationMethod
   * and `properties` (usually `{ AuthenticationData }`); the server's answers go to on_auth.
   * Returns MQTT_ERR_NO_CONN when not connected; ValueError when the connection did not use
   * enhanced authentication.
   */
  reauthenticate(properties?: PacketProperties): number {
    const props = checkProperties(properties, PacketTypes.AUTH, this.mode.v5);
    const rc = this.session.reauthenticate(props, this.clock());
    this.scheduleFlush();
    return rc;
  }

  /** The broker host (or Unix socket path) of the last connect() call; '' before. */
  get host(): string {
    return this.targetHost;
  }

  /** The broker port of the last connect() call (1883 before). */
  get port(): number {
    return this.targetPort;
  }

  /** The keepalive in seconds sent in CONNECT (60 until connect() sets it). */
  get keepalive(): number {
    return this.session.config.keepalive;
  }

  /** The MQTT protocol version: MQTTv31, MQTTv311 or MQTTv5. */
  get protocol(): number {
    return this.session.config.protocol;
  }

  isConnected(): boolean {
    return this.transport !== null && this.transportClosed === null && this.session.isConnected;
  }

  // ---- paho 2.x properties: readable, settable where paho's are (lib/client/pahoProperties.ts) ----

  /** CallbackAPIVersion.VERSION1 or VERSION2, as constructed (read-only). */
  get callbackApiVersion(): CallbackAPIVersionValue {
    return this.mode.v2 ? CallbackAPIVersion.VERSION2 : CallbackAPIVersion.VERSION1;
  }

  /** The logger log lines go to (enableLogger()), or null; settable at any time, null turns it off. */
  get logger(): Logger | null {
    return this.callbacks.logger;
  }
  set logger(value: Logger | null) {
    this.callbacks.logger = checkLogger(value);
  }

  /** maxInflightMessagesSet()'s value; settable only while the connection is closed, as in paho 2.x. */
  get maxInflightMessages(): number {
    return this.session.config.maxInflight;
  }
  set maxInflightMessages(value: number) {
    checkSettable(this.connectionClosed(), 'maxInflightMessages');
    this.session.config.maxInflight = checkInt(value, 'maxInflightMessages', 0, 65535);
  }

  /** maxQueuedMessagesSet()'s value (0 = unlimited); settable only while the connection is closed, as in paho 2.x. */
  get maxQueuedMessages(): number {
    return this.session.config.maxQueued;
  }
  set maxQueuedMessages(value: number) {
    checkSettable(this.connectionClosed(), 'maxQueuedMessages');
    this.session.config.maxQueued = checkInt(value, 'maxQueuedMessages', 0, Number.MAX_SAFE_INTEGER);
  }

  /** The user name sent in CONNECT, or null; settable only while the connection is closed. */
  get username(): string | null {
    return decodedOrNull(this.session.config.username);
  }
  set username(value: string | null) {
    checkSettable(this.connectionClosed(), 'username');
    if (value !== null && typeof value !== 'string') throw new ValueError(`username: must be a string or null, got ${typeof value}`);
    this.session.config.username = value ?? undefined;
  }

  /** The password sent in CONNECT, as UTF-8 text, or null; settable (string, Buffer or null) only while the connection is closed. */
  get password(): string | null {
    return decodedOrNull(this.session.config.password);
  }
  set password(value: string | Buffer | null) {
    checkSettable(this.connectionClosed(), 'password');
    this.session.config.password = value === null ? undefined : toPayload(value, 'password');
  }

  /** The will's topic, '' without a will (as paho); read-only: willSet()/willClear(). */
  get willTopic(): string {
    return this.willMessage?.topic ?? '';
  }

  /** The will's payload, empty without a will (as paho); read-only. */
  get willPayload(): Buffer {
    return this.willMessage?.payload ?? Buffer.alloc(0);
  }

  /** paho's _connection_closed(): never connected, or disconnect()ed and the socket released. */
  private connectionClosed(): boolean {
    return this.transport === null && !this.wantConnect;
  }

  /**
   * Connects as a bridge (paho's enable_bridge_mode()): CONNECT carries the protocol level with
   * its top bit set (0x84 for 3.1.1), which mosquitto takes as a bridge: it does not send the
   * bridge's own messages back to it and keeps their retain flag as published. Call before connect().
   */
  enableBridgeMode(): void {
    this.session.config.bridge = true;
  }

  // ---- messages ----------------------------------------------------------------------------------

  /**
   * Publishes a message. QoS 0 needs a connection (else rc MQTT_ERR_NO_CONN); QoS 1/2 is
   * queued while offline and sent after connecting. Returns an MQTTMessageInfo.
   * MQTT 5 topic aliases, paho's way: properties.TopicAlias with a topic maps the alias on this
   * connection; with an empty topic it stands for that topic (session/callerAliases.ts).
   */
  publish(topic: string, payload?: PayloadLike, qos: number = 0, retain = false, properties?: PacketProperties): MQTTMessageInfo {
    if (topic !== '' || !this.mode.v5) validateTopicName(topic, 'topic'); // MQTT 5: '' stands for a TopicAlias (the session checks it)
    const q = checkQos(qos);
    const body = toPayload(payload);
    const props = properties === undefined ? undefined : checkProperties(properties, PacketTypes.PUBLISH, this.mode.v5);
    const info = this.session.publish(topic, body, q, !!retain, props, this.clock());
    this.scheduleFlush();
    return info;
  }

  /**
   * paho's subscribe(): 'a/b' with qos, ['a/b', qos], or [['a/b', qos], ...]. With MQTT 5 a
   * SubscribeOptions may stand for any qos, and `properties` (PacketTypes.SUBSCRIBE) go along.
   * Returns [rc, mid].
   */
  subscribe(topic: string | [string, number | SubscribeOptions] | [string, number | SubscribeOptions][],
    qos: number | SubscribeOptions = 0, properties?: PacketProperties): [number, number] {
    const subs = normalizeSubscriptions(topic, qos, this.mode.v5);
    const props = checkProperties(properties, PacketTypes.SUBSCRIBE, this.mode.v5);
    const r = this.session.subscribe(subs, props, this.clock());
    this.scheduleFlush();
    return r;
  }

  unsubscribe(topic: string | string[], properties?: PacketProperties): [number, number] {
    const topics = normalizeUnsubscribe(topic);
    const props = checkProperties(properties, PacketTypes.UNSUBSCRIBE, this.mode.v5);
    const r = this.session.unsubscribe(topics, props, this.clock());
    this.scheduleFlush();
    return r;
  }

  // ---- the pump ---------------------------------------------------------------------------------------

  /**
   * Waits at most `timeout` seconds for network activity (or the next keepalive deadline),
   * processes it and runs callbacks. Returns an MQTT_ERR_* code, as paho's loop(): the call in
   * which the connection ends returns why (MQTT_ERR_SUCCESS when disconnect() asked for it,
   * MQTT_ERR_CONN_LOST, MQTT_ERR_PROTOCOL, ...); a call with no connection at all returns
   * MQTT_ERR_CONN_LOST. Never throws for network trouble.
   */
  async loop(timeout = 1.0): Promise<number> {
    checkNumber(timeout, 'timeout', 0);
    this.callbacks.throwPendingError();
    if (this.idRetry !== null) await this.idRetry; // paho makes that connection within the call that saw the refusal
    if (this.transport === null && this.transportClosed === null) return MQTT_ERR_CONN_LOST;
    // Wait for input unless some is ready to decode (bytes held at the high-water mark are not).
    if ((this.inbox.length === 0 || this.flow.waiting >= this.flow.maxMessages) && this.transportClosed === null) {
      const wait = Math.min(timeout * 1000, Math.max(0, this.session.nextDeadline() - this.clock()));
      await this.pump.waitForActivity(wait);
    }
    // The connection ended in this step (rc says how): the later steps have nothing to work on.
    let rc = this.loopRead();
    if (rc === MQTT_ERR_SUCCESS && this.transport !== null) rc = this.loopWrite();
    if (rc === MQTT_ERR_SUCCESS && this.transport !== null) rc = this.loopMisc();
    this.callbacks.throwPendingError();
    return rc;
  }

  /** Processes received bytes and runs callbacks. */
  loopRead(): number {
    if (this.transport === null && this.transportClosed === null) return MQTT_ERR_NO_CONN;
    this.lastLostRc = MQTT_ERR_SUCCESS;
    this.syncLogging();
    const inbox = this.inbox;
    // Over the high-water mark, received bytes stay undecoded until handlers catch up.
    if (inbox.length > 0 && this.flow.waiting < this.flow.maxMessages) {
      this.inbox = [];
      const now = this.clock();
      for (let i = 0; i < inbox.length; i++) {
        this.session.receive(inbox[i], now);
        // Several chunks: deliver chunk by chunk, and stop decoding at the high-water mark
        // (async handlers busy); the rest waits as bytes.
        if (inbox.length > 1 && this.backpressure.readBacklogged(inbox, i)) break;
      }
      if (this.flow.inboxBytes > 0 && this.inbox.length === 0) this.flow.inboxBytes = 0;
      this.dispatch();
      if (this.flow.readPaused) this.backpressure.updateReading();
      // Answers queued while reading (PUBREL, ...): the caller's loopWrite() sends them (socket hooks).
      if (this.socketHooks.writesExternally() && this.session.pendingOutgoingBytes > 0 && this.transport !== null) this.socketHooks.wantWrite();
    }
    if (this.transportClosed !== null) this.connectionLost(MQTT_ERR_CONN_LOST, this.transportClosed.error);
    return this.lastLostRc;
  }

  /** Writes everything queued, as one write. */
  loopWrite(): number {
    if (this.transport === null) return MQTT_ERR_NO_CONN;
    this.flush();
    this.dispatch();
    if (this.userDisconnect && this.transport !== null && this.socketHooks.writesExternally() && this.session.pendingOutgoingBytes === 0) {
      // The DISCONNECT is written: close and report now, as paho's loop_write does (the socket flushes, then closes).
      this.transport.end();
      this.connectionLost(MQTT_ERR_SUCCESS);
    }
    return MQTT_ERR_SUCCESS;
  }

  /** Runs keepalive and retry deadlines. */
  loopMisc(): number {
    if (this.transport === null) return this.lastLostRc !== MQTT_ERR_SUCCESS ? this.lastLostRc : MQTT_ERR_NO_CONN;
    this.lastLostRc = MQTT_ERR_SUCCESS;
    this.session.tick(this.clock());
    if (this.flow.readPaused) this.backpressure.probeLiveness();
    this.dispatch();
    if (this.transport !== null) this.flushOrRegister();
    this.dispatch();
    return this.lastLostRc;
  }

  /** The socket object of the current connection (net.Socket for TCP), or null. */
  socket(): unknown {
    return this.transport?.socket ?? null;
  }

  /** True when bytes wait to be written. */
  wantWrite(): boolean {
    return this.session.pendingOutgoingBytes > 0 || (this.transport !== null && this.transport.pendingBytes > 0);
  }

  /** Runs the pump in the background (reconnecting when the connection is lost). */
  loopStart(): number {
    if (this.background !== 'none') return MQTT_ERR_INVAL;
    this.background = 'start';
    this.resumeBackground();
    return MQTT_ERR_SUCCESS;
  }

  /**
   * Stops the background pump (the connection stays open; loop() can drive it again). After
   * disconnect() it first lets the disconnection finish, as paho's loop_stop() lets its thread
   * write the DISCONNECT: on_disconnect has run when it resolves.
   */
  async loopStop(): Promise<number> {
    if (this.background !== 'start') return MQTT_ERR_INVAL;
    if (this.userDisconnect && this.transport !== null) await this.disconnectFinished();
    if (this.background !== 'start') return MQTT_ERR_SUCCESS; // loopStop() or loopForever() meanwhile
    this.background = 'none';
    this.pump.clearTimer();
    this.clearReconnectTimer();
    return MQTT_ERR_SUCCESS;
  }

  /**
   * Runs the pump until disconnect(), reconnecting with backoff whenever the connection is
   * lost. With `retryFirstConnection` false, a failure of the very first connection
   * (connectAsync) rejects instead of being retried. Resolves with paho's rc: MQTT_ERR_CONN_LOST
   * after disconnect(); with reconnectOnFailure false, the lost connection's rc (foreverResult.ts).
   */
  loopForever(timeout = 1.0, retryFirstConnection = false): Promise<number> {
    checkNumber(timeout, 'timeout', 0);
    if (this.background !== 'none') return Promise.resolve(MQTT_ERR_INVAL);
    if (this.userDisconnect && this.transport === null) return Promise.resolve(FOREVER_RC_NO_CONNECTION);
    if (this.targetHost === '') throw new ValueError('host: connect() or connectAsync() first');
    return new Promise<number>((resolve, reject) => {
      this.forever = { resolve, reject };
      this.foreverRc = FOREVER_RC_NO_CONNECTION;
      this.background = 'forever';
      if (this.transport === null && !retryFirstConnection) {
        this.reconnect().then(() => this.resumeBackground(), (e) => {
          if (!isSuperseded(e)) this.callbacks.fire('on_connect_fail', 'connect_fail');
          this.endForever(e);
        });
        return;
      }
      this.resumeBackground();
    });
  }

  private resumeBackground(): void {
    if (this.transport !== null || this.transportClosed !== null) this.pump.schedulePump();
    else if (this.wantConnect && !this.userDisconnect && this.reconnectTimer === null) this.startReconnect(0);
  }

  // ---- internals: the pump ---------------------------------------------------------------------------

  /** @internal Bytes from a transport (TransportEvents). */
  onData(transport: Transport, chunk: Buffer): void {
    if (transport !== this.transport) return;
    this.inbox.push(chunk);
    const f = this.flow;
    f.inboxBytes += chunk.length;
    if (f.inboxBytes >= f.maxBytes || f.probing) this.readReceived();
    this.wake();
  }

  /** @internal A transport closed (TransportEvents). */
  onTransportClose(transport: Transport, error?: Error): void {
    if (transport !== this.transport) return;
    this.transportClosed = { transport, error };
    this.wake();
  }

  /** @internal A transport drained its write buffer (TransportEvents). */
  onTransportDrain(transport: Transport): void {
    this.backpressure.onDrain(transport);
  }

  /** @internal New input: run a pump turn (background) or end the wait of loop() (ClientLink). */
  wake(): void {
    this.pump.wake();
  }

  /**
   * Hands the session's queued bytes to the transport (one write). Past the write high-water
   * mark the session holds publishes back (writeBlocked); control packets (acks, PINGREQ) still go.
   * @internal (PumpSteps)
   */
  flush(): void {
    const t = this.transport;
    if (t === null || this.transportClosed !== null) return;
    const chunks = this.session.takeOutgoing(this.clock());
    if (chunks !== null) {
      try {
        this.session.config.store.flush();
      } catch (e) {
        this.log(MQTT_LOG_ERR, `Outgoing-message store failed to sync: ${(e as Error).message}`);
      }
      this.socketHooks.wantWrite(); // the register/unregister pair brackets every write, as in paho
      t.write(chunks);
      this.backpressure.afterWrite(t);
    }
    // After disconnect() the unregister comes with the close, after on_disconnect (as in paho).
    if (this.session.pendingOutgoingBytes === 0 && !this.userDisconnect) this.socketHooks.wroteAll();
  }

  /** @internal Runs the callbacks for the session's events, after its transitions are complete (ClientLink). */
  dispatch(): void {
    // Lines the callbacks cause are logged at once, between the queued lines of what arrived (paho's order).
    const session = this.session;
    const outer = session.logTarget;
    session.logTarget = this;
    this.dispatchDepth++;
    try {
      for (;;) {
        const events = session.takeEvents();
        if (events.length === 0) return;
        for (let i = 0; i < events.length; i++) this.handleEvent(events[i]);
      }
    } finally {
      this.dispatchDepth--;
      session.logTarget = outer;
    }
  }

  private handleEvent(ev: SessionEvent): void {
    switch (ev.kind) {
      case 'message': return this.deliver(ev.message);
      case 'published':
        if (!this.mode.v2) return this.callbacks.fire('on_publish', 'publish', ev.mid);
        return this.callbacks.fireArgs('on_publish', 'publish', publishArgs(ev.mid, ev.reasonCode, ev.properties));
      case 'connack': {
        if (ev.reasonCode === 0) this.backoff.reset();
        if (this.mode.v5) this.afterConnack();
        return this.callbacks.fireArgs('on_connect', 'connect', connectArgs(this.mode, ev.sessionPresent, ev.reasonCode, ev.properties));
      }
      case 'subscribed': return this.callbacks.fireArgs('on_subscribe', 'subscribe', subscribeArgs(this.mode, ev.mid, ev.reasonCodes, ev.properties));
      case 'unsubscribed': return this.callbacks.fireArgs('on_unsubscribe', 'unsubscribe', unsubscribeArgs(this.mode, ev.mid, ev.reasonCodes, ev.properties));
      case 'log': return this.log(ev.level, ev.text);
      case 'close':
        if (ev.retry !== undefined && this.reconnectOnFailure) return this.retryRefused(ev.retry);
        // No line of its own, as paho: the rc reaches on_disconnect, what caused it was logged already.
        this.flush();
        this.connectionLost(ev.rc, undefined, ev.properties, ev.reasonCode);
        return;
      case 'auth': return answerAuth(this, this, this.callbacks, ev.reasonCode, ev.properties);
      case 'pubrec': return this.session.sendPubrec(ev.mid);
    }
  }

  /**
   * MQTT 5, a CONNACK came (accepted or not: paho counts either as the first connect): with
   * MQTT_CLEAN_START_FIRST_ONLY later connections resume the session, so from now on the
   * session keeps its state across a lost connection, as it will ask for it back.
   */
  private afterConnack(): void {
    this.firstConnect = false;
    this.session.config.cleanSession = this.cleanStart === true;
  }

  private deliver(msg: MQTTMessage): void {
    if (this.mode.v5) msg._v5 = true;
    this.delivery.deliver(msg);
  }

  /** onData past the byte high-water mark, or the chunk a liveness probe waited for. */
  private readReceived(): void {
    this.backpressure.readReceived();
  }

  // ClientLink / PumpSteps members the Client has only for its collaborators (lib/client/link.ts).
  /**
   * Bytes were queued: write them at the end of this task, or, when the caller's event loop
   * writes (on_socket_register_write), register the socket for its loopWrite().
   * @internal (ClientLink)
   */
  scheduleFlush(): void {
    if (this.socketHooks.writesExternally()) {
      if (this.transport !== null) this.socketHooks.wantWrite();
    } else {
      this.pump.scheduleFlush();
    }
  }

  /** Writes what the session queued now, or registers it for the caller's loopWrite() (socket hooks). */
  private flushOrRegister(): void {
    if (!this.socketHooks.writesExternally()) this.flush();
    else if (this.session.pendingOutgoingBytes > 0) this.socketHooks.wantWrite();
  }

  /** @internal (ClientLink) */
  schedulePump(): void {
    this.pump.schedulePump();
  }

  /** @internal (PumpSteps) */
  runsInBackground(): boolean {
    return this.background !== 'none';
  }

  /** @internal (PumpSteps) */
  readAndTick(): void {
    this.loopRead();
    this.batchReads();
    this.loopMisc();
  }

  /** Read batching (readBatching.ts): after a turn of a dense QoS 0 stream, pause reading briefly. */
  private batchReads(): void {
    const s = this.session;
    const qos0 = s.receivedQos0;
    const other = s.receivedOther;
    if (qos0 === 0 && other === 0) return;
    s.receivedQos0 = 0;
    s.receivedOther = 0;
    if (this.readBatching.afterRead(this.clock(), qos0, other)) this.backpressure.pauseBriefly(this.readBatching.maxDelayMs);
  }

  /** The connection is over: tear it down, tell the user, and reconnect in the background modes. */
  private connectionLost(rc: number, error?: Error, properties?: PacketProperties, serverReason?: number): void {
    const expected = this.userDisconnect;
    if (error && this.transport !== null) logSocketError(this, error); // first, as paho logs it where the read failed
    // on_socket_close comes before on_disconnect, except after disconnect(): after it (as in paho).
    if (!expected && this.transport !== null) this.socketHooks.closing();
    if (!this.releaseTransport()) return;
    this.pump.clearTimer();
    const finalRc = expected ? MQTT_ERR_SUCCESS : rc;
    this.lastLostRc = expected ? MQTT_ERR_SUCCESS : rc === MQTT_ERR_SUCCESS ? MQTT_ERR_CONN_LOST : rc;
    this.foreverRc = foreverRcAfterClose(rc, expected);
    this.session.connectionLost();
    this.dispatch();
    // Before CONNACK too (closed, malformed or refusing CONNACK, none in time): as paho, a
    // connection whose socket opened ends with on_disconnect; on_connect_fail is only for a
    // socket that could not be opened.
    const drc = finalRc === MQTT_ERR_SUCCESS ? 0 : this.lastLostRc;
    if (!this.mode.v5 && !this.mode.v2) this.callbacks.fire('on_disconnect', 'disconnect', drc, properties);
    else this.callbacks.fireArgs('on_disconnect', 'disconnect', disconnectArgs(this.mode, drc, serverReason, properties));
    this.socketHooks.closing();
    if (expected || !this.wantConnect) {
      this.settleForever();
    } else if (this.background !== 'none') {
      if (!this.reconnectOnFailure) this.settleForever();
      else this.startReconnect(this.backoff.next());
    }
  }

  /**
   * MQTT 3.1.1, CONNACK 2 to our empty client id or 1 (protocol version): as paho, reconnect
   * at once with a generated id, or with MQTT 3.1 (kept from then on), and no callback for the
   * refused attempt. loop() waits for this attempt.
   */
  private retryRefused(kind: 'generatedId' | 'mqtt31'): void {
    if (kind === 'generatedId') {
      this.log(MQTT_LOG_DEBUG, 'Received CONNACK (0, 2), attempting to use non-empty CID');
      this.session.config.clientId = generatedClientId();
    } else {
      this.log(MQTT_LOG_DEBUG, 'Received CONNACK (0, 1), attempting downgrade to MQTT v3.1.');
      this.session.config.protocol = MQTTv31;
    }
    this.dropTransport();
    const retry = this.reconnect().then(() => {
      if (this.background !== 'none') this.pump.schedulePump();
    }, (e) => {
      // In the background modes it counts as a failed attempt, retried as loop_forever retries one.
      if (isSuperseded(e) || this.userDisconnect || this.background === 'none') return;
      this.foreverRc = FOREVER_RC_NO_CONNECTION;
      this.callbacks.fire('on_connect_fail', 'connect_fail');
      logRetrying(this);
      this.startReconnect(this.backoff.next());
    }).finally(() => {
      if (this.idRetry === retry) this.idRetry = null;
    });
    this.idRetry = retry;
  }

  private startReconnect(delaySeconds: number): void {
    this.clearReconnectTimer();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.background === 'none' || this.userDisconnect) return;
      this.reconnect().then(() => this.pump.schedulePump(), (e) => {
        if (this.background === 'none' || this.userDisconnect || isSuperseded(e)) return;
        this.foreverRc = FOREVER_RC_NO_CONNECTION;
        this.callbacks.fire('on_connect_fail', 'connect_fail');
        logRetrying(this);
        this.startReconnect(this.backoff.next());
      });
    }, delaySeconds * 1000);
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /** @internal A callback failed with suppressExceptions false: loopForever() ends with its error (CallbackOwner). */
  callbackErrorPending(): void {
    if (this.forever) this.endForever(this.callbacks.takePendingError());
  }

  private settleForever(): void {
    if (this.background === 'forever') this.endForever(null);
  }

  private endForever(error: unknown): void {
    const f = this.forever;
    this.forever = null;
    this.background = 'none';
    this.pump.clearTimer();
    this.clearReconnectTimer();
    if (f === null) return;
    if (error !== null) f.reject(error);
    else f.resolve(this.foreverRc);
  }

  /** Closes everything without callbacks (reinitialise, reconnect). */
  private teardown(): void {
    this.attempt++;
    this.dropTransport();
    this.pump.clearTimer();
    this.clearReconnectTimer();
    if (this.forever) this.endForever(null);
    this.background = 'none';
    this.session?.config.store.close();
  }

  private dropTransport(): void {
    if (this.transport !== null) this.socketHooks.closing();
    if (this.releaseTransport()) this.session.connectionLost();
  }

  /**
   * Resolves once the connection disconnect() is closing is gone (its close processed,
   * on_disconnect run); a connection that does not close within connectTimeout is dropped.
   */
  private disconnectFinished(): Promise<void> {
    return new Promise<void>((resolve) => {
      const transport = this.transport;
      const timer = setTimeout(() => {
        if (this.transport !== transport) return;
        // The DISCONNECT never finished flushing (a peer that stopped reading): end() would
        // wait for ever, so drop the socket before giving up on it.
        transport?.destroy();
        this.connectionLost(MQTT_ERR_SUCCESS);
      }, this.connectTimeout * 1000);
      (this.transportReleased ??= []).push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Closes the current transport and forgets its read state (unread bytes, pauses); false when there was none. */
  private releaseTransport(): boolean {
    const t = this.transport;
    if (t === null) return false;
    const waiters = this.transportReleased;
    if (waiters !== null) {
      this.transportReleased = null;
      for (const w of waiters) queueMicrotask(w);
    }
    this.transport = null;
    this.transportClosed = null;
    this.inbox = [];
    this.backpressure.connectionLost(!this.cleanSession);
    this.readBatching.reset();
    // After disconnect(), let what was written (the DISCONNECT) go out first (disconnect() has
    // already ended it when it completed the disconnection itself); otherwise close at once.
    if (!this.userDisconnect) t.destroy();
    else if (!this.closingOnItsOwn) t.end();
    return true;
  }

  private syncLogging(): void {
    this.session.logging = this.callbacks.logging;
  }

  /** @internal (ClientLink) */
  log(level: number, text: string): void {
    this.callbacks.log(level, text);
  }

  /** @internal Sizes of internal collections, for leak checks in soak specs. */
  _debugSizes(): Record<string, number> {
    const s = this.session;
    return {
      outgoing: s.outgoing.size, inflight: s.outgoing.inflight, incomingQos2: s.incomingQos2.size,
      pendingSubscribes: s.pendingSubscribes.size, pendingUnsubscribes: s.pendingUnsubscribes.size,
      inbox: this.inbox.length, timers: (this.pump.timerArmed ? 1 : 0) + (this.reconnectTimer ? 1 : 0),
    };
  }
}

/** A connection attempt given up because another reconnect() or disconnect() came meanwhile. */
function isSuperseded(e: unknown): boolean {
  return (e as Error)?.message === 'connection attempt superseded';
}

/** The default clock: one function shared by every client, not a closure each. */
const monotonicMs = (): number => performance.now();
