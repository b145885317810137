/**
 * The driver behind the Client facade: it owns the session, the open connection's transport
 * and the inbox (received bytes not yet decoded), runs the pump steps (loopRead, loopWrite,
 * loopMisc) and is the transport's event target. What lives in lib/client/:
 *  - driver.ts (this): session + transport + inbox + pump steps + transport events;
 *  - reconnect.ts (+ connectorFields.ts): connect, reconnect with backoff, loopStart/loopForever;
 *  - events.ts: the session's events turned into callbacks; callbacks.ts: calling user code;
 *  - delivery.ts, flowControl.ts, backpressure.ts, readBatching.ts: received messages to
 *    handlers, incoming flow control, read pausing and write blocking, read batching;
 *  - pumpScheduler.ts: when pump turns run (turnQueue.ts, deadlines.ts: the process-wide turn
 *    queues and deadline timer); socketHooks.ts: paho's on_socket_* hooks;
 *  - auth.ts (MQTT 5 AUTH answers), transportSettings.ts (TLS, WebSockets, proxies);
 *  - stats.ts (Client.stats()'s snapshot), tracing.ts (the node:diagnostics_channel channels);
 *  - args.ts, mqtt5Args.ts, options.ts, payload.ts, pahoProperties.ts: the facade's argument checks;
 *  - callbackArgs.ts, callbackSignatures.ts, callbackTypes.ts: callback arguments and their types.
 *
 * One driver per Client. Idle memory per connection is a benchmarked goal: collaborators are plain
 * objects with methods on prototypes, those an idle connection never needs (delivery, read
 * batching) made by their first use, and the driver is their link (no adapters, no closures).
 */
import { MQTT_ERR_CONN_LOST, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTT_LOG_ERR } from '../constants';
import type { PacketProperties } from '../protocol/types';
import { defaultSessionConfig, Session, SessionConfig } from '../session/session';
import { defaultOutgoingLimits } from '../session/queueLimits';
import type { Transport } from '../transport/types';
import { Backpressure } from './backpressure';
import { CallbackMode, callbackMode } from './callbackArgs';
import { Callbacks, CallbackSource } from './callbacks';
import { logSocketError } from './connectionLog';
import { Delivery } from './delivery';
import { dispatchEvents, fireDisconnect } from './events';
import { foreverRcAfterClose } from './foreverResult';
import type { IncomingFlow } from './flowControl';
import type { ResolvedOptions } from './options';
import { PumpScheduler } from './pumpScheduler';
import { ReadBatching } from './readBatching';
import { Connector } from './reconnect';
import { registerForWrite, socketClosing, socketOpened, writesExternally, wroteAll } from './socketHooks';
import { disconnectChannel, publishChannel, traceDisconnect, tracePublish } from './tracing';

/**
 * The inbox while nothing waits: one shared, frozen empty array, so an idle connection holds no
 * array of its own (idle memory per connection is benchmarked); onData() makes a new one.
 */
const NO_INPUT: Buffer[] = Object.freeze([]) as unknown as Buffer[];

export class ClientDriver {
  /** The engine; a new one per configure() (construction, reinitialise()). */
  session!: Session;
  /** Monotonic ms. */
  clock!: () => number;
  /** The open connection's transport, or null. */
  transport: Transport | null = null;
  /** The transport closed; the next loopRead() ends the connection (with its error, if any). */
  private transportClosed: { transport: Transport; error?: Error } | null = null;
  /** Received bytes not yet decoded (NO_INPUT while none). */
  inbox: Buffer[] = NO_INPUT;
  /** The rc of the step that ended the connection, for loopRead()/loopMisc() to return. */
  private lastLostRc = MQTT_ERR_SUCCESS;
  /** Which callback signatures to use (callbackArgs.ts): MQTT 5, VERSION2. */
  mode: CallbackMode = callbackMode(false, false);
  /** Callbacks of session events are running (events.ts): paho's "inside a callback". */
  dispatchDepth = 0;
  /** disconnect() is ending the connection at once; the transport closes itself after flushing. */
  private closingOnItsOwn = false;
  /** loopStop() calls waiting for a disconnect() to finish (disconnectFinished). */
  private transportReleased: Array<() => void> | null = null; // made when needed: idle memory

