/**
 * Clients waiting for a pump turn (or a flush), shared by every Client of the process: one
 * queueMicrotask or setImmediate runs all of them, in the order they asked. No Client holds a
 * closure of its own for it (idle memory per connection is benchmarked), and no argument array
 * is made per turn.
 */
export class TurnQueue<T> {
  private waiting: T[] = [];
  private queued = false;

  constructor(private readonly schedule: (drain: () => void) => void, private readonly run: (item: T) => void) {}

  add(item: T): void {
    this.waiting.push(item);
    if (this.queued) return;
    this.queued = true;
    this.schedule(this.drain);
  }

  private readonly drain = (): void => {
    this.queued = false;
    const list = this.waiting;
    this.waiting = [];
    let i = 0;
    try {
      for (; i < list.length; i++) this.run(list[i]);
    } finally {
      // A turn that threw (a bug: callbacks never throw out of a turn) must not strand the others.
      for (let j = i + 1; j < list.length; j++) this.add(list[j]);
    }
  };
}
