/**
 * The bounded FIFO of received messages behind deliverMessage() and messages(). A plain
 * array with a moving head (O(1) shift, compacted as it goes). With a `limit` (> 0), when full
 * the oldest item is dropped to make room; MQTTClient passes 0 and bounds its buffer by
 * backpressure instead (nothing dropped).
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;

  constructor(public limit: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends; returns the dropped oldest item when the queue was full, else undefined. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.limit > 0 && this.length >= this.limit) dropped = this.shift();
    this.items.push(item);
    return dropped;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    (this.items as unknown[])[this.head] = undefined; // let it be collected
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
