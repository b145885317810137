/**
 * Incoming QoS 1/2 acknowledgements the application still holds: a received message whose
 * PUBACK/PUBREC waits until its handler settles (async handlers) or until the application
 * calls ack() (manual ack). Held per connection: a connection loss forgets them all, so an
 * ack pending at the loss is never sent on the next connection (the broker redelivers).
 */
import type { MQTTMessage } from '../message';

export class HeldAcks {
  /** packet id -> the message whose acknowledgement waits; created on first use (idle connections stay small). */
  private held: Map<number, MQTTMessage> | null = null;

  get size(): number {
    return this.held?.size ?? 0;
  }

  hold(message: MQTTMessage): void {
    (this.held ??= new Map()).set(message.mid, message);
  }

  isHeld(mid: number): boolean {
    return this.held?.has(mid) ?? false;
  }

  /** Releases `message` itself (not a later message that reuses its id); false when not held. */
  releaseMessage(message: MQTTMessage): boolean {
    if (this.held?.get(message.mid) !== message) return false;
    this.held.delete(message.mid);
    return true;
  }

  /** Releases whatever message holds `mid` with QoS `qos` (paho's ack(mid, qos)); false when none. */
  release(mid: number, qos: number): boolean {
    const m = this.held?.get(mid);
    if (m === undefined || m.qos !== qos) return false;
    this.held!.delete(mid);
    return true;
  }

  /** Forgets every held ack; returns the QoS 2 ids among them (to be delivered again when the broker resends). */
  clear(): number[] {
    const qos2: number[] = [];
    if (this.held === null) return qos2;
    for (const m of this.held.values()) if (m.qos === 2) qos2.push(m.mid);
    this.held.clear();
    return qos2;
  }
}
