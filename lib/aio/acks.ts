/**
 * subscribe()/unsubscribe()/ping() waits: each waits for the Client's 'subscribe' or
 * 'unsubscribe' event with its mid and resolves with the return codes; a lost connection,
 * disconnect() or cancelTasks() fails them all.
 */
import type { Subscription } from '../protocol/types';
import { SubscribeOptions } from '../mqtt5/subscribeOptions';
import { codeValue } from './errors';
import { Settler, Waiters } from './waiters';

interface AckWaiter extends Settler<number[]> {
  kind: 'subscribe' | 'unsubscribe';
}

export class AckWaits {
  private readonly byMid = new Waiters<AckWaiter, number>();

  get size(): number {
    return this.byMid.size;
  }

  wait(mid: number, kind: AckWaiter['kind']): Promise<number[]> {
    return new Promise<number[]>((resolve, reject) => {
      this.byMid.add({ kind, resolve, reject }, mid);
    });
  }

  /** The broker answered `mid`: its waiter (if any) resolves with the codes as numbers. */
  settle(mid: number, codes: unknown[]): void {
    const w = this.byMid.take(mid);
    if (w === undefined) return;
    w.resolve(codes.map(codeValue));
  }

  failAll(err: Error): void {
    for (const w of this.byMid.takeAll()) w.reject(err);
  }
}

/** The 'unsubscribe' event's codes as a list: MQTT 5 (paho 1.x form) gives one ReasonCodes for a single filter, else a list. */
export function unsubackCodes(codes: unknown): unknown[] {
  return Array.isArray(codes) ? codes : codes === undefined ? [] : [codes];
}

/** A subscription as the Client takes it: its QoS, or SubscribeOptions when it has MQTT 5 options. */
export function subscribeQos(s: Subscription): number | SubscribeOptions {
  if (!s.noLocal && !s.retainAsPublished && !s.retainHandling) return s.qos;
  return new SubscribeOptions(s.qos, !!s.noLocal, !!s.retainAsPublished, s.retainHandling ?? 0);
}
