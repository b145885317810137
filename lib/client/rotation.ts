/**
 * Which server each connection attempt takes, for a Client with the `servers` list or
 * followServerReference (a Client with neither has no rotation, and connects to connect()'s
 * host every time): a Server Reference to follow once, else the list's next server (round
 * robin, wrapping), else connect()'s host; and whether the attempt after a failed one goes at
 * once or after the backoff.
 */
import { MQTT_LOG_INFO, MQTT_LOG_NOTICE } from '../constants';
import type { PacketProperties } from '../protocol/types';
import type { LogSink } from './connectionLog';
import { referredServer, Server, serverName } from './servers';

export class ServerRotation {
  /** connect() was given no host: attempts take their server from the list. */
  private useList = false;
  /** Index in the list of the next attempt's server. */
  private next = 0;
  /** Failed attempts (lost connections included) since this round of the list began or a CONNACK accepted us. */
  private roundFailures = 0;
  /** A Server Reference to follow: the next attempt's server. */
  private referral: Server | null = null;
  /** The next attempt goes to the same server again (paho's immediate retry after some refusals). */
  private repeat = false;
  /** The server of the current (or last) attempt when it came from the list or a reference; null: connect()'s host. */
  current: Server | null = null;

  constructor(private readonly servers: readonly Server[] | null, private readonly follow: boolean) {}

  /** A `servers` list was given: connect() may be called without a host. */
  get hasList(): boolean {
    return this.servers !== null;
  }

  /** Attempts take their server from the list (connect() was given no host). */
  get usesList(): boolean {
    return this.useList;
  }

  /** connect()/connectAsync(): from the list (no host given) or connect()'s host; no reference pending, a new round. */
  restart(useList: boolean): void {
    this.useList = useList && this.servers !== null;
    this.current = null;
    this.referral = null;
    this.repeat = false;
    this.roundFailures = 0;
  }

  /** The next attempt goes to the server in use again: paho's retry with a generated client id or MQTT 3.1 answers that server. */
  retrySame(): void {
    this.repeat = true;
  }

  /** A round: the servers one connect() tries before it gives up, and the failures before a backoff. */
  get roundLength(): number {
    return this.useList && this.servers !== null ? this.servers.length : 1;
  }

  /** The attempt starting: its server (logged), or null for connect()'s host. */
  choose(log: LogSink, clientTransport: Server['transport']): Server | null {
    const list = this.servers;
    if (this.repeat) {
      this.repeat = false;
    } else if (this.referral !== null) {
      this.current = this.referral;
      this.referral = null;
      log.log(MQTT_LOG_NOTICE, `Following Server Reference to ${serverName(this.current)}`);
    } else if (this.useList && list !== null) {
      const i = this.next;
      this.next = (i + 1) % list.length;
      const s = (this.current = list[i]);
      log.log(MQTT_LOG_INFO, `Trying server ${i + 1} of ${list.length}: ${serverName({ ...s, transport: s.transport ?? clientTransport })}`);
    } else {
      this.current = null;
    }
    return this.current;
  }

  /** A CONNACK accepted us: the next failure starts a new round. */
  accepted(): void {
    this.roundFailures = 0;
  }

  /**
   * With followServerReference: a CONNACK or DISCONNECT whose reason code and Server Reference
   * name another server makes it the next attempt's. `host`/`port`: connect()'s, when the
   * server in use is not from the list.
   */
  noteReference(reasonCode: number | undefined, properties: PacketProperties | undefined, host: string, port: number): void {
    if (!this.follow || properties?.ServerReference === undefined) return;
    const from: Server = this.current ?? { host, port, transport: undefined, tls: undefined, wsPath: undefined, referred: false };
    const to = referredServer(reasonCode, properties, from);
    if (to !== null) this.referral = to;
  }

  /**
   * After a failed attempt (a socket that did not open, or a lost connection): true, the next
   * attempt goes at once: servers of the list are left untried in this round, or a Server
   * Reference is to be followed (unless this server was itself reached by one: a chain or loop
   * of redirects backs off); false, wait the backoff, and a new round begins.
   */
  retryAtOnce(): boolean {
    if (this.referral !== null && this.current?.referred !== true) return true;
    if (++this.roundFailures < this.roundLength) return true;
    this.roundFailures = 0;
    return false;
  }
}
