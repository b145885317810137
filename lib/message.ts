/**
 * The two message objects of paho's API: MQTTMessage (what on_message receives) and
 * MQTTMessageInfo (what publish() returns). Every MQTTMessageInfo settles: published,
 * failed, or refused at the call; nothing waits forever.
 */
import { MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS } from './constants';
import { ValueError } from './errors';
import type { PacketProperties, QoS } from './protocol/types';
import { errorString } from './strings';
import { PacketTypes } from './mqtt5/packetTypes';
import { Properties } from './mqtt5/properties';

/** A received message, as paho's MQTTMessage. */
export class MQTTMessage {
  /** Made by the Client for each received PUBLISH. */
  constructor(
    /** The topic the message was published to. */
    readonly topic: string,
    /** The payload, a Buffer (a view of the received bytes). */
    readonly payload: Buffer,
    /** QoS of the delivery. */
    readonly qos: QoS,
    /** True for a retained message the broker replays on subscribing (as paho). */
    readonly retain: boolean,
    /** The packet identifier (0 for QoS 0). */
    readonly mid: number,
    /** True when the broker marked this as a redelivery. */
    readonly dup: boolean,
    /** Monotonic time of receipt, in seconds (paho's time.monotonic()). */
    readonly timestamp: number,
    /** @internal The PUBLISH's properties as decoded (plain object), then as Properties once asked for. */
    private rawProperties?: PacketProperties,
  ) {}

  /** @internal Set by the Client on MQTT 5 connections: `properties` is then always a Properties. */
  _v5 = false;

  /**
   * MQTT 5: the PUBLISH's properties, a Properties of PacketTypes.PUBLISH (empty when it
   * carried none), made on first access. MQTT 3.x: undefined.
   */
  get properties(): Properties | undefined {
    const raw = this.rawProperties;
    if (raw instanceof Properties) return raw;
    if (raw === undefined && !this._v5) return undefined;
    const wrapped = Properties._wrap(PacketTypes.PUBLISH, raw);
    this.rawProperties = wrapped;
    return wrapped;
  }
}

/** The error a failed publish rejects with; `rc` is the MQTT_ERR_* code. */
export class PublishError extends Error {
  /** `rc`: the MQTT_ERR_* code; `mid`: the message's id. */
  constructor(
    /** The MQTT_ERR_* code: why the message was not published. */
    readonly rc: number,
    /** The message id. */
    readonly mid: number,
  ) {
    super(`message ${mid} was not published: ${errorString(rc)}`);
    this.name = 'PublishError';
  }
}

/**
 * What publish() returns, as paho's MQTTMessageInfo: `rc`, `mid`, `isPublished()`,
 * `waitForPublish()`. Iterable as `[rc, mid]`, so `const [rc, mid] = client.publish(...)` ports.
 */
export class MQTTMessageInfo implements Iterable<number> {
  private published = false;
  private failure: PublishError | null = null;
  /** Created by the first waitForPublish() that has to wait: most messages never get one. */
  private waiters: Array<(failure: PublishError | null) => void> | null = null;
  /** Refused at the call because the queue was full (not dropped later by the drop-oldest policy). */
  private readonly refusedFull: boolean;

  /** Made by publish(). */
  constructor(
    /** The packet identifier, or 0 when the call was refused before one was given. */
    readonly mid: number,
    /** MQTT_ERR_SUCCESS, or why publish() could not accept the message. */
    public rc: number = MQTT_ERR_SUCCESS,
  ) {
    if (rc !== MQTT_ERR_SUCCESS) this.failure = new PublishError(rc, mid);
    this.refusedFull = rc === MQTT_ERR_QUEUE_SIZE;
  }

  /** `[rc, mid]`, as paho's tuple unpacking. */
  *[Symbol.iterator](): Iterator<number> {
    yield this.rc;
    yield this.mid;
  }

  /** True once the message has completed its QoS flow (QoS 0: once written to the socket). */
  isPublished(): boolean {
    this.refuseIfQueueFull('isPublished');
    return this.published;
  }

  /**
   * Resolves once the message is published. Rejects with a PublishError (its `rc` says why)
   * if it never can be: not connected for QoS 0, QoS 0 lost with the connection,
   * `disconnect()` with a clean session. A QoS 1/2 message outlives a lost connection (clean
   * session or not, as in paho) and is sent again after the next CONNACK. With
   * `timeoutSeconds`, resolves when the time is up even if the message is not published yet,
   * as paho does: check `isPublished()` afterwards.
   */
  waitForPublish(timeoutSeconds?: number): Promise<void> {
    this.refuseIfQueueFull('waitForPublish');
    if (this.published) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        if (timer !== undefined) clearTimeout(timer);
        if (this.failure) reject(this.failure);
        else resolve();
      };
      (this.waiters ??= []).push(settle);
      if (timeoutSeconds !== undefined && timeoutSeconds !== null) {
        if (typeof timeoutSeconds !== 'number' || !(timeoutSeconds >= 0)) {
          throw new ValueError(`timeoutSeconds: must be a number >= 0, got ${String(timeoutSeconds)}`);
        }
        timer = setTimeout(() => {
          this.waiters = this.waiters?.filter((w) => w !== settle) ?? null;
          resolve();
        }, timeoutSeconds * 1000);
      }
    });
  }

  /**
   * @internal Calls `fn` once the flow ends (null: published; else why it failed), at once if
   * it already has: one callback, no promise (MQTTClient.publish waits this way).
   */
  _whenSettled(fn: (failure: PublishError | null) => void): void {
    if (this.published || this.failure) fn(this.failure);
    else (this.waiters ??= []).push(fn);
  }

  /** @internal The flow completed. */
  _complete(): void {
    if (this.published || this.failure) return;
    this.published = true;
    this.wake();
  }

  /** @internal The flow can never complete. */
  _fail(rc: number): void {
    if (this.published || this.failure) return;
    this.rc = rc;
    this.failure = new PublishError(rc, this.mid);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    if (w === null) return;
    this.waiters = null;
    for (const fn of w) fn(this.failure);
  }

  private refuseIfQueueFull(what: string): void {
    if (this.refusedFull) {
      throw new ValueError(`${what}: message ${this.mid} was not queued (MQTT_ERR_QUEUE_SIZE): the outgoing queue is full`);
    }
  }
}
