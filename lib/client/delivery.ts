/**
 * Delivering received messages to the application: messageCallbackAdd() filters, else
 * on_message, then the 'message' event; the ack (QoS 1 PUBACK, QoS 2 PUBCOMP: the session
 * delivers QoS 2 at PUBREL, as paho) goes out when the handlers return or their promises
 * settle (or on ack() with manualAckSet). Async handlers take slots
 * (messageConcurrencySet); a message finding none waits, in order, in the IncomingFlow.
 */
import type { MQTTMessage } from '../message';
import { TopicTree } from '../topicTree';
import type { Backpressure } from './backpressure';
import type { Callbacks, Fn } from './callbacks';
import type { IncomingFlow } from './flowControl';
import type { ClientLink } from './link';

/** The driver as Delivery sees it: the link, and the collaborators it reaches through it (no pointer of its own to each: idle memory). */
export interface DeliveryHost extends ClientLink {
  readonly callbacks: Callbacks;
  readonly flow: IncomingFlow;
  readonly backpressure: Backpressure;
}

export class Delivery {
  /** messageCallbackAdd() filters; created by the first one. */
  filtered: TopicTree<Fn> | null = null;
  /** Reused by every filter match; its own array from the first messageCallbackAdd() (idle memory), empty and shared before. */
  private matchScratch: Fn[] = NO_MATCH;
  manualAck = false;
  /** Bumped by reinitialise(): handlers of the old life settle without touching the new one. */
  epoch = 0;

  constructor(private readonly link: DeliveryHost) {}

  /** reinitialise(): no filters; handlers still running settle without touching the new life. */
  reset(): void {
    this.filtered = null;
    this.epoch++;
  }

  addFilter(sub: string, callback: Fn): void {
    if (this.filtered === null) {
      this.filtered = new TopicTree<Fn>();
      if (this.matchScratch === NO_MATCH) this.matchScratch = [];
    }
    this.filtered.set(sub, callback);
  }

  deliver(msg: MQTTMessage): void {
    if (this.link.flow.mustWait()) return this.waitForHandler(msg);
    if (msg.qos !== 0 && this.manualAck) this.link.session.holdAck(msg);
    this.runHandlers(msg, false);
  }

  /**
   * Calls the message's handlers; its PUBACK/PUBCOMP goes out when they return, or when the
   * promises they return settle. `held`: its ack is already held in the session (it waited).
   */
  private runHandlers(msg: MQTTMessage, held: boolean): void {
    const filters = this.filtered;
    const matched = filters !== null && filters.size > 0 ? filters.match(msg.topic, this.matchScratch) : this.matchScratch;
    const callbacks = this.link.callbacks;
    const owner = callbacks.owner;
    let pending: PromiseLike<unknown> | undefined;
    if (matched.length > 0) {
      for (const cb of matched) pending = joinPending(pending, callbacks.invokeHandler(null, cb, msg));
      matched.length = 0;
    } else if (owner.on_message !== null) {
      pending = callbacks.invokeHandler('on_message', owner.on_message, msg);
    }
    if (owner.listenerCount('message') > 0) callbacks.safeEmit('message', msg);
    if (msg.qos === 0 || this.manualAck) {
      if (pending !== undefined) this.handlerRunning(msg, pending);
      return;
    }
    if (pending !== undefined) {
      if (!held) this.link.session.holdAck(msg);
      this.handlerRunning(msg, pending);
    } else if (held) {
      this.link.session.ackMessage(msg, this.link.clock());
    } else {
      this.link.session.ackNow(msg); // the fast path: a sync handler, no bookkeeping
    }
  }

  /** A message arrived while handler slots are busy: it waits, in order; reading pauses at the high-water mark. */
  private waitForHandler(msg: MQTTMessage): void {
    if (msg.qos !== 0) this.link.session.holdAck(msg); // held while it waits: a resent PUBREL is not answered before it ran
    const f = this.link.flow;
    f.push(msg);
    if (!f.readPaused && f.waiting >= f.maxMessages) this.link.backpressure.updateReading();
  }

  /** An async handler runs: its ack (and the next message, with concurrency 1) wait until it settles. */
  private handlerRunning(msg: MQTTMessage, pending: PromiseLike<unknown>): void {
    this.link.flow.active++;
    const epoch = this.epoch;
    pending.then(() => {
      if (epoch !== this.epoch) return; // reinitialised meanwhile
      this.link.flow.active--;
      if (msg.qos !== 0 && !this.manualAck && this.link.session.ackMessage(msg, this.link.clock())) this.link.scheduleFlush();
      this.runWaitingMessages();
    });
  }

  /** Hands waiting messages to free handler slots, then resumes reading if under the low-water mark. */
  runWaitingMessages(): void {
    const f = this.link.flow;
    while (f.canRun()) this.runHandlers(f.shift(), true);
    if (f.readPaused) this.link.backpressure.updateReading();
    // Bytes left undecoded at the high-water mark: decode them now there is room.
    if (this.link.inbox.length > 0 && f.waiting < f.maxMessages) this.link.wake();
  }
}

/** The match result while there are no filters: always empty (runHandlers clears only a non-empty one), never written to. */
const NO_MATCH: Fn[] = [];

/** Combines the promises of several handlers of one message (several matching filters). */
function joinPending(a: PromiseLike<unknown> | undefined, b: PromiseLike<unknown> | undefined): PromiseLike<unknown> | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Promise.all([a, b]);
}
