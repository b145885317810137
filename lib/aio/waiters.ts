/**
 * MQTTClient's pending promises and timers. Every call that waits (for the connection, an ack,
 * a publish flow, the reconnection backoff; a message, in inbox.ts's FIFO) leaves its two ends
 * in one of these, so that disconnect(), cancelTasks() or a lost connection can settle them
 * all: every promise settles.
 */

/** The two ends of one pending promise. */
export interface Settler<T = void> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

/**
 * Pending waiters of one kind, in arrival order, each under a key (by default the waiter
 * itself). A waiter is taken out before it is settled, so none settles twice.
 */
export class Waiters<W, K = W> {
  private readonly byKey = new Map<K, W>();

  get size(): number {
    return this.byKey.size;
  }

  /** Adds `w` under `key`; a waiter already under that key is replaced. */
  add(w: W, key: K = w as unknown as K): void {
    this.byKey.set(key, w);
  }

  /** Takes out the waiter under `key`, if any. */
  take(key: K): W | undefined {
    const w = this.byKey.get(key);
    if (w !== undefined) this.byKey.delete(key);
    return w;
  }

  /** Takes out every waiter, oldest first: settle them after (one added meanwhile stays). */
  takeAll(): W[] {
    if (this.byKey.size === 0) return [];
    const ws = [...this.byKey.values()];
    this.byKey.clear();
    return ws;
  }
}

/** The timeouts of the calls waiting with a time limit, so that all can be cleared at once. */
export class Timers {
  private readonly live = new Set<NodeJS.Timeout>();

  get size(): number {
    return this.live.size;
  }

  /** Runs `fn` after `ms` unless cleared first. */
  start(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.live.delete(t);
      fn();
    }, ms);
    this.live.add(t);
    return t;
  }

  clear(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.live.delete(t);
  }

  clearAll(): void {
    for (const t of this.live) clearTimeout(t);
    this.live.clear();
  }
}