  /** Connecting, reconnecting with backoff, loopStart()/loopForever(). */
  readonly connector: Connector;
  /** Callback slots, events, handlers and log lines: how user code is called. */
  readonly callbacks: Callbacks;
  /** Incoming flow control: handler slots, waiting messages, read high-water marks (the backpressure's base class). */
  get flow(): IncomingFlow { return this.backpressure; }
  /** Read pausing and write blocking at the transport. */
  readonly backpressure: Backpressure;
  /** When a dense QoS 0 stream is read in batches: made by the first read of a QoS 0 PUBLISH or readBatchingSet() (idle memory). */
  readBatching: ReadBatching | null = null;
  /** When pump turns run: data events, flush tasks, the deadline timer, loop()'s wait. */
  readonly pump: PumpScheduler;
  /** Handing received messages to handlers, their acks: made by the first message or setting that needs it. */
  private deliveryMade: Delivery | null = null;
  get delivery(): Delivery { return this.deliveryMade ?? (this.deliveryMade = new Delivery(this)); }
  /** paho's on_socket_* hooks (socketHooks.ts, whose state these two fields are): the open connection's socket, and whether it is registered for writing. */
  hookedSocket: unknown = null;
  writeRegistered = false;

  /** `client`: the facade, whose callback slots and events user code is called through. */
  constructor(client: CallbackSource) {
    this.connector = new Connector(this);
    this.callbacks = new Callbacks(client, this.connector);
    this.backpressure = new Backpressure(this);
    this.pump = new PumpScheduler(this, this);
  }

  /** A fresh session and settings from checked constructor options. */
  configure(o: ResolvedOptions): void {
    this.mode = o.mode;
    this.clock = o.clock;
    this.callbacks.userdata = o.userdata;
    if (o.manualAck || this.deliveryMade !== null) this.delivery.manualAck = o.manualAck;
    this.connector.configure(o);
    const config = defaultSessionConfig(); // assigned field by field: one shared hidden class
    config.clientId = o.clientId;
    config.cleanSession = o.cleanSession;
    config.protocol = o.protocol;
    if (o.store) config.store = o.store;
    config.autoTopicAlias = o.autoTopicAlias;
    config.maxPacketSize = o.maxPacketSize; // config.limits: made by the first setter
    if (o.offlineQos0) (config.limits = defaultOutgoingLimits()).offlineQos0 = true;
    this.session = new Session(config);
    this.session.holdAcks = true; // acks go out after the handler (or ack() with manualAckSet)
  }

  /** Back to the constructed state (reinitialise()): the connection closed without callbacks, every collaborator reset. */
  reset(): void {
    this.connector.teardown();
    this.session.config.store.close();
    this.callbacks.reset();
    this.connector.reset();
    this.deliveryMade?.reset(); // kept: handlers of the old life still settle against it
    this.backpressure.reset();
    this.readBatching = null; // the default delay, reading eagerly
  }

  /** The session's settings (what CONNECT carries, limits): the facade's setters write here. */
  get config(): SessionConfig {
    return this.session.config;
  }

  /** Seconds to wait for CONNACK (default: the keepalive, or 30 s when keepalive is 0). */
  connectTimeoutSeconds(): number {
    const c = this.session.config;
    return c.connackTimeout > 0 ? c.connackTimeout : c.keepalive > 0 ? c.keepalive : 30;
  }

  isConnected(): boolean {
    return this.transport !== null && this.transportClosed === null && this.session.isConnected;
  }

  /** A transport is open, or its close is not processed yet. */
  hasConnection(): boolean {
    return this.transport !== null || this.transportClosed !== null;
  }

  /** paho's _connection_closed(): never connected, or disconnect()ed and the socket released. */
  connectionClosed(): boolean {
    return this.transport === null && !this.connector.wantConnect;
  }

