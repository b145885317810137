/**
 * Outgoing QoS 1/2 state: every unfinished message in publish order, the in-flight window,
 * and the queue behind it. This is where outgoing QoS 2 state lives (state 'released' =
 * PUBREL sent, waiting for PUBCOMP). OutgoingFlow (outgoingFlow.ts) extends it with the
 * protocol steps that move messages through it: one object per session, for idle memory.
 */
import type { MQTTMessageInfo } from '../message';
import type { StoredMessage } from '../store/types';

export interface OutMessage extends StoredMessage {
  info: MQTTMessageInfo;
  /** Counted in the in-flight window on the current connection. */
  inFlight: boolean;
  /** Finished or failed; skipped if still in the send queue. */
  done: boolean;
  /** `now` of the last send, for MQTT 3.1's timed retry. */
  sentAt: number;
  /** Encoded size estimate, for queue accounting. */
  bytes: number;
  /** `now` when publish() accepted it (NaN if restored from a store), for MQTT 5 message expiry. */
  queuedAt: number;
}

export class OutgoingMessages {
  /** Every unfinished message, keyed by packet id, in publish order (Map keeps insertion order); created on first use. */
  private byMid: Map<number, OutMessage> | null = null;
  /**
   * Messages to (re)send on this connection, in order; `head` is the next one. NO_MESSAGES (shared,
   * never written to) until the first message: an idle connection has no array of its own (idle memory).
   */
  private queue: OutMessage[] = NO_MESSAGES;
  private head = 0;
  inflight = 0;
  /** Sum of `bytes` over `messages`, for the byte bound. */
  bytes = 0;

  get messages(): ReadonlyMap<number, OutMessage> {
    return this.byMid ?? NONE;
  }

  get size(): number {
    return this.byMid === null ? 0 : this.byMid.size;
  }

  /** Messages waiting for a window slot (or a connection). */
  get queued(): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) if (!this.queue[i].done) n++;
    return n;
  }

  add(msg: OutMessage): void {
    (this.byMid ??= new Map()).set(msg.mid, msg);
    this.bytes += msg.bytes;
    if (this.queue === NO_MESSAGES) this.queue = [msg];
    else this.queue.push(msg);
  }

  get(mid: number): OutMessage | undefined {
    return this.byMid?.get(mid);
  }

  /** Takes the next message to send if the window has room; it counts as in flight from now. */
  next(window: number): OutMessage | undefined {
    while (this.inflight < window && this.head < this.queue.length) {
      const m = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (m.done) continue;
      m.inFlight = true;
      this.inflight++;
      return m;
    }
    return undefined;
  }

  /** Removes a message whose flow ended (acknowledged, or failed); nothing when it is no longer here. */
  finish(m: OutMessage): void {
    if (this.byMid === null || !this.byMid.delete(m.mid)) return;
    this.bytes -= m.bytes;
    m.done = true;
    if (m.inFlight) {
      m.inFlight = false;
      this.inflight--;
    }
  }

  /**
   * The connection is gone: every unfinished message goes back into the queue in publish
   * order, to be sent again on the next connection (DUP PUBLISH, or PUBREL), clean session
   * or not, as paho does. The window counts from zero again.
   */
  requeueAll(): void {
    this.queue = NO_MESSAGES;
    this.head = 0;
    this.inflight = 0;
    for (const m of this.messages.values()) {
      m.inFlight = false;
      if (this.queue === NO_MESSAGES) this.queue = [m];
      else this.queue.push(m);
    }
  }

  /** Removes and returns every message (disconnect with a clean session, reinitialise). */
  drain(): OutMessage[] {
    const all = [...this.messages.values()];
    for (const m of all) m.done = true;
    this.byMid = null;
    this.bytes = 0;
    this.queue = NO_MESSAGES;
    this.head = 0;
    this.inflight = 0;
    return all;
  }
}

const NONE: ReadonlyMap<number, OutMessage> = new Map();
const NO_MESSAGES: OutMessage[] = [];
