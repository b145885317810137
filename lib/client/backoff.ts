/**
 * paho's reconnect delay: the first wait after a lost connection is `min`, each failed
 * attempt doubles it up to `max`, and a successful CONNACK starts over.
 */
export class Backoff {
  private min = 1;
  private max = 120;
  private current: number | null = null;

  configure(minDelay: number, maxDelay: number): void {
    this.min = minDelay;
    this.max = maxDelay;
    this.current = null;
  }

  /** Seconds to wait before the next attempt. */
  next(): number {
    this.current = this.current === null ? this.min : Math.min(this.current * 2, this.max);
    return this.current;
  }

  reset(): void {
    this.current = null;
  }
}
