/**
 * Connecting and staying connected: the target of connect() (one host, or the `servers` list:
 * each attempt takes the next server, and a followed MQTT 5 Server Reference takes the one
 * after it), each connection attempt (reconnect()), paho's immediate retry after a refused
 * empty client id or protocol level, and the background modes: loopStart() and loopForever()
 * reconnect after a lost connection with paho's backoff (min_delay, doubled per failed attempt
 * up to max_delay, reset on CONNACK), spread by the jitter reconnectDelaySet() chose
 * (backoff.ts). With a list, the backoff is waited once per failed round of the list, not per server.
 * loopForever()'s promise and what it resolves with (foreverResult.ts) live here too.
 */
import { MQTT_CLEAN_START_FIRST_ONLY, MQTT_ERR_INVAL, MQTT_ERR_SUCCESS, MQTT_LOG_DEBUG, MQTT_LOG_INFO, MQTTv31 } from '../constants';
import { ValueError } from '../errors';
import type { PacketProperties } from '../protocol/types';
import type { Session } from '../session/session';
import { tlsSettingsFrom } from '../transport/tlsOptions';
import type { Transport } from '../transport/types';
import { generatedClientId } from './args';
import { backoffSettings, Jitter, jittered, nextDelay } from './backoff';
import type { CallbackMode } from './callbackArgs';
import type { Callbacks } from './callbacks';
import { logRetrying } from './connectionLog';
import { FOREVER_RC_NO_CONNECTION } from './foreverResult';
import type { ConnectTarget, ResolvedOptions } from './options';
import type { PumpScheduler } from './pumpScheduler';
import { ServerRotation } from './rotation';
import { Server, serverName } from './servers';
import { ConnectorFields } from './connectorFields';
import { ClientTransportHandlers, TransportEvents } from './transportHandlers';
import { TransportSettings } from './transportSettings';

/** What the connector needs of the driver that owns it. */
export interface ConnectorHost extends TransportEvents {
  readonly mode: CallbackMode;
  readonly session: Session;
  readonly transport: Transport | null;
  readonly callbacks: Callbacks;
  readonly pump: PumpScheduler;
  /** Closes the connection without callbacks. */
  dropTransport(): void;
  /** A transport opened for a new connection: CONNECT goes out. */
  attach(transport: Transport): void;
  /** Runs `fn` once the current transport is released (its close processed, on_disconnect run). */
  whenReleased(fn: () => void): void;
  connectionLost(rc: number): void;
  /** A transport is open, or its close is not processed yet. */
  hasConnection(): boolean;
  connectTimeoutSeconds(): number;
  log(level: number, text: string): void;
}

/** The error a connection attempt given up because another reconnect() or disconnect() came meanwhile rejects with. */
const SUPERSEDED = 'connection attempt superseded';

/** The settings of every client that changed none: read only (the setters go to transportsToEdit()). */
const DEFAULT_TRANSPORTS = new TransportSettings();

export function isSuperseded(e: unknown): boolean {
  return (e as Error)?.message === SUPERSEDED;
}

/** The fields most clients leave at their defaults (settings, backoff state, loopForever()'s promise, the `servers` rotation): connectorFields.ts. */
export class Connector extends ConnectorFields {
  targetHost = '';
  targetPort = 1883;
  /** Bumped by each attempt and by disconnect(): an attempt that finds it changed was superseded. */
  private attempt = 0;
  /** connect()/connectAsync() asked for a connection, and no disconnect() since. */
  wantConnect = false;
  /** disconnect() was called (and no connection attempt since). */
  userDisconnect = false;
  /** Who runs the pump: the caller (loop()), loopStart() or loopForever(). */
  background: 'none' | 'start' | 'forever' = 'none';

  constructor(private readonly driver: ConnectorHost) {
    super();
  }

  /**
   * TLS and WebSocket settings, and the built-in transports made from them. Until a setter
   * runs, the shared defaults (never written): most clients set none, and an idle connection
   * should not carry an object of defaults (idle memory is benchmarked).
   */
  get transports(): TransportSettings {
    return this.ownTransports ?? DEFAULT_TRANSPORTS;
  }

  /** The settings to change (tlsSet, wsSetOptions, proxySet): this client's own, made now if needed. */
  transportsToEdit(): TransportSettings {
    return this.ownTransports ?? (this.ownTransports = new TransportSettings());
  }

