/**
 * The rules of opening a connection, apart from the Session's transitions: the default
 * configuration, what CONNECT carries, how CONNACK's answer reads (accepted, refused, or a
 * refusal paho retries), and what DISCONNECT may carry.
 */
import { MQTT_ERR_CONN_REFUSED, MQTT_ERR_PROTOCOL } from '../constants';
import { ValueError } from '../errors';
import type { ConnackPacket, PacketProperties } from '../protocol/types';
import { memoryStore } from '../store/memory';
import type { CloseEvent, SessionConfig } from './types';

/**
 * The fields every client sets are all in the literal (autoTopicAlias too): one added later
 * would go to a separate property array, 40 bytes more per connection (idle memory is benchmarked).
 */
export function defaultSessionConfig(): SessionConfig {
  return {
    clientId: '', cleanSession: true, protocol: 4, keepalive: 60, maxInflight: 20, maxQueued: 0,
    retrySeconds: 5, connackTimeout: 0, maxPacketSize: 0, autoTopicAlias: true, store: memoryStore(), limits: undefined,
  };
}

/** CONNECT's properties (MQTT 5): the configured ones, with our Maximum Packet Size unless they set one. */
export function connectProperties(c: SessionConfig): PacketProperties | undefined {
  let props = c.protocol === 5 ? c.connectProperties : undefined;
  if (c.protocol === 5 && (c.maxPacketSize ?? 0) > 0 && props?.MaximumPacketSize === undefined) {
    props = { ...props, MaximumPacketSize: c.maxPacketSize };
  }
  return props;
}

/** Our Maximum Packet Size: the CONNECT property if set (MQTT 5), else the config's; 0 = none. */
export function clientMaxPacketSize(c: SessionConfig): number {
  return (c.protocol === 5 ? c.connectProperties?.MaximumPacketSize : undefined) ?? c.maxPacketSize ?? 0;
}

/** Whether CONNACK refuses the connection (MQTT 5: reason 0x80 and up; 3.x: any non-zero code). */
export function connackRefuses(p: ConnackPacket, c: SessionConfig): boolean {
  return c.protocol === 5 ? p.reasonCode >= 0x80 : p.reasonCode !== 0;
}

/**
 * MQTT 3.1.1's unacceptable protocol version (1), or our empty identifier rejected (2): as
 * paho, no on_connect for it; the driver retries with MQTT 3.1 or a generated id (or reports
 * MQTT_ERR_PROTOCOL). The close that asks for that retry, or null for any other CONNACK.
 */
export function connackRetry(p: ConnackPacket, c: SessionConfig): CloseEvent | null {
  if (c.protocol !== 4 || !(p.reasonCode === 1 || (p.reasonCode === 2 && c.clientId === ''))) return null;
  const retry = p.reasonCode === 1 ? 'mqtt31' : 'generatedId';
  const reason = retry === 'mqtt31' ? 'the broker does not accept MQTT 3.1.1' : 'the broker rejected the empty client id';
  return { kind: 'close', rc: MQTT_ERR_PROTOCOL, reason, retry };
}

/** As paho: a 3.x refusal (1-5) is MQTT_ERR_CONN_REFUSED, an MQTT 5 reason code (0x80 and up) MQTT_ERR_PROTOCOL. */
export function refusedRc(p: ConnackPacket): number {
  return p.reasonCode > 0 && p.reasonCode < 6 ? MQTT_ERR_CONN_REFUSED : MQTT_ERR_PROTOCOL;
}

/**
 * Throws ValueError for DISCONNECT properties the spec forbids: a non-zero Session Expiry
 * Interval when CONNECT's was zero [MQTT-3.14.2-2].
 */
export function checkDisconnectProperties(c: SessionConfig, properties: PacketProperties | undefined): void {
  const expiry = properties?.SessionExpiryInterval;
  if (c.protocol === 5 && expiry !== undefined && expiry !== 0 && (c.connectProperties?.SessionExpiryInterval ?? 0) === 0) {
    throw new ValueError('properties: SessionExpiryInterval cannot be set at DISCONNECT when CONNECT sent 0 (or none) [MQTT-3.14.2-2]');
  }
}
