/**
 * Bounds on what waits to be sent, and what happens when one is hit. QoS 1/2 messages wait
 * in the session's outgoing queue (outgoing.ts), bounded by count (maxQueued, paho's
 * max_queued_messages) and by bytes; QoS 0 messages wait only while the transport is over
 * its write high-water mark, in the QoS 0 queue below, bounded by count and bytes.
 */
import type { MQTTMessageInfo } from '../message';
import type { PacketProperties } from '../protocol/types';

/**
 * 'reject-newest' (default, paho's behaviour): publish() returns rc MQTT_ERR_QUEUE_SIZE.
 * 'drop-oldest': the oldest waiting message (never yet sent) is dropped to make room; its
 * MQTTMessageInfo fails with MQTT_ERR_QUEUE_SIZE.
 */
export type QueuePolicy = 'reject-newest' | 'drop-oldest';

export interface OutgoingLimits {
  /** Bytes (payload + topic) of unfinished QoS 1/2 messages; 0 = unlimited. */
  maxQueuedBytes: number;
  /** QoS 0 messages waiting for the writer; 0 = unlimited. */
  maxQueuedQos0: number;
  /** Bytes (payload + topic) of QoS 0 messages waiting for the writer; 0 = unlimited. */
  maxQueuedQos0Bytes: number;
  policy: QueuePolicy;
}

export const DEFAULT_MAX_QUEUED_QOS0 = 10_000;
export const DEFAULT_MAX_QUEUED_QOS0_BYTES = 16 * 1024 * 1024;

export function defaultOutgoingLimits(): OutgoingLimits {
  return { maxQueuedBytes: 0, maxQueuedQos0: DEFAULT_MAX_QUEUED_QOS0, maxQueuedQos0Bytes: DEFAULT_MAX_QUEUED_QOS0_BYTES, policy: 'reject-newest' };
}

export interface WaitingQos0 {
  topic: string;
  payload: Buffer;
  retain: boolean;
  properties: PacketProperties | undefined;
  info: MQTTMessageInfo;
  bytes: number;
}

/** FIFO of QoS 0 messages waiting for the writer (moving head, compacted as it goes). */
export class Qos0Queue {
  private items: WaitingQos0[] = [];
  private head = 0;
  bytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(w: WaitingQos0): void {
    this.items.push(w);
    this.bytes += w.bytes;
  }

  shift(): WaitingQos0 | undefined {
    if (this.head >= this.items.length) return undefined;
    const w = this.items[this.head];
    (this.items as unknown[])[this.head++] = undefined;
    this.bytes -= w.bytes;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return w;
  }

  /** Empties the queue; returns what waited, oldest first. */
  clear(): WaitingQos0[] {
    const all = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    return all;
  }
}
