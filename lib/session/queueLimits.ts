/**
 * Bounds on what waits to be sent, and what happens when one is hit. QoS 1/2 messages wait
 * in the session's outgoing queue (outgoing.ts), bounded by count (maxQueued, paho's
 * max_queued_messages) and by bytes; QoS 0 messages wait while the transport is over its
 * write high-water mark, and, with offlineQos0, while there is no accepted connection, in the
 * QoS 0 queue below, bounded by count and bytes.
 */
import { Fifo } from '../fifo';
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
  /**
   * Opt-in (Client option `offlineQos0`): QoS 0 published with no accepted connection waits in
   * the QoS 0 queue and goes out after CONNACK, instead of paho's MQTT_ERR_NO_CONN.
   */
  offlineQos0: boolean;
}

export const DEFAULT_MAX_QUEUED_QOS0 = 10_000;
export const DEFAULT_MAX_QUEUED_QOS0_BYTES = 16 * 1024 * 1024;

export function defaultOutgoingLimits(): OutgoingLimits {
  return { maxQueuedBytes: 0, maxQueuedQos0: DEFAULT_MAX_QUEUED_QOS0, maxQueuedQos0Bytes: DEFAULT_MAX_QUEUED_QOS0_BYTES, policy: 'reject-newest', offlineQos0: false };
}

export interface WaitingQos0 {
  topic: string;
  payload: Buffer;
  retain: boolean;
  properties: PacketProperties | undefined;
  info: MQTTMessageInfo;
  bytes: number;
}

/** FIFO of QoS 0 messages waiting for the writer, with their byte count. */
export class Qos0Queue extends Fifo<WaitingQos0> {
  bytes = 0;

  override push(w: WaitingQos0): void {
    super.push(w);
    this.bytes += w.bytes;
  }

  override shift(): WaitingQos0 | undefined {
    const w = super.shift();
    if (w !== undefined) this.bytes -= w.bytes;
    return w;
  }

  override clear(): readonly WaitingQos0[] {
    this.bytes = 0;
    return super.clear();
  }
}
