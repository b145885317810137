/**
 * What the connected broker accepts, from its MQTT 5 CONNACK properties: Receive Maximum (the
 * in-flight window), Maximum Packet Size, Maximum QoS and Retain Available. A new object for
 * each CONNACK that announces one; MQTT 3.x brokers announce nothing, so the defaults (no limit) stay.
 */
import type { PacketProperties, ProtocolLevel, QoS } from '../protocol/types';
import { ProtocolError } from '../protocol/errors';
import { publishPacketSize } from './packetSize';

/** Whether a CONNACK's properties set any of the limits (else the defaults stay: NO_LIMITS). */
export function announcesLimits(props: PacketProperties): boolean {
  return props.ReceiveMaximum !== undefined || props.MaximumPacketSize !== undefined || props.MaximumQoS !== undefined || props.RetainAvailable !== undefined;
}

export class ServerLimits {
  receiveMaximum = 65535;
  /** 0: none announced. */
  maxPacketSize = 0;
  maxQos: QoS = 2;
  retainAvailable = true;

  /** The limits a CONNACK announced. */
  fromConnack(props: PacketProperties): void {
    if (props.ReceiveMaximum !== undefined) this.receiveMaximum = props.ReceiveMaximum;
    if (props.MaximumPacketSize !== undefined) this.maxPacketSize = props.MaximumPacketSize;
    if (props.MaximumQoS !== undefined) this.maxQos = props.MaximumQoS as QoS;
    if (props.RetainAvailable !== undefined) this.retainAvailable = props.RetainAvailable === 1;
  }

  /** Why the broker refuses such a message (Maximum QoS, Retain Available), or null. */
  refuses(qos: QoS, retain: boolean): string | null {
    if (qos > this.maxQos) return `the broker supports QoS ${this.maxQos} at most, not ${qos}`;
    if (retain && !this.retainAvailable) return 'the broker does not support retained messages';
    return null;
  }

  /** The in-flight window: ours (`maxInflight`, 0 = none) within the broker's Receive Maximum. */
  window(maxInflight: number): number {
    const w = maxInflight > 0 ? maxInflight : 65535;
    return Math.min(w, this.receiveMaximum);
  }

  /**
   * A PUBLISH's size when it is over the Maximum Packet Size (§3.2.2.3.6: the whole packet,
   * properties included), else 0. Bad properties: 0, the codec refuses them with its own message.
   */
  oversize(topic: string, payload: Buffer, qos: QoS, properties: PacketProperties | undefined, protocol: ProtocolLevel): number {
    let size: number;
    try {
      size = publishPacketSize(topic, payload.length, qos, properties, protocol);
    } catch (e) {
      if (e instanceof ProtocolError) return 0;
      throw e;
    }
    return size <= this.maxPacketSize ? 0 : size;
  }
}

/**
 * Nothing announced (3.x brokers, and before CONNACK): shared by every session, never written
 * (not frozen: one shape for the reads on the publish path).
 */
export const NO_LIMITS = new ServerLimits();
