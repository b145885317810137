/**
 * paho's SubscribeOptions: the MQTT 5 options byte of one subscription (QoS, No Local,
 * Retain As Published, Retain Handling).
 */
import { ValueError } from '../errors';
import type { QoS } from '../protocol/types';

/** The MQTT 5 options of one subscription (paho's SubscribeOptions); subscribe() takes one in place of a qos. */
export class SubscribeOptions {
  /** Send retained messages when the subscription is made (the default). */
  static readonly RETAIN_SEND_ON_SUBSCRIBE = 0;
  /** Send retained messages only if the subscription did not exist before. */
  static readonly RETAIN_SEND_IF_NEW_SUB = 1;
  /** Never send retained messages for this subscription. */
  static readonly RETAIN_DO_NOT_SEND = 2;

  /** The most the broker sends on this subscription: 0, 1 or 2. */
  readonly QoS: QoS;
  /** The broker does not send this client its own publications. */
  readonly noLocal: boolean;
  /** Forwarded messages keep the retain flag they were published with. */
  readonly retainAsPublished: boolean;
  /** RETAIN_SEND_ON_SUBSCRIBE (0), RETAIN_SEND_IF_NEW_SUB (1) or RETAIN_DO_NOT_SEND (2). */
  readonly retainHandling: 0 | 1 | 2;

  /**
   * Checks each option (ValueError naming the bad one).
   *
   * @param qos 0, 1 or 2: the most the broker sends on this subscription.
   * @param noLocal true: the broker does not send this client its own publications.
   * @param retainAsPublished true: forwarded messages keep the retain flag they were published with.
   * @param retainHandling RETAIN_SEND_ON_SUBSCRIBE (0), RETAIN_SEND_IF_NEW_SUB (1) or RETAIN_DO_NOT_SEND (2).
   */
  constructor(qos: number = 0, noLocal = false, retainAsPublished = false, retainHandling: number = SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE) {
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new ValueError(`qos: must be 0, 1 or 2, got ${String(qos)}`);
    if (typeof noLocal !== 'boolean') throw new ValueError(`noLocal: must be true or false, got ${typeof noLocal}`);
    if (typeof retainAsPublished !== 'boolean') throw new ValueError(`retainAsPublished: must be true or false, got ${typeof retainAsPublished}`);
    if (retainHandling !== 0 && retainHandling !== 1 && retainHandling !== 2) {
      throw new ValueError(`retainHandling: must be 0, 1 or 2, got ${String(retainHandling)}`);
    }
    this.QoS = qos;
    this.noLocal = noLocal;
    this.retainAsPublished = retainAsPublished;
    this.retainHandling = retainHandling;
  }

  /** The options byte as sent in SUBSCRIBE. */
  pack(): number {
    return this.QoS | (this.noLocal ? 0x04 : 0) | (this.retainAsPublished ? 0x08 : 0) | (this.retainHandling << 4);
  }

  /** paho's json(): the four options by name. */
  json(): {
    /** See {@link SubscribeOptions.QoS}. */
    QoS: number;
    /** See {@link SubscribeOptions.noLocal}. */
    noLocal: boolean;
    /** See {@link SubscribeOptions.retainAsPublished}. */
    retainAsPublished: boolean;
    /** See {@link SubscribeOptions.retainHandling}. */
    retainHandling: number;
  } {
    return { QoS: this.QoS, noLocal: this.noLocal, retainAsPublished: this.retainAsPublished, retainHandling: this.retainHandling };
  }

  /** paho's str(): `{QoS=1, noLocal=False, retainAsPublished=False, retainHandling=0}`. */
  toString(): string {
    return `{QoS=${this.QoS}, noLocal=${this.noLocal ? 'True' : 'False'}, retainAsPublished=${this.retainAsPublished ? 'True' : 'False'}, retainHandling=${this.retainHandling}}`;
  }
}
