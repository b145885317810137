/**
 * paho's `PacketTypes`: MQTT control packet type numbers, plus WILLMESSAGE (99) for the
 * properties of a will. Plain numbers, as paho's class attributes.
 */
export const PacketTypes = {
  /** CONNECT, 1. */
  CONNECT: 1,
  /** CONNACK, 2. */
  CONNACK: 2,
  /** PUBLISH, 3. */
  PUBLISH: 3,
  /** PUBACK, 4. */
  PUBACK: 4,
  /** PUBREC, 5. */
  PUBREC: 5,
  /** PUBREL, 6. */
  PUBREL: 6,
  /** PUBCOMP, 7. */
  PUBCOMP: 7,
  /** SUBSCRIBE, 8. */
  SUBSCRIBE: 8,
  /** SUBACK, 9. */
  SUBACK: 9,
  /** UNSUBSCRIBE, 10. */
  UNSUBSCRIBE: 10,
  /** UNSUBACK, 11. */
  UNSUBACK: 11,
  /** PINGREQ, 12. */
  PINGREQ: 12,
  /** PINGRESP, 13. */
  PINGRESP: 13,
  /** DISCONNECT, 14. */
  DISCONNECT: 14,
  /** AUTH, 15. */
  AUTH: 15,
  /** Not a packet: the properties of a will (Properties(PacketTypes.WILLMESSAGE)), 99. */
  WILLMESSAGE: 99,
  /** paho's `PacketTypes.Names`: index = type number (WILLMESSAGE is not in it). */
  Names: ['reserved', 'Connect', 'Connack', 'Publish', 'Puback', 'Pubrec', 'Pubrel', 'Pubcomp',
    'Subscribe', 'Suback', 'Unsubscribe', 'Unsuback', 'Pingreq', 'Pingresp', 'Disconnect', 'Auth'] as readonly string[],
} as const;

/** A packet type number: 1..15, or 99 for will properties. */
export type PacketType = number;

/** Upper-case name of a packet type, for error messages: 'PUBLISH', 'WILLMESSAGE'. */
export function packetTypeName(packetType: number): string {
  if (packetType === PacketTypes.WILLMESSAGE) return 'WILLMESSAGE';
  const n = PacketTypes.Names[packetType];
  return n === undefined || packetType === 0 ? String(packetType) : n.toUpperCase();
}

/** True for 1..15 and 99. */
export function isPacketType(v: unknown): v is number {
  return typeof v === 'number' && ((Number.isInteger(v) && v >= 1 && v <= 15) || v === PacketTypes.WILLMESSAGE);
}