  configure(o: ResolvedOptions): void {
    this.cleanStart = MQTT_CLEAN_START_FIRST_ONLY;
    this.firstConnect = true;
    this.transportKind = o.transport;
    this.transportFactory = o.createTransport;
    this.reconnectOnFailure = o.reconnectOnFailure;
    this.rotation = o.servers !== null || o.followServerReference ? new ServerRotation(o.servers, o.followServerReference) : null;
    const b = this.backoff;
    this.backoff = backoffSettings(b.minDelay, b.maxDelay, b.jitter, o.random);
  }

  /** Back to the constructed state (reinitialise(), after teardown()). */
  reset(): void {
    this.ownTransports = null; // back to the defaults
    this.targetHost = '';
    this.wantConnect = false;
    this.userDisconnect = false;
    this.reconnectDelaySet(1, 120, 'none');
  }

  /** Backoff for automatic reconnects, in seconds, and its jitter (checked by the facade). */
  reconnectDelaySet(minDelay: number, maxDelay: number, jitter: Jitter): void {
    this.backoff = backoffSettings(minDelay, maxDelay, jitter, this.backoff.random);
    this.delay = null;
  }

  /** Seconds to wait before the next attempt: paho's doubling delay, spread by the jitter. */
  private nextDelay(): number {
    const b = this.backoff;
    this.delay = nextDelay(this.delay, b.minDelay, b.maxDelay);
    return jittered(this.delay, b.jitter, b.random);
  }

  get reconnectTimerArmed(): boolean {
    return this.reconnectTimer !== null;
  }

  /** proxySet(): a Unix socket cannot be proxied. */
  setProxy(args: Parameters<TransportSettings['setProxy']>[0]): void {
    this.transportsToEdit().setProxy(args, this.transportKind);
  }

  /** The host (or socket path) of the server in use, or of the last attempt; '' before any. */
  get host(): string {
    return this.rotation?.current?.host ?? this.targetHost;
  }

  /** The port of the server in use, or of the last attempt. */
  get port(): number {
    return this.rotation?.current?.port ?? this.targetPort;
  }

  /** The transport of the server in use, or of the last attempt. */
  get transportInUse(): 'tcp' | 'websockets' | 'unix' {
    return this.rotation?.current?.transport ?? this.transportKind;
  }

  /** A `servers` list was given: connect() may be called without a host. */
  get hasServers(): boolean {
    return this.rotation?.hasList === true;
  }

  /**
   * connect()/connectAsync()'s arguments, checked by the facade; kept for reconnects. `host`
   * null: the `servers` list (hasServers); a host: that one server, instead of the list.
   */
  setTarget(host: string | null, port: number, bindAddress: string, bindPort: number, cleanStart: boolean | number): void {
    this.cleanStart = cleanStart;
    this.rotation?.restart(host === null);
    if (host !== null) {
      this.targetHost = host;
      this.targetPort = port;
    }
    this.bindAddress = bindAddress;
    this.bindPort = bindPort;
  }

  /** connectAsync(): the connection is made by loopStart()/loopForever(). */
  connectAsync(): void {
    this.wantConnect = true;
    if (this.background !== 'none') this.startReconnect(0);
  }

  /** Opens a new connection to the last host given (closing the current one, without callbacks). */
  async reconnect(): Promise<number> {
    if (!this.hasTarget()) throw new ValueError('host: connect() or connectAsync() first');
    const attempt = ++this.attempt;
    const server = this.rotation?.choose(this.driver, this.transportKind) ?? null;
    this.userDisconnect = false;
    this.wantConnect = true;
    this.clearReconnectTimer();
    const d = this.driver;
    d.dropTransport();
    if (d.mode.v5) d.session.config.cleanSession = this.cleanStart === true || (this.cleanStart !== false && this.firstConnect);
    d.callbacks.fire('on_pre_connect', 'pre_connect');
    const transport = this.createTransport(server);
    // A socket that cannot be opened: the error rejects, as paho raises it, and no line is logged.
    await transport.open(new ClientTransportHandlers(d, transport)).catch((e: unknown) => d.session.traffic.openFailed(e));
    if (attempt !== this.attempt) { // superseded by another reconnect() or disconnect() meanwhile
      transport.destroy();
      throw new Error(SUPERSEDED);
    }
    d.attach(transport);
    return MQTT_ERR_SUCCESS;
  }

  private hasTarget(): boolean {
    return this.rotation?.usesList === true || this.targetHost !== '';
  }

