/**
 * The FIFO of received messages behind deliverMessage() and messages(). With a `limit`
 * (> 0), when full the oldest item is dropped to make room; MQTTClient passes 0 and bounds its
 * buffer by backpressure instead (nothing dropped).
 */
import { Fifo } from '../fifo';

export class BoundedQueue<T> extends Fifo<T> {
  constructor(public limit: number) {
    super();
  }

  /** Appends; returns the dropped oldest item when the queue was full, else undefined. */
  override push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.limit > 0 && this.length >= this.limit) dropped = this.shift();
    super.push(item);
    return dropped;
  }
}
