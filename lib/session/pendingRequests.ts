/**
 * SUBSCRIBE and UNSUBSCRIBE: sent, and waiting for their acks by packet id. Never resent (as
 * paho): a lost connection forgets them and frees their ids. The maps are made on first use
 * and dropped when their last request is answered, so an idle connection holds none, also
 * after it subscribed (idle memory per connection is benchmarked).
 */
import { MQTT_ERR_NO_CONN, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS, MQTT_LOG_WARNING } from '../constants';
import type { PacketProperties, Subscription } from '../protocol/types';
import type { SessionHost } from './types';

export class PendingRequests {
  private subscribes: Map<number, Subscription[]> | null = null;
  private unsubscribes: Map<number, string[]> | null = null;

  /** The Session itself, not closures over it: idle memory per connection is a measured limit. */
  constructor(private readonly session: SessionHost) {}

  /** SUBSCRIBEs waiting for their SUBACK, by mid. */
  get pendingSubscribes(): ReadonlyMap<number, Subscription[]> {
    return this.subscribes ?? NO_PENDING;
  }

  /** UNSUBSCRIBEs waiting for their UNSUBACK, by mid. */
  get pendingUnsubscribes(): ReadonlyMap<number, string[]> {
    return this.unsubscribes ?? NO_PENDING;
  }

  /** No request waits for its ack. */
  get isEmpty(): boolean {
    return this.subscribes === null && this.unsubscribes === null;
  }

  /** Returns [rc, mid]; not connected: [MQTT_ERR_NO_CONN, 0], as paho. */
  subscribe(subscriptions: Subscription[], properties: PacketProperties | undefined, now: number): [number, number] {
    const s = this.session;
    if (s.state !== 'connected' && s.state !== 'connecting') return [MQTT_ERR_NO_CONN, 0];
    const mid = s.ids.allocate();
    if (mid === 0) return [MQTT_ERR_QUEUE_SIZE, 0];
    (this.subscribes ??= new Map()).set(mid, subscriptions);
    s.send({ type: 'subscribe', packetId: mid, subscriptions, properties }, now);
    return [MQTT_ERR_SUCCESS, mid];
  }

  unsubscribe(topics: string[], properties: PacketProperties | undefined, now: number): [number, number] {
    const s = this.session;
    if (s.state !== 'connected' && s.state !== 'connecting') return [MQTT_ERR_NO_CONN, 0];
    const mid = s.ids.allocate();
    if (mid === 0) return [MQTT_ERR_QUEUE_SIZE, 0];
    (this.unsubscribes ??= new Map()).set(mid, topics);
    s.send({ type: 'unsubscribe', packetId: mid, topics, properties }, now);
    return [MQTT_ERR_SUCCESS, mid];
  }

  /** A SUBACK: the 'subscribed' event, or a warning when no SUBSCRIBE waits under `mid`. */
  onSuback(mid: number, reasonCodes: number[], properties?: PacketProperties): void {
    if (this.subscribes === null || !this.subscribes.delete(mid)) {
      if (this.session.logging) this.session.log(MQTT_LOG_WARNING, `Received SUBACK for unknown message id ${mid}`);
      return;
    }
    if (this.subscribes.size === 0) this.subscribes = null;
    this.session.ids.release(mid);
    this.session.pushEvent({ kind: 'subscribed', mid, reasonCodes, properties });
  }

  /** An UNSUBACK: the 'unsubscribed' event, or a warning when no UNSUBSCRIBE waits under `mid`. */
  onUnsuback(mid: number, reasonCodes: number[], properties?: PacketProperties): void {
    if (this.unsubscribes === null || !this.unsubscribes.delete(mid)) {
      if (this.session.logging) this.session.log(MQTT_LOG_WARNING, `Received UNSUBACK for unknown message id ${mid}`);
      return;
    }
    if (this.unsubscribes.size === 0) this.unsubscribes = null;
    this.session.ids.release(mid);
    this.session.pushEvent({ kind: 'unsubscribed', mid, reasonCodes, properties });
  }

  /** The connection is gone: forgets them all, and frees their ids. */
  connectionLost(): void {
    const ids = this.session.ids;
    for (const mid of this.pendingSubscribes.keys()) ids.release(mid);
    for (const mid of this.pendingUnsubscribes.keys()) ids.release(mid);
    this.subscribes = null;
    this.unsubscribes = null;
  }
}

/** The empty view of pending requests, shared (nothing is ever added to it). */
export const NO_PENDING: ReadonlyMap<number, never> = new Map<number, never>();