  /** The transport for an attempt to `s` (null: connect()'s host with the client's settings). */
  private createTransport(s: Server | null): Transport {
    const target: ConnectTarget = {
      host: s?.host ?? this.targetHost, port: s?.port ?? this.targetPort, bindAddress: this.bindAddress, bindPort: this.bindPort,
      transport: s?.transport ?? this.transportKind, connectTimeoutMs: this.driver.connectTimeoutSeconds() * 1000,
    };
    if (this.transportFactory) return this.transportFactory(target);
    const log = (level: number, text: string): void => this.driver.log(level, text);
    if (s === null) return this.transports.build(target, this.driver.session.config.protocol, log);
    // A server's own TLS choice: true takes tlsSet()'s settings, or the secure defaults without them.
    const t = s.tls;
    const tls = t === undefined ? undefined : t === false ? null : t === true ? this.transports.tls ?? tlsSettingsFrom() : t;
    return this.transports.build(target, this.driver.session.config.protocol, log, { tls, wsPath: s.wsPath });
  }

  /**
   * connect() with the `servers` list: each server in turn, from the next one, until a socket
   * opens (as connectSrv() tries its targets); rejects with the last error when none did.
   * With connect()'s host, one attempt, as reconnect().
   */
  async connectAny(): Promise<number> {
    const tries = this.rotation?.roundLength ?? 1;
    let last: unknown;
    for (let i = 0; i < tries; i++) {
      try {
        return await this.driver.callbacks.owner.reconnect();
      } catch (e) {
        if (isSuperseded(e) || this.userDisconnect) throw e;
        last = e;
        const name = serverName({ host: this.host, port: this.port, transport: this.rotation?.current?.transport ?? this.transportKind });
        if (i + 1 < tries) this.driver.log(MQTT_LOG_INFO, `Connection to ${name} failed: ${(e as Error).message}`);
      }
    }
    throw last;
  }

  /** disconnect() was called: no more attempts, and the one under way is superseded. */
  disconnectRequested(): void {
    this.userDisconnect = true;
    this.wantConnect = false;
    this.clearReconnectTimer();
    this.attempt++;
  }

  /**
   * A CONNACK came. Accepted: the backoff starts over. MQTT 5, accepted or not (paho counts
   * either as the first connect): with MQTT_CLEAN_START_FIRST_ONLY later connections resume the
   * session, so from now on the session keeps its state across a lost connection, as it will ask for it back.
   */
  connackReceived(reasonCode: number, properties?: PacketProperties): void {
    if (reasonCode === 0) {
      this.delay = null;
      this.rotation?.accepted();
    }
    this.rotation?.noteReference(reasonCode, properties, this.targetHost, this.targetPort);
    if (!this.driver.mode.v5) return;
    this.firstConnect = false;
    this.driver.session.config.cleanSession = this.cleanStart === true;
  }

  /**
   * The connection was lost (after on_disconnect): end loopForever(), or reconnect in the
   * background modes. `serverReason`/`properties`: the broker's DISCONNECT, if it sent one.
   */
  afterConnectionLost(expected: boolean, serverReason?: number, properties?: PacketProperties): void {
    this.rotation?.noteReference(serverReason, properties, this.targetHost, this.targetPort);
    if (expected || !this.wantConnect) {
      this.settleForever();
    } else if (this.background !== 'none') {
      if (!this.reconnectOnFailure) this.settleForever();
      else this.startReconnect(this.delayAfterFailure());
    }
  }

  /**
   * Seconds before the attempt after a failed one (a socket that did not open, or a lost
   * connection): with a list, at once until a round of it has failed (rotation.ts); otherwise
   * paho's backoff, as for one server every time.
   */
  private delayAfterFailure(): number {
    return this.rotation?.retryAtOnce() === true ? 0 : this.nextDelay();
  }

  /** Whether a CONNACK refusal paho retries at once is retried (retryRefused). */
  retriesRefusals(): boolean {
    return this.reconnectOnFailure;
  }

  /**
   * MQTT 3.1.1, CONNACK 2 to our empty client id or 1 (protocol version): as paho, reconnect
   * at once with a generated id, or with MQTT 3.1 (kept from then on), and no callback for the
   * refused attempt. loop() waits for this attempt.
   */
  retryRefused(kind: 'generatedId' | 'mqtt31'): void {
    const d = this.driver;
    if (kind === 'generatedId') {
      d.log(MQTT_LOG_DEBUG, 'Received CONNACK (0, 2), attempting to use non-empty CID');
      d.session.config.clientId = generatedClientId();
    } else {
      d.log(MQTT_LOG_DEBUG, 'Received CONNACK (0, 1), attempting downgrade to MQTT v3.1.');
      d.session.config.protocol = MQTTv31;
    }
    d.dropTransport();
    this.rotation?.retrySame();
    const retry = this.driver.callbacks.owner.reconnect().then(() => {
      if (this.background !== 'none') d.pump.schedulePump();
    }, (e) => {
      // In the background modes it counts as a failed attempt, retried as loop_forever retries one.
      if (isSuperseded(e) || this.userDisconnect || this.background === 'none') return;
      this.attemptFailed();
    }).finally(() => {
      if (this.idRetry === retry) this.idRetry = null;
    });
    this.idRetry = retry;
  }

