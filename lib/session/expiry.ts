/**
 * MQTT 5 Message Expiry Interval on messages we queue (spec §3.3.2.3.3). A message that
 * waited longer than its interval (offline, or behind a full in-flight window) before its
 * first send is not sent at all; one that is sent goes out with the interval reduced by the
 * whole seconds it waited, as the spec requires of a server forwarding a message, so the
 * subscriber sees the lifetime the publisher meant.
 *
 * Only a first send expires: once the broker may hold a message (and its packet id, for
 * QoS 2), its flow must complete, so a resend carries the reduced interval and the broker
 * expires it if need be.
 */
import type { PacketProperties } from '../protocol/types';

/** Seconds a message queued at `queuedAt` (ms) has waited at `now` (ms), whole seconds. */
export function waitedSeconds(queuedAt: number, now: number): number {
  return Math.floor((now - queuedAt) / 1000);
}

/**
 * The properties to send a message with at `now`: its own (no expiry set, or no time known),
 * a copy with the interval reduced, or null when it has expired.
 */
export function propertiesAtSend(props: PacketProperties | undefined, queuedAt: number, now: number): PacketProperties | undefined | null {
  const interval = props?.MessageExpiryInterval;
  if (interval === undefined || !(queuedAt >= 0)) return props;
  const waited = waitedSeconds(queuedAt, now);
  if (waited <= 0) return props;
  if (waited >= interval) return null;
  return { ...props, MessageExpiryInterval: interval - waited };
}
