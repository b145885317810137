/**
 * MQTT 5 enhanced authentication (spec §4.12): the rules of the AUTH exchange, apart from
 * the engine that sends and receives the packets.
 *
 * CONNECT carries an Authentication Method (and maybe Authentication Data); the server may
 * answer with AUTH 0x18 (Continue authentication) any number of times, each answered by our
 * AUTH 0x18 with the next data, until CONNACK ends the exchange. Once connected, the client
 * may start a re-authentication with AUTH 0x19; the server answers AUTH 0x18 (continue) or
 * AUTH 0x00 (Success), or DISCONNECT on failure. Every AUTH carries the same method.
 *
 * AuthExchange keeps the exchange's state for one connection, checks the server's AUTH
 * packets, and sends ours through its Session (continueAuth(), reauthenticate()).
 */
import { MQTT_ERR_CONN_REFUSED, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTT_LOG_ERR } from '../constants';
import { ValueError } from '../errors';
import type { AuthPacket, PacketProperties } from '../protocol/types';
import type { SessionHost } from './types';

export const AUTH_SUCCESS = 0x00;
export const AUTH_CONTINUE = 0x18;
export const AUTH_REAUTHENTICATE = 0x19;

export class AuthExchange {
  /** The Authentication Method of this connection's CONNECT, or undefined (no enhanced auth). */
  method: string | undefined = undefined;
  /** A server AUTH 0x18 waits for our answer (the user's callback has the turn). */
  awaitingAnswer = false;
  /** We sent AUTH 0x19 and the server has not finished the re-authentication. */
  reauthenticating = false;

  constructor(private readonly session: SessionHost) {}

  /** A new connection: enhanced auth is on when its CONNECT names a method. */
  start(connectProperties: PacketProperties | undefined): void {
    this.method = connectProperties?.AuthenticationMethod;
    this.awaitingAnswer = false;
    this.reauthenticating = false;
  }

  /**
   * Checks an AUTH from the server against the rules; returns why it is a protocol error,
   * or null. `connected`: CONNACK already arrived on this connection.
   */
  problem(p: AuthPacket, connected: boolean): string | null {
    if (this.method === undefined) return 'AUTH received, but CONNECT named no Authentication Method [MQTT-4.12.0-6]';
    const method = p.properties?.AuthenticationMethod;
    if (method !== this.method) {
      return `AUTH Authentication Method ${JSON.stringify(method)} is not the one CONNECT used (${JSON.stringify(this.method)}) [MQTT-4.12.0-5]`;
    }
    const rc = p.reasonCode ?? 0;
    if (rc === AUTH_REAUTHENTICATE) return 'AUTH 0x19 (Re-authenticate) may only come from the client';
    if (rc === AUTH_SUCCESS && !(connected && this.reauthenticating)) {
      return connected ? 'AUTH 0x00 (Success) without a re-authentication in progress' : 'AUTH 0x00 (Success) before CONNACK: CONNACK ends the exchange';
    }
    if (this.awaitingAnswer) return 'AUTH received while our answer to the previous one is pending';
    return null;
  }

  /** A server AUTH (§4.12): a protocol violation, or an 'auth' event (0x18 waits for continueAuth()). */
  received(p: AuthPacket, now: number): void {
    const s = this.session;
    const problem = this.problem(p, s.state === 'connected');
    if (problem !== null) {
      s.protocolViolation(problem, 0x82, now);
      return;
    }
    const reasonCode = p.reasonCode ?? 0;
    if (reasonCode === AUTH_CONTINUE) this.awaitingAnswer = true;
    else this.reauthenticating = false; // 0x00: re-authentication succeeded
    s.pushEvent({ kind: 'auth', reasonCode, properties: p.properties });
  }

  /** Why an accepting CONNACK breaks the exchange (another Authentication Method), or null. */
  connackProblem(properties: PacketProperties | undefined): string | null {
    const method = properties?.AuthenticationMethod;
    if (this.method === undefined || method === undefined || method === this.method) return null;
    return `CONNACK Authentication Method '${method}' is not the one CONNECT used`;
  }

  /** CONNACK accepted the connection: it ends the exchange, and no answer is awaited any more. */
  connected(): void {
    this.awaitingAnswer = false;
  }

  /**
   * Answers the server's AUTH 0x18 with the next step (AUTH 0x18 carrying our method and
   * `properties`, typically AuthenticationData). `properties` null: we cannot go on, so the
   * connection ends (DISCONNECT 0x87 Not authorized). Returns MQTT_ERR_NO_CONN when no
   * exchange waits for an answer (the connection it belonged to is gone).
   */
  continueAuth(properties: PacketProperties | null | undefined, now: number): number {
    const s = this.session;
    if (!this.awaitingAnswer || (s.state !== 'connecting' && s.state !== 'connected')) return MQTT_ERR_NO_CONN;
    this.awaitingAnswer = false;
    if (properties === null) {
      s.log(MQTT_LOG_ERR, 'Enhanced authentication: no answer for the server\'s AUTH; closing');
      s.send({ type: 'disconnect', reasonCode: 0x87 }, now);
      s.closeConnection({ kind: 'close', rc: MQTT_ERR_CONN_REFUSED, reason: 'enhanced authentication abandoned by the client' });
      return MQTT_ERR_SUCCESS;
    }
    s.send(this.packet(AUTH_CONTINUE, properties), now);
    return MQTT_ERR_SUCCESS;
  }

  /**
   * Starts a re-authentication (AUTH 0x19, §4.12.1) with the connection's method and
   * `properties` (AuthenticationData). MQTT_ERR_NO_CONN when not connected; ValueError when
   * the connection did not use enhanced authentication or a re-authentication is under way.
   */
  reauthenticate(properties: PacketProperties | undefined, now: number): number {
    const s = this.session;
    if (s.config.protocol !== 5) throw new ValueError('reauthenticate: enhanced authentication needs MQTT 5');
    if (s.state !== 'connected') return MQTT_ERR_NO_CONN;
    if (this.method === undefined) {
      throw new ValueError('reauthenticate: this connection did not use enhanced authentication (no AuthenticationMethod in CONNECT)');
    }
    if (this.reauthenticating) throw new ValueError('reauthenticate: a re-authentication is already in progress');
    if (properties?.AuthenticationMethod !== undefined && properties.AuthenticationMethod !== this.method) {
      throw new ValueError(`properties: AuthenticationMethod must stay '${this.method}' [MQTT-4.12.1-1]`);
    }
    this.reauthenticating = true;
    s.send(this.packet(AUTH_REAUTHENTICATE, properties), now);
    return MQTT_ERR_SUCCESS;
  }

  /** The AUTH packet that answers the server (0x18) or starts a re-authentication (0x19). */
  packet(reasonCode: number, properties: PacketProperties | null | undefined): AuthPacket {
    const props: PacketProperties = { ...(properties ?? {}), AuthenticationMethod: this.method };
    return { type: 'auth', reasonCode, properties: props };
  }
}
