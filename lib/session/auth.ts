/**
 * MQTT 5 enhanced authentication (spec §4.12): the rules of the AUTH exchange, apart from
 * the engine that sends and receives the packets.
 *
 * CONNECT carries an Authentication Method (and maybe Authentication Data); the server may
 * answer with AUTH 0x18 (Continue authentication) any number of times, each answered by our
 * AUTH 0x18 with the next data, until CONNACK ends the exchange. Once connected, the client
 * may start a re-authentication with AUTH 0x19; the server answers AUTH 0x18 (continue) or
 * AUTH 0x00 (Success), or DISCONNECT on failure. Every AUTH carries the same method.
 */
import type { AuthPacket, PacketProperties } from '../protocol/types';

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

  /** The AUTH packet that answers the server (0x18) or starts a re-authentication (0x19). */
  packet(reasonCode: number, properties: PacketProperties | null | undefined): AuthPacket {
    const props: PacketProperties = { ...(properties ?? {}), AuthenticationMethod: this.method };
    return { type: 'auth', reasonCode, properties: props };
  }
}