  /** A background attempt whose socket could not be opened: on_connect_fail, then the next attempt after the backoff. */
  private attemptFailed(): void {
    this.foreverRc = FOREVER_RC_NO_CONNECTION;
    this.driver.callbacks.fire('on_connect_fail', 'connect_fail');
    logRetrying(this.driver);
    this.startReconnect(this.delayAfterFailure());
  }

  private startReconnect(delaySeconds: number): void {
    this.clearReconnectTimer();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.background === 'none' || this.userDisconnect) return;
      this.driver.callbacks.owner.reconnect().then(() => this.driver.pump.schedulePump(), (e) => {
        if (this.background === 'none' || this.userDisconnect || isSuperseded(e)) return;
        this.attemptFailed();
      });
    }, delaySeconds * 1000);
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  // ---- the background modes ---------------------------------------------------------------------

  loopStart(): number {
    if (this.background !== 'none') return MQTT_ERR_INVAL;
    this.background = 'start';
    this.resumeBackground();
    return MQTT_ERR_SUCCESS;
  }

  async loopStop(): Promise<number> {
    if (this.background !== 'start') return MQTT_ERR_INVAL;
    if (this.userDisconnect && this.driver.transport !== null) await this.disconnectFinished();
    if (this.background !== 'start') return MQTT_ERR_SUCCESS; // loopStop() or loopForever() meanwhile
    this.background = 'none';
    this.driver.pump.clearTimer();
    this.clearReconnectTimer();
    return MQTT_ERR_SUCCESS;
  }

  /**
   * Resolves once the connection disconnect() is closing is gone (its close processed,
   * on_disconnect run); a connection that does not close within connectTimeout is dropped.
   */
  private disconnectFinished(): Promise<void> {
    const d = this.driver;
    return new Promise<void>((resolve) => {
      const transport = d.transport;
      const timer = setTimeout(() => {
        if (d.transport !== transport) return;
        // The DISCONNECT never finished flushing (a peer that stopped reading): end() would
        // wait for ever, so drop the socket before giving up on it.
        transport?.destroy();
        d.connectionLost(MQTT_ERR_SUCCESS);
      }, d.connectTimeoutSeconds() * 1000);
      d.whenReleased(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** loopForever() (the timeout checked by the facade). */
  loopForever(retryFirstConnection: boolean): Promise<number> {
    if (this.background !== 'none') return Promise.resolve(MQTT_ERR_INVAL);
    if (this.userDisconnect && this.driver.transport === null) return Promise.resolve(FOREVER_RC_NO_CONNECTION);
    if (!this.hasTarget()) throw new ValueError('host: connect() or connectAsync() first');
    return new Promise<number>((resolve, reject) => {
      this.forever = { resolve, reject };
      this.foreverRc = FOREVER_RC_NO_CONNECTION;
      this.background = 'forever';
      if (this.driver.transport === null && !retryFirstConnection) {
        this.connectAny().then(() => this.resumeBackground(), (e) => {
          if (!isSuperseded(e)) this.driver.callbacks.fire('on_connect_fail', 'connect_fail');
          this.endForever(e);
        });
        return;
      }
      this.resumeBackground();
    });
  }

  private resumeBackground(): void {
    if (this.driver.hasConnection()) this.driver.pump.schedulePump();
    else if (this.wantConnect && !this.userDisconnect && this.reconnectTimer === null) this.startReconnect(0);
  }

  /** A callback failed with suppressExceptions false: loopForever() ends with its error (Callbacks' failure sink). */
  callbackErrorPending(): void {
    if (this.forever) this.endForever(this.driver.callbacks.takePendingError());
  }

  settleForever(): void {
    if (this.background === 'forever') this.endForever(null);
  }

  private endForever(error: unknown): void {
    const f = this.forever;
    this.forever = null;
    this.background = 'none';
    this.driver.pump.clearTimer();
    this.clearReconnectTimer();
    if (f === null) return;
    if (error !== null) f.reject(error);
    else f.resolve(this.foreverRc);
  }

  /** Closes everything without callbacks (reinitialise). */
  teardown(): void {
    this.attempt++;
    this.driver.dropTransport();
    this.driver.pump.clearTimer();
    this.clearReconnectTimer();
    if (this.forever) this.endForever(null);
    this.background = 'none';
  }
}
