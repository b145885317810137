/**
 * The session's counters for Client.stats() (lib/client/stats.ts builds the snapshot): packets
 * and bytes each way by packet type, PUBLISH packets by QoS, connection attempts and their
 * outcomes, the last PINGREQ round trip. Counting is an increment or two at points where the
 * numbers are already at hand (the first byte and length of each encoded or decoded packet):
 * nothing is allocated per packet, and the arrays are made once per session.
 */

/** Offsets into Traffic.counts: each block is indexed by the MQTT packet type code (1..15). */
export const PACKETS_IN = 0;
export const PACKETS_OUT = 16;
export const BYTES_IN = 32;
export const BYTES_OUT = 48;
/** PUBLISH packets by QoS (0..2), received and sent. */
export const PUBLISH_IN_BY_QOS = 64;
export const PUBLISH_OUT_BY_QOS = 67;
const SLOTS = 70;

export class Traffic {
  /**
   * One flat array of small integers (V8 keeps it as packed small integers, 4 bytes a slot, until
   * a count passes 2^30), laid out by the offsets above.
   */
  readonly counts: number[] = Array.from({ length: SLOTS }, zero);
  /** Connection attempts: each socket opened for a CONNECT, and each that could not be opened. */
  attempts = 0;
  /** Connections the broker accepted (CONNACK success). */
  connects = 0;
  /** Attempts that ended without an accepted CONNACK: socket not opened, refused, closed or timed out before CONNACK. */
  failures = 0;
  /** `now` of the accepted CONNACK of the current connection; -1 while not connected. */
  connectedAt = -1;
  /** The last PINGREQ's round trip in ms; -1 before the first PINGRESP. */
  pingRoundTrip = -1;

  /** A packet decoded from the wire: its first byte and its whole length (the Parser's PacketCounter). */
  received(byte1: number, bytes: number): void {
    const c = this.counts;
    const type = byte1 >> 4;
    c[type]++;
    c[BYTES_IN + type] += bytes;
    if (type === 3) c[PUBLISH_IN_BY_QOS + ((byte1 >> 1) & 3)]++;
  }

  /** A packet encoded for the wire: its first byte and its whole length. */
  sent(byte1: number, bytes: number): void {
    const c = this.counts;
    const type = byte1 >> 4;
    c[PACKETS_OUT + type]++;
    c[BYTES_OUT + type] += bytes;
    if (type === 3) c[PUBLISH_OUT_BY_QOS + ((byte1 >> 1) & 3)]++;
  }

  /** A socket could not be opened: a failed attempt (rethrows, for use as a promise's catch). */
  openFailed(e: unknown): never {
    this.attempts++;
    this.failures++;
    throw e;
  }

  /** The broker accepted the connection at `now`. */
  connected(now: number): void {
    this.connects++;
    this.connectedAt = now;
  }

  /** The connection ended: before an accepted CONNACK, it was a failed attempt. */
  connectionEnded(): void {
    if (this.connectedAt < 0) this.failures++;
    this.connectedAt = -1;
  }
}

function zero(): number {
  return 0;
}
