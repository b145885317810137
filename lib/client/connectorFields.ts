/**
 * The Connector's (reconnect.ts) state that most clients leave at its defaults, apart from it:
 * settings (a custom transport factory, a bind address, a transport other than TCP, this
 * client's own TLS/WebSocket/proxy settings, the `servers` rotation, Clean Start, backoff,
 * reconnect_on_failure) and what only a reconnecting, MQTT 5 or loopForever() client holds
 * (the backoff timer and delay, loopForever()'s promise and result, paho's immediate retry, the
 * first CONNACK). An idle connection that uses none of it holds one pointer to a shared,
 * frozen object of defaults instead of fifteen fields (about 120 bytes per connection; idle
 * memory is benchmarked); the first write of another value makes the client's own. The
 * Connector reads and writes them as its own fields, through the accessors below.
 */
import { MQTT_CLEAN_START_FIRST_ONLY } from '../constants';
import type { Transport } from '../transport/types';
import { BackoffSettings, DEFAULT_BACKOFF } from './backoff';
import { FOREVER_RC_NO_CONNECTION } from './foreverResult';
import type { ConnectTarget } from './options';
import type { ServerRotation } from './rotation';
import type { TransportSettings } from './transportSettings';

class RareConnectorState {
  ownTransports: TransportSettings | null = null;
  transportFactory: ((target: ConnectTarget) => Transport) | undefined = undefined;
  bindAddress = '';
  bindPort = 0;
  reconnectTimer: NodeJS.Timeout | null = null;
  delay: number | null = null;
  forever: { resolve(rc: number): void; reject(e: unknown): void } | null = null;
  idRetry: Promise<void> | null = null;
  rotation: ServerRotation | null = null;
  transportKind: 'tcp' | 'websockets' | 'unix' = 'tcp';
  reconnectOnFailure = true;
  cleanStart: boolean | number = MQTT_CLEAN_START_FIRST_ONLY;
  firstConnect = true;
  backoff: BackoffSettings = DEFAULT_BACKOFF;
  foreverRc = FOREVER_RC_NO_CONNECTION;
}

/** The defaults every Connector reads until it writes another value: never written (frozen). */
const DEFAULTS: RareConnectorState = Object.freeze(new RareConnectorState());

type Rare = RareConnectorState;

export abstract class ConnectorFields {
  private rare: Rare = DEFAULTS;

  /** Writes `k`; a default value on the shared defaults is no write at all. */
  private put<K extends keyof Rare>(k: K, v: Rare[K]): void {
    if (this.rare === DEFAULTS) {
      if (v === DEFAULTS[k]) return;
      this.rare = new RareConnectorState();
    }
    this.rare[k] = v;
  }

  /** This client's own TLS, WebSocket and proxy settings: made by the first setter (Connector.transportsToEdit()). */
  protected get ownTransports(): Rare['ownTransports'] { return this.rare.ownTransports; }
  protected set ownTransports(v: Rare['ownTransports']) { this.put('ownTransports', v); }
  /** The constructor's `createTransport`. */
  protected get transportFactory(): Rare['transportFactory'] { return this.rare.transportFactory; }
  protected set transportFactory(v: Rare['transportFactory']) { this.put('transportFactory', v); }
  /** connect()'s bind_address and bind_port. */
  protected get bindAddress(): string { return this.rare.bindAddress; }
  protected set bindAddress(v: string) { this.put('bindAddress', v); }
  protected get bindPort(): number { return this.rare.bindPort; }
  protected set bindPort(v: number) { this.put('bindPort', v); }
  /** The background modes' next attempt. */
  protected get reconnectTimer(): Rare['reconnectTimer'] { return this.rare.reconnectTimer; }
  protected set reconnectTimer(v: Rare['reconnectTimer']) { this.put('reconnectTimer', v); }
  /** paho's backoff: the delay of the last attempt before the jitter; null until a first failure. */
  protected get delay(): number | null { return this.rare.delay; }
  protected set delay(v: number | null) { this.put('delay', v); }
  /** loopForever()'s promise, while it runs. */
  protected get forever(): Rare['forever'] { return this.rare.forever; }
  protected set forever(v: Rare['forever']) { this.put('forever', v); }
  /** The immediate reconnect after a refusal paho retries (retryRefused), while it runs. */
  get idRetry(): Promise<void> | null { return this.rare.idRetry; }
  set idRetry(v: Promise<void> | null) { this.put('idRetry', v); }
  /** The `servers` list and Server References; null without both: connect()'s host each time. */
  protected get rotation(): ServerRotation | null { return this.rare.rotation; }
  protected set rotation(v: ServerRotation | null) { this.put('rotation', v); }
  /** The constructor's `transport`. */
  get transportKind(): Rare['transportKind'] { return this.rare.transportKind; }
  set transportKind(v: Rare['transportKind']) { this.put('transportKind', v); }
  /** The constructor's `reconnectOnFailure`. */
  protected get reconnectOnFailure(): boolean { return this.rare.reconnectOnFailure; }
  protected set reconnectOnFailure(v: boolean) { this.put('reconnectOnFailure', v); }
  /** MQTT 5 Clean Start for connections: true, false or MQTT_CLEAN_START_FIRST_ONLY. */
  protected get cleanStart(): boolean | number { return this.rare.cleanStart; }
  protected set cleanStart(v: boolean | number) { this.put('cleanStart', v); }
  /** No CONNACK yet since construction (MQTT_CLEAN_START_FIRST_ONLY starts clean until then), as paho's _mqttv5_first_connect. */
  protected get firstConnect(): boolean { return this.rare.firstConnect; }
  protected set firstConnect(v: boolean) { this.put('firstConnect', v); }
  /** reconnectDelaySet()'s values, the jitter and the random source (shared while they are the defaults). */
  protected get backoff(): BackoffSettings { return this.rare.backoff; }
  protected set backoff(v: BackoffSettings) { this.put('backoff', v); }
  /** What loopForever() resolves with when it ends now (foreverResult.ts). */
  get foreverRc(): number { return this.rare.foreverRc; }
  set foreverRc(v: number) { this.put('foreverRc', v); }
}
