/**
 * Applying the outgoing bounds of queueLimits.ts when the session accepts a publish: room for
 * a QoS 1/2 message (the 'drop-oldest' policy drops the oldest never-sent ones), the bounded
 * QoS 0 queue (while the writer is blocked, or offline with offlineQos0), and the drop/refusal
 * counters with their log lines.
 */
import { MQTT_ERR_QUEUE_SIZE, MQTT_LOG_WARNING } from '../constants';
import { MQTTMessageInfo } from '../message';
import type { PacketProperties } from '../protocol/types';
import type { OutgoingMessages, OutMessage } from './outgoing';
import { defaultOutgoingLimits, OutgoingLimits, Qos0Queue, WaitingQos0 } from './queueLimits';
import type { SessionConfig, SessionEvent } from './types';

/** What the bounds need of their owner, the outgoing flow (outgoingFlow.ts), which is the message table. */
export interface BoundsHost extends Pick<OutgoingMessages, 'size' | 'bytes' | 'messages' | 'finish'> {
  readonly config: SessionConfig;
  /** Queues a session event (the bounds' log lines). */
  pushEvent(ev: SessionEvent): void;
  /** Ends a QoS 1/2 message: its id released, the store updated, its info failed with `rc`. */
  failMessage(m: OutMessage, rc: number): void;
}

export class QueueBounds {
  /**
   * QoS 0 messages accepted while the writer is blocked (writeBlocked) or, with offlineQos0, while
   * offline, bounded by limits; made by the first (idle connections stay small).
   */
  private qos0: Qos0Queue | null = null;
  /** Outgoing messages dropped by the 'drop-oldest' policy, and publishes refused by a full queue. */
  droppedMessages = 0;
  rejectedMessages = 0;

  /** The outgoing flow itself, not closures over it: idle memory per connection is a measured limit. */
  constructor(private readonly session: BoundsHost) {}

  /** The QoS 0 messages waiting: how many, and their bytes. */
  get qos0Waiting(): { readonly length: number; readonly bytes: number } {
    return this.qos0 ?? NO_QOS0;
  }

  /** Empties the QoS 0 queue (the writer is free, or the connection is gone): what waited, oldest first. */
  takeQos0Waiting(): readonly WaitingQos0[] {
    const q = this.qos0;
    if (q === null) return NO_WAITING;
    this.qos0 = null;
    return q.clear();
  }

  /** offlineQos0: QoS 0 published with no accepted connection waits for the next CONNACK. */
  get offlineQos0(): boolean {
    return this.limits().offlineQos0;
  }

  /** QoS 0 while the writer is blocked (or offline, with offlineQos0): wait in the bounded QoS 0 queue, or be refused/drop the oldest. */
  queueQos0(topic: string, payload: Buffer, retain: boolean, properties: PacketProperties | undefined, mid: number): MQTTMessageInfo {
    const lim = this.limits();
    const bytes = payload.length + topic.length;
    const q = (this.qos0 ??= new Qos0Queue());
    const fits = (): boolean => (lim.maxQueuedQos0 === 0 || q.length < lim.maxQueuedQos0) && (lim.maxQueuedQos0Bytes === 0 || q.bytes + bytes <= lim.maxQueuedQos0Bytes);
    if (lim.policy === 'drop-oldest') {
      while (!fits() && q.length > 0) this.dropped(q.shift()!.info, 'QoS 0');
    }
    if (!fits()) return this.rejected(mid, 'QoS 0');
    const info = new MQTTMessageInfo(mid);
    q.push({ topic, payload, retain, properties, info, bytes });
    return info;
  }

  /**
   * Room for one more QoS 1/2 message of `bytes` within maxQueued and the byte bound. With
   * the 'drop-oldest' policy, the oldest messages never sent yet are dropped to make room
   * (a message already sent may be with the broker: it is never dropped).
   */
  makeRoomQueued(bytes: number): boolean {
    const c = this.session.config;
    const lim = this.limits();
    const o = this.session;
    const fits = (): boolean => (c.maxQueued === 0 || o.size < c.maxQueued) && (lim.maxQueuedBytes === 0 || o.bytes + bytes <= lim.maxQueuedBytes);
    if (fits()) return true;
    if (lim.policy === 'drop-oldest') {
      for (const m of o.messages.values()) {
        if (m.everSent || m.inFlight) continue;
        o.finish(m);
        this.session.failMessage(m, MQTT_ERR_QUEUE_SIZE);
        this.countDrop(`QoS ${m.qos} message ${m.mid} to '${m.topic}'`);
        if (fits()) return true;
      }
    }
    return false;
  }

  private dropped(info: MQTTMessageInfo, what: string): void {
    info._fail(MQTT_ERR_QUEUE_SIZE);
    this.countDrop(`${what} message ${info.mid}`);
  }

  private countDrop(what: string): void {
    this.droppedMessages++;
    this.session.pushEvent({ kind: 'log', level: MQTT_LOG_WARNING, text: `Outgoing queue full: dropped the oldest ${what} (policy drop-oldest; ${this.droppedMessages} dropped so far)` });
  }

  /** A publish refused by a full queue: counted, and logged. */
  rejected(mid: number, what: string): MQTTMessageInfo {
    this.rejectedMessages++;
    // Logged always (never silent), but as one line per 1,000 refusals under a sustained overload.
    if (this.rejectedMessages % 1000 === 1) {
      this.session.pushEvent({ kind: 'log', level: MQTT_LOG_WARNING, text: `Outgoing ${what} queue full: publish refused with MQTT_ERR_QUEUE_SIZE (${this.rejectedMessages} refused so far)` });
    }
    return new MQTTMessageInfo(mid, MQTT_ERR_QUEUE_SIZE);
  }

  private limits(): OutgoingLimits {
    return this.session.config.limits ?? DEFAULT_LIMITS;
  }
}

const DEFAULT_LIMITS = defaultOutgoingLimits();
const NO_QOS0 = { length: 0, bytes: 0 } as const;
const NO_WAITING: readonly WaitingQos0[] = [];
