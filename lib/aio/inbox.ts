/**
 * MQTTClient's received messages: handed to a waiting reader (deliverMessage(), messages()) or
 * kept in a buffer until one asks. The buffer is bounded by backpressure, never by dropping:
 * when it is full, push() returns a promise the Client's message handler waits on, so the
 * Client holds the next messages (and their acks) and stops reading the socket until a reader
 * takes one.
 */
import type { Logger } from '../client';
import { MQTT_ERR_NO_CONN } from '../constants';
import type { MQTTMessage } from '../message';
import { ClientError, TimeoutError } from './errors';
import { ApplicationMessage, IncomingApplicationMessage } from './message';
import { BoundedQueue } from './queue';
import type { Settler, Timers } from './waiters';

interface Reader extends Settler<ApplicationMessage | null> {
  /** messages() readers end quietly on disconnect(); deliverMessage() readers reject. */
  iterator: boolean;
  timer?: NodeJS.Timeout;
}

export class Inbox {
  private readonly buffer = new BoundedQueue<ApplicationMessage>(0); // bounded by backpressure (push), never by dropping
  /** The buffer is full: the Client's handler waits on this until a reader takes a message. */
  private room: { promise: Promise<void>; resolve(): void } | null = null;
  /** Readers waiting, oldest first: an array, not a Waiters, so handing a message over allocates nothing. */
  private readers: Reader[] = [];

  /** `timers`: the client's, so that cancelTasks() and disconnect() clear the readers' time limits too. */
  constructor(private readonly limit: number, private readonly timers: Timers, private readonly logger: Logger | undefined) {}

  /** Messages waiting for a reader. */
  get length(): number {
    return this.buffer.length;
  }

  /** Readers waiting for a message. */
  get waiting(): number {
    return this.readers.length;
  }

  /** Hands a received message to a waiting reader or the buffer; a promise (backpressure) when the buffer is full. */
  push(msg: MQTTMessage): Promise<void> | undefined {
    const m = new IncomingApplicationMessage(msg);
    const w = this.readers.shift();
    if (w !== undefined) {
      if (w.timer !== undefined) this.timers.clear(w.timer);
      w.resolve(m);
      return undefined;
    }
    this.buffer.push(m); // never over the limit: the Client waits on `room` before handing more
    if (this.buffer.length < this.limit) return undefined;
    if (this.room === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.room = { promise, resolve };
      this.logger?.debug(`mqttloop: Message buffer full (${this.limit}): reading paused until deliverMessage()/messages() take some`);
    }
    return this.room.promise;
  }

  /** The oldest buffered message, if any; taking one lets the Client hand over the next. */
  take(): ApplicationMessage | undefined {
    const m = this.buffer.shift();
    if (m !== undefined && this.room !== null) {
      const r = this.room;
      this.room = null;
      r.resolve();
    }
    return m;
  }

  /** deliverMessage()'s wait for the next message; TimeoutError after `timeoutSeconds` (none: no limit). */
  next(timeoutSeconds: number | null | undefined): Promise<ApplicationMessage> {
    return new Promise<ApplicationMessage>((resolve, reject) => {
      const w: Reader = { iterator: false, resolve: resolve as (m: ApplicationMessage | null) => void, reject };
      if (timeoutSeconds !== undefined && timeoutSeconds !== null) {
        w.timer = this.timers.start(() => {
          const i = this.readers.indexOf(w);
          if (i >= 0) this.readers.splice(i, 1);
          reject(new TimeoutError(`no message within ${timeoutSeconds} s`));
        }, timeoutSeconds * 1000);
      }
      this.readers.push(w);
    });
  }

  /** messages()'s wait for the next message; null when the stream ends (disconnect()). */
  nextOrEnd(): Promise<ApplicationMessage | null> {
    return new Promise<ApplicationMessage | null>((resolve, reject) => {
      this.readers.push({ iterator: true, resolve, reject });
    });
  }

  /**
   * messages()'s stream: buffered messages first, then each one as it arrives. Ends once
   * `closedByUser()` (disconnect()) and the buffer is empty; throws ClientError when not `live()`.
   */
  async *stream(closedByUser: () => boolean, live: () => boolean): AsyncGenerator<ApplicationMessage, void, undefined> {
    for (;;) {
      const buffered = this.take();
      if (buffered !== undefined) {
        yield buffered;
        continue;
      }
      if (closedByUser()) return;
      if (!live()) throw new ClientError('messages: not connected', { rc: MQTT_ERR_NO_CONN });
      const next = await this.nextOrEnd();
      if (next === null) return;
      yield next;
    }
  }

  /** deliverMessage() readers reject; messages() readers end (`endIterators`) or reject. */
  fail(err: Error, endIterators: boolean): void {
    const ws = this.readers;
    this.readers = [];
    for (const w of ws) {
      if (w.timer !== undefined) this.timers.clear(w.timer);
      if (w.iterator && endIterators) w.resolve(null);
      else w.reject(err);
    }
  }
}
