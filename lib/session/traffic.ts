/**
 * The session's counters for Client.stats() (lib/client/stats.ts builds the snapshot): packets
 * and bytes each way by packet type, PUBLISH packets by QoS, connection attempts and their
 * outcomes, the last PINGREQ round trip. Counting is an increment or two at points where the
 * numbers are already at hand (the first byte and length of each encoded or decoded packet):
 * nothing is allocated per packet.
 *
 * Idle memory per connection is a measured limit, so what an idle connection exchanges (CONNECT,
 * CONNACK, SUBSCRIBE, SUBACK, PINGREQ, PINGRESP) is counted in fields, and the table of every
 * other type is made by the first packet of another type: a connection that only connects,
 * subscribes and pings never makes it (the table is 184 bytes of heap and 560 of native memory).
 */

/** Offsets into Traffic.table: each block is indexed by the MQTT packet type code (1..15). */
export const PACKETS_IN = 0;
export const PACKETS_OUT = 16;
export const BYTES_IN = 32;
export const BYTES_OUT = 48;
/** PUBLISH packets by QoS (0..2), received and sent. */
export const PUBLISH_IN_BY_QOS = 64;
export const PUBLISH_OUT_BY_QOS = 67;
const TABLE_SLOTS = 70;

/** Packet type codes counted in fields, not in the table. */
export const CONNECT = 1;
export const CONNACK = 2;
export const SUBSCRIBE = 8;
export const SUBACK = 9;
export const PINGREQ = 12;
export const PINGRESP = 13;
/** PINGREQ and PINGRESP are always 2 bytes. */
const PING_BYTES = 2;

export class Traffic {
  /** Counts of the other packet types, laid out by the offsets above; made by the first such packet. */
  table: Float64Array | null = null;
  /** Sockets that could not be opened (connection attempts that sent no CONNECT). */
  openFailures = 0;
  /** Connections the broker accepted (CONNACK success). */
  connects = 0;
  /**
   * ms from the current connection's CONNECT to its accepted CONNACK; -1 while not connected.
   * (A delay, not a timestamp: a small integer, where a clock value would be a boxed number.)
   */
  connackDelay = -1;
  /** The last PINGREQ's round trip in whole microseconds (an integer stays unboxed); -1 before the first PINGRESP. */
  pingRoundTripUs = -1;
  /** CONNECTs sent: one per socket opened for a connection attempt. */
  connectsSent = 0;
  connectBytes = 0;
  connacksReceived = 0;
  connackBytes = 0;
  pingsSent = 0;
  pingrespsReceived = 0;
  subscribesSent = 0;
  subscribeBytes = 0;
  subacksReceived = 0;
  subackBytes = 0;

  /** A packet framed from the wire: its first byte and its whole length (the Parser's PacketCounter). */
  received(byte1: number, bytes: number): void {
    const type = byte1 >> 4;
    if (type === CONNACK) {
      this.connacksReceived++;
      this.connackBytes += bytes;
    } else if (type === PINGRESP) {
      this.pingrespsReceived++;
    } else if (type === SUBACK) {
      this.subacksReceived++;
      this.subackBytes += bytes;
    } else {
      const t = this.table ?? this.makeTable();
      t[PACKETS_IN + type]++;
      t[BYTES_IN + type] += bytes;
      if (type === 3) t[PUBLISH_IN_BY_QOS + ((byte1 >> 1) & 3)]++;
    }
  }

  /** A packet encoded for the wire: its first byte and its whole length. */
  sent(byte1: number, bytes: number): void {
    const type = byte1 >> 4;
    if (type === CONNECT) {
      this.connectsSent++;
      this.connectBytes += bytes;
    } else if (type === PINGREQ) {
      this.pingsSent++;
    } else if (type === SUBSCRIBE) {
      this.subscribesSent++;
      this.subscribeBytes += bytes;
    } else {
      const t = this.table ?? this.makeTable();
      t[PACKETS_OUT + type]++;
      t[BYTES_OUT + type] += bytes;
      if (type === 3) t[PUBLISH_OUT_BY_QOS + ((byte1 >> 1) & 3)]++;
    }
  }

  /** Packets of `type` received (`bytes` false) or their bytes (`bytes` true), and sent likewise: [in, out]. */
  count(type: number, bytes: boolean): [number, number] {
    if (type === CONNECT) return [0, bytes ? this.connectBytes : this.connectsSent];
    if (type === CONNACK) return [bytes ? this.connackBytes : this.connacksReceived, 0];
    if (type === PINGREQ) return [0, this.pingsSent * (bytes ? PING_BYTES : 1)];
    if (type === PINGRESP) return [this.pingrespsReceived * (bytes ? PING_BYTES : 1), 0];
    if (type === SUBSCRIBE) return [0, bytes ? this.subscribeBytes : this.subscribesSent];
    if (type === SUBACK) return [bytes ? this.subackBytes : this.subacksReceived, 0];
    const t = this.table;
    if (t === null) return [0, 0];
    return bytes ? [t[BYTES_IN + type], t[BYTES_OUT + type]] : [t[PACKETS_IN + type], t[PACKETS_OUT + type]];
  }

  /** PUBLISH packets of QoS 0, 1, 2 received (`out` false) or sent. */
  publishByQos(out: boolean): [number, number, number] {
    const t = this.table;
    if (t === null) return [0, 0, 0];
    const o = out ? PUBLISH_OUT_BY_QOS : PUBLISH_IN_BY_QOS;
    return [t[o], t[o + 1], t[o + 2]];
  }

  /** Connection attempts: each socket opened for a CONNECT, and each that could not be opened. */
  get attempts(): number {
    return this.connectsSent + this.openFailures;
  }

  /**
   * Attempts that ended without an accepted CONNACK (socket not opened, refused, closed or timed
   * out before CONNACK): every attempt is accepted, failed, or the one `inProgress`.
   */
  failures(inProgress: boolean): number {
    return this.attempts - this.connects - (inProgress ? 1 : 0);
  }

  /** A socket could not be opened: a failed attempt (rethrows, for use as a promise's catch). */
  openFailed(e: unknown): never {
    this.openFailures++;
    throw e;
  }

  /** The broker accepted the connection, `delay` ms after its CONNECT. */
  connected(delay: number): void {
    this.connects++;
    // Whole milliseconds: a fractional clock difference would make the field a boxed double.
    this.connackDelay = Math.round(delay);
  }

  /** A PINGRESP answered the PINGREQ sent `ms` ago. */
  pinged(ms: number): void {
    this.pingRoundTripUs = Math.round(ms * 1000);
  }

  /** The connection ended. */
  connectionEnded(): void {
    this.connackDelay = -1;
  }

  private makeTable(): Float64Array {
    return (this.table = new Float64Array(TABLE_SLOTS));
  }
}