  // ---- commands: the session queues, the pump writes ----------------------------------------------

  publish(topic: string, body: Buffer, qos: 0 | 1 | 2, retain: boolean, props: PacketProperties | undefined): ReturnType<Session['publish']> {
    const info = this.session.publish(topic, body, qos, retain, props, this.clock());
    if (publishChannel.hasSubscribers) tracePublish(this, topic, body, qos, retain, info.mid, info.rc);
    this.scheduleFlush();
    return info;
  }

  subscribe(subs: Parameters<Session['subscribe']>[0], props: PacketProperties | undefined): [number, number] {
    const r = this.session.subscribe(subs, props, this.clock());
    this.scheduleFlush();
    return r;
  }

  unsubscribe(topics: string[], props: PacketProperties | undefined): [number, number] {
    const r = this.session.unsubscribe(topics, props, this.clock());
    this.scheduleFlush();
    return r;
  }

  /** manualAckSet's ack(): false when no unacknowledged message has that id and QoS. */
  ack(mid: number, qos: number): boolean {
    if (!this.session.ack(mid, qos, this.clock())) return false;
    this.scheduleFlush();
    return true;
  }

  reauthenticate(props: PacketProperties | undefined): number {
    const rc = this.session.reauthenticate(props, this.clock());
    this.scheduleFlush();
    return rc;
  }

