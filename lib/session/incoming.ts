/**
 * Incoming QoS 1/2 state of a session.
 *
 * HeldAcks: acknowledgements the application still holds: a received message whose PUBACK
 * (QoS 1) or PUBCOMP (QoS 2) waits until its handler settles (async handlers) or until the
 * application calls ack() (manual ack).
 *
 * AwaitingRelease: QoS 2 messages PUBREC'd and not yet delivered. As paho (1.6 and 2.x), a
 * QoS 2 message reaches the application when its PUBREL arrives, and PUBCOMP follows the
 * handler; until then it is kept here by packet id, so a resent PUBLISH is stored once and
 * delivered once. The broker's window bounds how many (its in-flight limit; MQTT 5: our
 * Receive Maximum).
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

  /** A QoS 2 message with id `mid` is delivered and its PUBCOMP waits for the application. */
  holdsQos2(mid: number): boolean {
    return this.held?.get(mid)?.qos === 2;
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

  /**
   * The connection is gone. A QoS 1 ack is forgotten: the broker resends the PUBLISH, which is
   * delivered again. A QoS 2 PUBCOMP stays held: the broker has released the message and
   * resends only the PUBREL, which the PUBCOMP answers once the application is done.
   */
  connectionLost(): void {
    if (this.held === null) return;
    for (const m of this.held.values()) if (m.qos !== 2) this.held.delete(m.mid);
  }

  /** The broker keeps no session of ours: nothing held will be asked for again. */
  clear(): void {
    this.held?.clear();
  }
}

export class AwaitingRelease {
  /** packet id -> the PUBREC'd message waiting for its PUBREL; created by the first QoS 2 message. */
  private messages: Map<number, MQTTMessage> | null = null;
  /**
   * Ids whose PUBCOMP was owed while no connection was up (the handler settled offline): the
   * broker's resent PUBREL gets a plain PUBCOMP (MQTT 5: not 0x92 "not found").
   */
  private owed: Set<number> | null = null;

  get pending(): ReadonlyMap<number, MQTTMessage> {
    return this.messages ?? NO_MESSAGES;
  }

  /** A QoS 2 PUBLISH arrived: kept until PUBREL; a resend of an id already kept replaces it (as paho), never adds one. */
  received(message: MQTTMessage): void {
    (this.messages ??= new Map()).set(message.mid, message);
    this.owed?.delete(message.mid);
  }

  /** PUBREL arrived: the message to deliver now, or undefined when none waits under `mid`. */
  release(mid: number): MQTTMessage | undefined {
    const m = this.messages?.get(mid);
    if (m !== undefined) this.messages!.delete(mid);
    return m;
  }

  owe(mid: number): void {
    (this.owed ??= new Set()).add(mid);
  }

  /** Whether `mid`'s PUBCOMP was owed (and is now being paid). */
  takeOwed(mid: number): boolean {
    return this.owed?.delete(mid) ?? false;
  }

  /** Clean session, or the broker lost ours: it will PUBREL none of these. */
  clear(): void {
    this.messages?.clear();
    this.owed?.clear();
  }
}

const NO_MESSAGES: ReadonlyMap<number, MQTTMessage> = new Map<number, MQTTMessage>();
