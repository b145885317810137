/**
 * The exact encoded size of a PUBLISH (fixed header included), to hold a message against
 * the server's Maximum Packet Size at the call (spec §3.2.2.3.6: the size is the whole packet).
 */
import { propertiesLength, propertySectionLength } from '../protocol/properties';
import type { PacketProperties, ProtocolLevel } from '../protocol/types';
import { vbiLength } from '../protocol/writer';

export function publishPacketSize(topic: string, payloadLength: number, qos: number, properties: PacketProperties | undefined,
  level: ProtocolLevel): number {
  const props = level === 5 ? propertySectionLength(propertiesLength(properties, 3)) : 0;
  const rem = 2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + props + payloadLength;
  return 1 + vbiLength(rem) + rem;
}
