/**
 * Backpressure at the driver's transport: pausing and resuming reads by the incoming
 * high/low-water marks (with a keepalive probe while paused), and holding publishes back
 * while the transport has more than the write high-water mark unsent. The bookkeeping and
 * its rules are in flowControl.ts; this applies them to the transport and the session.
 */
import { MQTT_LOG_DEBUG } from '../constants';
import type { Transport } from '../transport/types';
import { DEFAULT_WRITE_HIGH_WATER, type IncomingFlow } from './flowControl';
import type { ClientLink } from './link';
import type { ReadBatching } from './readBatching';

/** The driver as Backpressure sees it: the link and the flow bookkeeping, reached through it (no pointer of its own: idle memory). */
export interface BackpressureHost extends ClientLink {
  readonly flow: IncomingFlow;
  /** Read batching's state, with the brief pause in force; null until a client batches. */
  readonly readBatching: ReadBatching | null;
}

export class Backpressure {
  writeHighWater = DEFAULT_WRITE_HIGH_WATER;
  /** Times reading was paused by the high-water marks (Client.stats()). */
  readPauses = 0;
  /** The transport holds more than writeHighWater unsent bytes: nothing more is handed to it until 'drain'. */
  private writeBlocked = false;

  constructor(private readonly link: BackpressureHost) {}

  /** reinitialise(): the default write high-water mark (the connection's state went with it). */
  reset(): void {
    this.writeHighWater = DEFAULT_WRITE_HIGH_WATER;
  }

  /** Pauses or resumes the transport by the high/low-water marks. */
  updateReading(): void {
    const f = this.link.flow;
    const t = this.link.transport;
    if (t === null) return;
    if (!f.readPaused) {
      if (!f.overHigh()) return;
      f.readPaused = true;
      this.readPauses++;
      t.pause();
      this.link.log(MQTT_LOG_DEBUG, `Reading paused: ${f.waiting} messages and ${f.inboxBytes} bytes wait undelivered`);
    } else if (f.underLow()) {
      f.readPaused = false;
      f.probing = false;
      const rb = this.link.readBatching;
      if (rb !== null) rb.paused = false;
      t.resume();
      this.link.log(MQTT_LOG_DEBUG, 'Reading resumed');
    }
  }

  /** onData past the byte high-water mark, or the chunk a liveness probe waited for. */
  readReceived(): void {
    const f = this.link.flow;
    if (f.probing) {
      // Any byte is a sign of life (keepalive); then back to paused.
      f.probing = false;
      this.link.session.noteReceived(this.link.clock());
      if (f.readPaused) this.link.transport?.pause();
      return;
    }
    this.updateReading();
  }

  /**
   * Keepalive while reading is paused: a paused socket cannot see PINGRESP, so once PINGREQ
   * is out the client reads one chunk (any byte counts as life) rather than judging a healthy
   * link dead; a dead link sends nothing and is closed at the usual deadline. Past twice the
   * byte high-water mark it cannot read more and the deadline is held (the link is not judged).
   */
  probeLiveness(): void {
    const f = this.link.flow;
    const t = this.link.transport;
    if (t === null || f.probing || !this.link.session.awaitingPingresp) return;
    if (f.inboxBytes >= 2 * f.maxBytes) {
      this.link.session.noteReceived(this.link.clock());
      return;
    }
    f.probing = true;
    t.resume();
  }

  /** Read batching: stop reading for rb.maxDelayMs, so the kernel gathers what arrives into one read. */
  pauseBriefly(rb: ReadBatching): void {
    const t = this.link.transport;
    if (t === null || this.link.flow.readPaused || rb.paused) return;
    rb.paused = true;
    t.pause();
    const ms = rb.maxDelayMs;
    if (rb.pauseTimer !== null && rb.pauseTimerMs === ms) {
      rb.pauseTimer.refresh();
      return;
    }
    if (rb.pauseTimer !== null) clearTimeout(rb.pauseTimer);
    // The Backpressure as the timer's argument (refresh() keeps it): no closure per Client (idle memory).
    rb.pauseTimer = setTimeout(Backpressure.endBriefPause, ms, this);
    rb.pauseTimerMs = ms;
  }

  private static endBriefPause(b: Backpressure): void {
    const rb = b.link.readBatching;
    if (rb === null || !rb.paused) return;
    rb.paused = false;
    if (!b.link.flow.readPaused) b.link.transport?.resume();
  }

  /** After a write: past the write high-water mark the session holds publishes back. */
  afterWrite(t: Transport): void {
    if (t.pendingBytes > this.writeHighWater) this.blockWrites();
  }

  private blockWrites(): void {
    this.writeBlocked = true;
    this.link.session.writeBlocked = true;
  }

  /** The transport drained its write buffer: hand it what waited. */
  onDrain(transport: Transport): void {
    if (transport !== this.link.transport || !this.writeBlocked || transport.pendingBytes > this.writeHighWater / 2) return;
    this.writeBlocked = false;
    this.link.session.writeUnblocked(this.link.clock());
    this.link.schedulePump();
  }

  /** The connection is gone: its read and write state go with it. */
  connectionLost(resumable: boolean): void {
    this.link.flow.connectionLost(resumable);
    this.writeBlocked = false;
    const rb = this.link.readBatching;
    if (rb !== null) {
      rb.paused = false;
      if (rb.pauseTimer !== null) clearTimeout(rb.pauseTimer);
      rb.pauseTimer = null;
    }
  }
}
