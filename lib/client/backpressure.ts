/**
 * Backpressure at the driver's transport: pausing and resuming reads by the incoming
 * high/low-water marks (with a keepalive probe while paused), and holding publishes back
 * while the transport has more than the write high-water mark unsent. The bookkeeping and
 * its rules are in flowControl.ts, the base class (its fields in this object rather than one of
 * their own: idle memory per connection is benchmarked); this applies them to the transport
 * and the session. The driver's `flow` is this object.
 */
import { MQTT_LOG_DEBUG } from '../constants';
import type { Transport } from '../transport/types';
import { DEFAULT_WRITE_HIGH_WATER, IncomingFlow } from './flowControl';
import type { ClientLink } from './link';
import type { ReadBatching } from './readBatching';

/** The driver as Backpressure sees it. */
export interface BackpressureHost extends ClientLink {
  /** Read batching's state, with the brief pause in force; null until a client batches. */
  readonly readBatching: ReadBatching | null;
}

export class Backpressure extends IncomingFlow {
  writeHighWater = DEFAULT_WRITE_HIGH_WATER;
  /** Times reading was paused by the high-water marks (Client.stats()). */
  readPauses = 0;
  /** The transport holds more than writeHighWater unsent bytes: nothing more is handed to it until 'drain'. */
  private writeBlocked = false;

  constructor(private readonly link: BackpressureHost) {
    super();
  }

  /** reinitialise(): the flow's defaults and the default write high-water mark (the connection's state went with it). */
  override reset(): void {
    super.reset();
    this.writeHighWater = DEFAULT_WRITE_HIGH_WATER;
  }

  /** Pauses or resumes the transport by the high/low-water marks. */
  updateReading(): void {
    const t = this.link.transport;
    if (t === null) return;
    if (!this.readPaused) {
      if (!this.overHigh()) return;
      this.readPaused = true;
      this.readPauses++;
      t.pause();
      this.link.log(MQTT_LOG_DEBUG, `Reading paused: ${this.waiting} messages and ${this.inboxBytes} bytes wait undelivered`);
    } else if (this.underLow()) {
      this.readPaused = false;
      this.probing = false;
      const rb = this.link.readBatching;
      if (rb !== null) rb.paused = false;
      t.resume();
      this.link.log(MQTT_LOG_DEBUG, 'Reading resumed');
    }
  }

  /** onData past the byte high-water mark, or the chunk a liveness probe waited for. */
  readReceived(): void {
    if (this.probing) {
      // Any byte is a sign of life (keepalive); then back to paused.
      this.probing = false;
      this.link.session.noteReceived(this.link.clock());
      if (this.readPaused) this.link.transport?.pause();
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
    const t = this.link.transport;
    if (t === null || this.probing || !this.link.session.awaitingPingresp) return;
    if (this.inboxBytes >= 2 * this.maxBytes) {
      this.link.session.noteReceived(this.link.clock());
      return;
    }
    this.probing = true;
    t.resume();
  }

  /** Read batching: stop reading for rb.maxDelayMs, so the kernel gathers what arrives into one read. */
  pauseBriefly(rb: ReadBatching): void {
    const t = this.link.transport;
    if (t === null || this.readPaused || rb.paused) return;
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
    if (!b.readPaused) b.link.transport?.resume();
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
  override connectionLost(resumable: boolean): void {
    super.connectionLost(resumable);
    this.writeBlocked = false;
    const rb = this.link.readBatching;
    if (rb !== null) {
      rb.paused = false;
      if (rb.pauseTimer !== null) clearTimeout(rb.pauseTimer);
      rb.pauseTimer = null;
    }
  }
}
