/**
 * SUBSCRIBEs and UNSUBSCRIBEs sent and not yet acknowledged, by packet id. Never resent (as
 * paho): a lost connection forgets them and frees their ids. The maps are made on first use,
 * so an idle connection holds none.
 */
import type { Subscription } from '../protocol/types';

export class PendingRequests {
  private subscribes: Map<number, Subscription[]> | null = null;
  private unsubscribes: Map<number, string[]> | null = null;

  /** SUBSCRIBEs waiting for their SUBACK, by mid. */
  get pendingSubscribes(): ReadonlyMap<number, Subscription[]> {
    return this.subscribes ?? NO_PENDING;
  }

  /** UNSUBSCRIBEs waiting for their UNSUBACK, by mid. */
  get pendingUnsubscribes(): ReadonlyMap<number, string[]> {
    return this.unsubscribes ?? NO_PENDING;
  }

  addSubscribe(mid: number, subscriptions: Subscription[]): void {
    (this.subscribes ??= new Map()).set(mid, subscriptions);
  }

  addUnsubscribe(mid: number, topics: string[]): void {
    (this.unsubscribes ??= new Map()).set(mid, topics);
  }

  /** A SUBACK for `mid`: true when that SUBSCRIBE was pending (now done). */
  subscribeAcked(mid: number): boolean {
    return this.subscribes !== null && this.subscribes.delete(mid);
  }

  /** An UNSUBACK for `mid`: true when that UNSUBSCRIBE was pending (now done). */
  unsubscribeAcked(mid: number): boolean {
    return this.unsubscribes !== null && this.unsubscribes.delete(mid);
  }

  /** The connection is gone: forgets them all, handing each id to `release`. */
  connectionLost(release: (mid: number) => void): void {
    for (const mid of this.pendingSubscribes.keys()) release(mid);
    for (const mid of this.pendingUnsubscribes.keys()) release(mid);
    this.subscribes = null;
    this.unsubscribes = null;
  }
}

const NO_PENDING: ReadonlyMap<number, never> = new Map<number, never>();
