/**
 * A first-in first-out queue: an array with a moving head (O(1) shift), compacted as it goes,
 * slots cleared so taken items can be collected. Used by the incoming and outgoing queues.
 * An empty queue holds no array of its own (NO_ITEMS): most queues of an idle connection stay
 * empty, and idle memory per connection is a benchmarked goal.
 */
/** Shared by every empty Fifo and never written to (not frozen: one array shape for the hot accesses). */
const NO_ITEMS: never[] = [];

export class Fifo<T> {
  private items: T[] = NO_ITEMS;
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.items === NO_ITEMS) this.items = [item];
    else this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    (this.items as unknown[])[this.head++] = undefined; // let it be collected
    if (this.head === this.items.length) {
      this.items = NO_ITEMS;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Empties the queue; returns what it held, oldest first. */
  clear(): readonly T[] {
    const all = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = NO_ITEMS;
    this.head = 0;
    return all;
  }
}
