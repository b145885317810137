/**
 * Incoming flow control state of a Client: received messages waiting for a handler slot
 * (async handlers run one at a time by default, in order), and the high/low-water marks
 * that pause reading from the transport while too much waits undelivered. delivery.ts runs
 * the handlers and backpressure.ts applies the marks; this holds the bookkeeping and the rules.
 */
import { Fifo } from '../fifo';
import type { MQTTMessage } from '../message';

export const DEFAULT_MAX_INCOMING_MESSAGES = 1000;
export const DEFAULT_MAX_INCOMING_BYTES = 1024 * 1024;
export const DEFAULT_WRITE_HIGH_WATER = 1024 * 1024;

export class IncomingFlow {
  /** Undelivered messages past which reading pauses (resumes at half). */
  maxMessages = DEFAULT_MAX_INCOMING_MESSAGES;
  /** Received bytes not yet decoded (the inbox) past which reading pauses (resumes at half). */
  maxBytes = DEFAULT_MAX_INCOMING_BYTES;
  /** Async handlers allowed to run at once. */
  concurrency = 1;
  /** Messages whose async handlers have not settled yet. */
  active = 0;
  /** Bytes in the driver's inbox (received, not yet decoded). */
  inboxBytes = 0;
  /** Reading is paused by backpressure. */
  readPaused = false;
  /** Paused, but reading one chunk to hear from the broker (keepalive; see Backpressure.probeLiveness). */
  probing = false;
  /** Made by the first message that has to wait: an idle connection never needs it (idle memory is benchmarked). */
  private queue: Fifo<MQTTMessage> | null = null;

  /**
   * Messages delivered but not yet handed to a handler. A QoS 2 message counts from its PUBREL
   * (when it is delivered), not while it awaits PUBREL: pausing reads for those would hold
   * back the very PUBRELs that release them; the broker's window bounds them instead.
   */
  get waiting(): number {
    return this.queue === null ? 0 : this.queue.length;
  }

  /** A new message must wait: a handler slot is busy, or older messages wait. */
  mustWait(): boolean {
    return this.active >= this.concurrency || this.waiting > 0;
  }

  /** A handler slot is free and a message waits. */
  canRun(): boolean {
    return this.active < this.concurrency && this.waiting > 0;
  }

  push(m: MQTTMessage): void {
    (this.queue ??= new Fifo<MQTTMessage>()).push(m);
  }

  /** The oldest waiting message (canRun() said one waits). */
  shift(): MQTTMessage {
    return this.queue!.shift()!;
  }

  /** Over a high-water mark: reading should pause. */
  overHigh(): boolean {
    return this.waiting >= this.maxMessages || this.inboxBytes >= this.maxBytes;
  }

  /** Under both low-water marks (half the high ones): reading may resume. */
  underLow(): boolean {
    return this.waiting <= this.maxMessages / 2 && this.inboxBytes <= this.maxBytes / 2;
  }

  /**
   * The connection is gone. Waiting QoS 1 messages are dropped when the broker keeps the
   * session (`resumable`): their PUBACKs were never sent, so it sends them again; delivering
   * them now too would deliver them twice. QoS 2 ones stay: the broker released them (PUBREL)
   * and resends only the PUBREL, answered once they ran. With a clean session all stay.
   */
  connectionLost(resumable: boolean): void {
    this.readPaused = false;
    this.probing = false;
    this.inboxBytes = 0;
    const q = this.queue;
    if (!resumable || q === null || q.length === 0) return;
    for (const m of q.clear()) if (m.qos !== 1) q.push(m);
  }

  /** reinitialise(): nothing waits, nothing runs, the default marks and concurrency. */
  reset(): void {
    this.maxMessages = DEFAULT_MAX_INCOMING_MESSAGES;
    this.maxBytes = DEFAULT_MAX_INCOMING_BYTES;
    this.concurrency = 1;
    this.queue?.clear();
    this.active = 0;
    this.readPaused = false;
    this.probing = false;
    this.inboxBytes = 0;
  }
}
