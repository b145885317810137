/**
 * Packet shapes of MQTT 3.1 (level 3), 3.1.1 (level 4) and 5.0 (level 5).
 *
 * One object shape per packet type, the same at every protocol level. The encoder accepts
 * optional fields missing. The parser fills in every field with its value or its implied
 * value (`reasonCode` 0 and `reasonCodes` [] where the level or the short form carries none;
 * `noLocal`/`retainAsPublished` false and `retainHandling` 0 on subscriptions before 5.0),
 * except these, which it leaves absent when the packet does not carry them: `properties`,
 * `packetId` of a QoS 0 PUBLISH, and `username`, `password` (a Buffer) and `will` of CONNECT.
 */

/** MQTT protocol levels: 3 = MQTT 3.1 ("MQIsdp"), 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
export type ProtocolLevel = 3 | 4 | 5;

export type QoS = 0 | 1 | 2;

/**
 * MQTT 5 properties, named as paho's `Properties` attributes. Absent keys are absent
 * properties. `UserProperty` keeps order and duplicates, as the spec allows.
 * `SubscriptionIdentifier` is a list on PUBLISH (a message can match several
 * subscriptions) and a single number on SUBSCRIBE.
 */
export interface PacketProperties {
  PayloadFormatIndicator?: number;
  MessageExpiryInterval?: number;
  ContentType?: string;
  ResponseTopic?: string;
  CorrelationData?: Buffer;
  SubscriptionIdentifier?: number | number[];
  SessionExpiryInterval?: number;
  AssignedClientIdentifier?: string;
  ServerKeepAlive?: number;
  AuthenticationMethod?: string;
  AuthenticationData?: Buffer;
  RequestProblemInformation?: number;
  WillDelayInterval?: number;
  RequestResponseInformation?: number;
  ResponseInformation?: string;
  ServerReference?: string;
  ReasonString?: string;
  ReceiveMaximum?: number;
  TopicAliasMaximum?: number;
  TopicAlias?: number;
  MaximumQoS?: number;
  RetainAvailable?: number;
  UserProperty?: [string, string][];
  MaximumPacketSize?: number;
  WildcardSubscriptionAvailable?: number;
  SubscriptionIdentifierAvailable?: number;
  SharedSubscriptionAvailable?: number;
}

export type PropertyName = keyof PacketProperties;

export interface WillMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  /** MQTT 5 will properties (`PacketTypes.WILLMESSAGE` in paho). */
  properties?: PacketProperties;
}

export interface ConnectPacket {
  type: 'connect';
  /** 3, 4 or 5. Selects the protocol name too: "MQIsdp" for 3, "MQTT" otherwise. */
  protocolVersion: ProtocolLevel;
  clientId: string;
  /** Clean Session (3.1/3.1.1) or Clean Start (5.0): the same flag bit. */
  cleanSession: boolean;
  /** Seconds, 0..65535. */
  keepalive: number;
  username?: string;
  /** Binary data on the wire; a string is encoded as UTF-8. */
  password?: Buffer | string;
  will?: WillMessage;
  properties?: PacketProperties;
  /** A bridge connection: the protocol level byte has its top bit set (0x80), as mosquitto and paho's enable_bridge_mode() use. */
  bridge?: boolean;
}

export interface ConnackPacket {
  type: 'connack';
  sessionPresent: boolean;
  /** The 3.1/3.1.1 return code (0..5) or the MQTT 5 reason code. */
  reasonCode: number;
  properties?: PacketProperties;
}

export interface PublishPacket {
  type: 'publish';
  /** May be '' on MQTT 5 when a TopicAlias property stands for it. */
  topic: string;
  /** A slice of the parser's input (not a copy) when decoded. */
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Present (1..65535) for QoS 1 and 2; absent or ignored for QoS 0. */
  packetId?: number;
  properties?: PacketProperties;
}

/** PUBACK, PUBREC, PUBREL and PUBCOMP share one shape. */
export interface AckPacket<T extends 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'> {
  type: T;
  packetId: number;
  /** 0 (Success) where the level or the short form carries none. */
  reasonCode?: number;
  properties?: PacketProperties;
}
export type PubackPacket = AckPacket<'puback'>;
export type PubrecPacket = AckPacket<'pubrec'>;
export type PubrelPacket = AckPacket<'pubrel'>;
export type PubcompPacket = AckPacket<'pubcomp'>;

export interface Subscription {
  topic: string;
  qos: QoS;
  /** MQTT 5 subscription options; false/0 when absent. */
  noLocal?: boolean;
  retainAsPublished?: boolean;
  /** 0 send retained on subscribe, 1 only if the subscription is new, 2 never. */
  retainHandling?: 0 | 1 | 2;
}

export interface SubscribePacket {
  type: 'subscribe';
  packetId: number;
  subscriptions: Subscription[];
  properties?: PacketProperties;
}

export interface SubackPacket {
  type: 'suback';
  packetId: number;
  /** Granted QoS (0, 1, 2) or a failure code (0x80; MQTT 5 reason codes), one per filter. */
  reasonCodes: number[];
  properties?: PacketProperties;
}

export interface UnsubscribePacket {
  type: 'unsubscribe';
  packetId: number;
  topics: string[];
  properties?: PacketProperties;
}

export interface UnsubackPacket {
  type: 'unsuback';
  packetId: number;
  /** MQTT 5 only: one reason code per filter. Empty on 3.1/3.1.1. */
  reasonCodes?: number[];
  properties?: PacketProperties;
}

export interface PingreqPacket { type: 'pingreq' }
export interface PingrespPacket { type: 'pingresp' }

export interface DisconnectPacket {
  type: 'disconnect';
  /** MQTT 5 only; 0 (Normal disconnection) when absent. */
  reasonCode?: number;
  properties?: PacketProperties;
}

export interface AuthPacket {
  type: 'auth';
  /** 0x00 Success, 0x18 Continue authentication, 0x19 Re-authenticate. */
  reasonCode?: number;
  properties?: PacketProperties;
}

export type Packet =
  | ConnectPacket | ConnackPacket | PublishPacket
  | PubackPacket | PubrecPacket | PubrelPacket | PubcompPacket
  | SubscribePacket | SubackPacket | UnsubscribePacket | UnsubackPacket
  | PingreqPacket | PingrespPacket | DisconnectPacket | AuthPacket;

export type PacketTypeName = Packet['type'];

/** Control packet type numbers (the high nibble of the fixed header). */
export const PACKET_TYPE_CODES: Readonly<Record<PacketTypeName, number>> = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7,
  subscribe: 8, suback: 9, unsubscribe: 10, unsuback: 11, pingreq: 12, pingresp: 13,
  disconnect: 14, auth: 15,
};

/** Index = type number; index 0 is reserved by the spec. */
export const PACKET_TYPE_NAMES: readonly (PacketTypeName | undefined)[] = [
  undefined, 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
];

/** The largest Remaining Length a 4-byte variable byte integer can carry. */
export const MAX_REMAINING_LENGTH = 268435455;