  /**
   * Sends DISCONNECT and closes the connection once everything queued is written (the
   * arguments checked by the facade; the session checks the properties against the CONNECT's).
   */
  disconnect(code: number | undefined, props: PacketProperties | undefined): number {
    this.session.checkDisconnect(props);
    this.connector.disconnectRequested();
    if (this.session.config.cleanSession) this.session.abandonPending(MQTT_ERR_NO_CONN);
    // QoS 0 has no session state to resume: what offlineQos0 still holds goes with the user's disconnect.
    if (this.session.config.limits?.offlineQos0) this.session.dropWaitingQos0(MQTT_ERR_NO_CONN);
    if (this.transport === null) {
      this.connector.settleForever();
      return MQTT_ERR_NO_CONN;
    }
    this.session.disconnect(this.clock(), code, props);
    // An external event loop writes the DISCONNECT with its loopWrite(), which then closes (as paho).
    if (writesExternally(this)) registerForWrite(this);
    else {
      this.flush();
      this.transport.end();
      // As paho's disconnect() with no loop thread, outside a callback: it writes DISCONNECT
      // itself, so on_disconnect has run when it returns (the socket finishes closing on its own).
      if (!this.runsInBackground() && this.dispatchDepth === 0) this.disconnectedNow();
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

  // ---- the pump steps --------------------------------------------------------------------------

  /** paho's loop(): wait for activity (at most `timeout` s), then read, write, and run deadlines. */
  async loop(timeout: number): Promise<number> {
    this.callbacks.throwPendingError();
    const idRetry = this.connector.idRetry;
    if (idRetry !== null) await idRetry; // paho makes that connection within the call that saw the refusal
    if (!this.hasConnection()) return MQTT_ERR_CONN_LOST;
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

  /** Decodes received bytes and runs callbacks. */
  loopRead(): number {
    if (this.transport === null && this.transportClosed === null) return MQTT_ERR_NO_CONN;
    this.lastLostRc = MQTT_ERR_SUCCESS;
    this.syncLogging();
    const inbox = this.inbox;
    // Over the high-water mark, received bytes stay undecoded until handlers catch up.
    if (inbox.length > 0 && this.flow.waiting < this.flow.maxMessages) {
      this.inbox = NO_INPUT;
      const now = this.clock();
      for (let i = 0; i < inbox.length; i++) {
        this.session.receive(inbox[i], now);
        // Several chunks: deliver chunk by chunk, and stop decoding at the high-water mark
        // (async handlers busy); the rest waits as bytes.
        if (inbox.length > 1 && this.readBacklogged(inbox, i)) break;
      }
      if (this.flow.inboxBytes > 0 && this.inbox.length === 0) this.flow.inboxBytes = 0;
      dispatchEvents(this); // not this.dispatch(): one frame less on the path of every received message
      if (this.flow.readPaused) this.backpressure.updateReading();
      // Answers queued while reading (PUBREL, ...): the caller's loopWrite() sends them (socket hooks).
      if (writesExternally(this) && this.session.pendingOutgoingBytes > 0 && this.transport !== null) registerForWrite(this);
    }
    if (this.transportClosed !== null) this.connectionLost(MQTT_ERR_CONN_LOST, this.transportClosed.error);
    return this.lastLostRc;
  }

  /** After a decoded chunk: true (and the rest kept as bytes) when the connection ended or handlers are over the high-water mark. */
  private readBacklogged(inbox: Buffer[], i: number): boolean {
    dispatchEvents(this);
    if (this.transport === null) return true;
    const f = this.flow;
    if (f.waiting < f.maxMessages || i + 1 >= inbox.length) return false;
    const rest = inbox.slice(i + 1);
    let bytes = 0;
    for (const c of rest) bytes += c.length;
    this.inbox = rest;
    f.inboxBytes = bytes;
    this.backpressure.updateReading();
    return true;
  }

  /** Writes everything queued, as one write. */
  loopWrite(): number {
    if (this.transport === null) return MQTT_ERR_NO_CONN;
    this.flush();
    this.dispatch();
    if (this.connector.userDisconnect && this.transport !== null && writesExternally(this) && this.session.pendingOutgoingBytes === 0) {
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

  /** True when bytes wait to be written. */
  wantWrite(): boolean {
    return this.session.pendingOutgoingBytes > 0 || (this.transport !== null && this.transport.pendingBytes > 0);
  }

  /** loopStart()/loopForever() run the pump (PumpSteps). */
  runsInBackground(): boolean {
    return this.connector.background !== 'none';
  }

  /** A background turn: loopRead() then loopMisc() (PumpSteps). */
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
    // Until a QoS 0 PUBLISH came, there is nothing to batch, and the defaults hold (null).
    const b = this.readBatching ?? (qos0 > 0 ? (this.readBatching = new ReadBatching()) : null);
    if (b !== null && b.afterRead(this.clock(), qos0, other)) this.backpressure.pauseBriefly(b);
  }

  /**
   * Hands the session's queued bytes to the transport (one write). Past the write high-water
   * mark the session holds publishes back (writeBlocked); control packets (acks, PINGREQ) still go.
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
      registerForWrite(this); // the register/unregister pair brackets every write, as in paho
      t.write(chunks);
      this.backpressure.afterWrite(t);
    }
    // After disconnect() the unregister comes with the close, after on_disconnect (as in paho).
    if (this.session.pendingOutgoingBytes === 0 && !this.connector.userDisconnect) wroteAll(this);
  }

  /** Runs the callbacks for the session's events, after its transitions are complete. */
  dispatch(): void {
    dispatchEvents(this);
  }

  /**
   * Bytes were queued: write them at the end of this task, or, when the caller's event loop
   * writes (on_socket_register_write), register the socket for its loopWrite().
   */
  scheduleFlush(): void {
    if (writesExternally(this)) {
      if (this.transport !== null) registerForWrite(this);
    } else {
      this.pump.scheduleFlush();
    }
  }

  /** Writes what the session queued now, or registers it for the caller's loopWrite() (socket hooks). */
  private flushOrRegister(): void {
    if (!writesExternally(this)) this.flush();
    else if (this.session.pendingOutgoingBytes > 0) registerForWrite(this);
  }

  schedulePump(): void {
    this.pump.schedulePump();
  }

  /** New input: run a pump turn (background) or end the wait of loop(). */
  wake(): void {
    this.pump.wake();
  }

  // ---- transport events (ClientTransportHandlers) --------------------------------------------------

  /** Bytes from a transport. */
  onData(transport: Transport, chunk: Buffer): void {
    if (transport !== this.transport) return;
    const inbox = this.inbox;
    if (inbox === NO_INPUT) this.inbox = [chunk];
    else inbox.push(chunk);
    const f = this.flow;
    f.inboxBytes += chunk.length;
    if (f.inboxBytes >= f.maxBytes || f.probing) this.backpressure.readReceived();
    this.pump.dataArrived();
  }

  /** A transport closed. */
  onTransportClose(transport: Transport, error?: Error): void {
    if (transport !== this.transport) return;
    this.transportClosed = { transport, error };
    this.pump.wake();
  }

  /** A transport drained its write buffer. */
  onTransportDrain(transport: Transport): void {
    this.backpressure.onDrain(transport);
  }

  // ---- the connection's life -------------------------------------------------------------------

  /** A transport opened for a new connection (reconnect.ts): CONNECT goes out. */
  attach(transport: Transport): void {
    this.transport = transport;
    this.transportClosed = null;
    this.inbox = NO_INPUT;
    socketOpened(this, transport.socket);
    this.syncLogging();
    this.session.startConnection(this.clock());
    this.flushOrRegister();
    this.dispatch();
    this.pump.armTimer();
  }

  /** The connection is over: tear it down, tell the user, and reconnect in the background modes. */
  connectionLost(rc: number, error?: Error, properties?: PacketProperties, serverReason?: number): void {
    const expected = this.connector.userDisconnect;
    if (error && this.transport !== null) logSocketError(this, error); // first, as paho logs it where the read failed
    // on_socket_close comes before on_disconnect, except after disconnect(): after it (as in paho).
    if (!expected && this.transport !== null) socketClosing(this);
    if (!this.releaseTransport()) return;
    this.pump.clearTimer();
    const finalRc = expected ? MQTT_ERR_SUCCESS : rc;
    this.lastLostRc = expected ? MQTT_ERR_SUCCESS : rc === MQTT_ERR_SUCCESS ? MQTT_ERR_CONN_LOST : rc;
    this.connector.foreverRc = foreverRcAfterClose(rc, expected);
    this.session.connectionLost();
    this.dispatch();
    // Before CONNACK too (closed, malformed or refusing CONNACK, none in time): as paho, a
    // connection whose socket opened ends with on_disconnect; on_connect_fail is only for a
    // socket that could not be opened.
    if (disconnectChannel.hasSubscribers) traceDisconnect(this, finalRc === MQTT_ERR_SUCCESS ? 0 : this.lastLostRc, serverReason, error);
    fireDisconnect(this, finalRc === MQTT_ERR_SUCCESS ? 0 : this.lastLostRc, properties, serverReason);
    socketClosing(this);
    this.connector.afterConnectionLost(expected, serverReason, properties);
  }

  /** Closes the connection without callbacks (reinitialise, reconnect). */
  dropTransport(): void {
    if (this.transport !== null) socketClosing(this);
    if (this.releaseTransport()) this.session.connectionLost();
  }

  /** Runs `fn` once the current transport is released (its close processed, on_disconnect run). */
  whenReleased(fn: () => void): void {
    (this.transportReleased ??= []).push(fn);
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
    this.inbox = NO_INPUT;
    // The broker keeps the session: MQTT 3.x without clean session (MQTT 5's Clean Start is per connection).
    this.backpressure.connectionLost(!this.mode.v5 && !this.session.config.cleanSession);
    this.readBatching?.readEagerly();
    // After disconnect(), let what was written (the DISCONNECT) go out first (disconnect() has
    // already ended it when it completed the disconnection itself); otherwise close at once.
    if (!this.connector.userDisconnect) t.destroy();
    else if (!this.closingOnItsOwn) t.end();
    return true;
  }

  /** The session formats log lines only while someone listens. */
  syncLogging(): void {
    this.session.logging = this.callbacks.logging;
  }

  log(level: number, text: string): void {
    this.callbacks.log(level, text);
  }
}
