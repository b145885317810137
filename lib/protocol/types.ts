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

/** Quality of service: 0 at most once, 1 at least once, 2 exactly once. */
export type QoS = 0 | 1 | 2;

/**
 * MQTT 5 properties, named as paho's `Properties` attributes. Absent keys are absent
 * properties. `UserProperty` keeps order and duplicates, as the spec allows.
 * `SubscriptionIdentifier` is a list on PUBLISH (a message can match several
 * subscriptions) and a single number on SUBSCRIBE.
 */
export interface PacketProperties {
  /** 0 unspecified bytes, 1 UTF-8 text (PUBLISH, will). */
  PayloadFormatIndicator?: number;
  /** Seconds the message lives on the server (PUBLISH, will). */
  MessageExpiryInterval?: number;
  /** MIME type of the payload (PUBLISH, will). */
  ContentType?: string;
  /** Topic for the response of a request/response exchange (PUBLISH, will). */
  ResponseTopic?: string;
  /** Opaque data that ties a response to its request (PUBLISH, will). */
  CorrelationData?: Buffer;
  /** Identifier of the matching subscription(s): a list on PUBLISH, one number on SUBSCRIBE. */
  SubscriptionIdentifier?: number | number[];
  /** Seconds the session outlives the connection (CONNECT, CONNACK, DISCONNECT). */
  SessionExpiryInterval?: number;
  /** Client id the server chose for an empty one (CONNACK). */
  AssignedClientIdentifier?: string;
  /** Keepalive seconds the server imposes (CONNACK). */
  ServerKeepAlive?: number;
  /** Name of the enhanced authentication method (CONNECT, CONNACK, AUTH). */
  AuthenticationMethod?: string;
  /** Data of the enhanced authentication method (CONNECT, CONNACK, AUTH). */
  AuthenticationData?: Buffer;
  /** 0: the server may send no reason string or user properties on failures (CONNECT). */
  RequestProblemInformation?: number;
  /** Seconds the server waits before publishing the will (will properties). */
  WillDelayInterval?: number;
  /** 1 asks the server for ResponseInformation in CONNACK (CONNECT). */
  RequestResponseInformation?: number;
  /** Basis for response topics, from the server (CONNACK). */
  ResponseInformation?: string;
  /** Another server to use (CONNACK, DISCONNECT). */
  ServerReference?: string;
  /** Human-readable reason, for diagnostics only (acks, DISCONNECT, AUTH). */
  ReasonString?: string;
  /** How many QoS 1/2 messages the sender of this property accepts in flight (CONNECT, CONNACK). */
  ReceiveMaximum?: number;
  /** Highest topic alias the sender of this property accepts (CONNECT, CONNACK). */
  TopicAliasMaximum?: number;
  /** Number standing for the topic (PUBLISH). */
  TopicAlias?: number;
  /** Highest QoS the server supports, 0 or 1; absent means 2 (CONNACK). */
  MaximumQoS?: number;
  /** 0: the server does not support retained messages (CONNACK). */
  RetainAvailable?: number;
  /** Name/value pairs, in order, duplicates kept (every packet with properties). */
  UserProperty?: [string, string][];
  /** Largest packet the sender of this property accepts, in bytes (CONNECT, CONNACK). */
  MaximumPacketSize?: number;
  /** 0: the server does not support wildcard subscriptions (CONNACK). */
  WildcardSubscriptionAvailable?: number;
  /** 0: the server does not support subscription identifiers (CONNACK). */
  SubscriptionIdentifierAvailable?: number;
  /** 0: the server does not support shared subscriptions (CONNACK). */
  SharedSubscriptionAvailable?: number;
}

/** The name of one MQTT 5 property. */
export type PropertyName = keyof PacketProperties;

/** The will of a CONNECT: the message the server publishes when the connection ends without DISCONNECT. */
export interface WillMessage {
  /** Topic the will is published to. */
  topic: string;
  /** Payload of the will message. */
  payload: Buffer;
  /** QoS of the will message. */
  qos: QoS;
  /** Whether the will is published retained. */
  retain: boolean;
  /** MQTT 5 will properties (`PacketTypes.WILLMESSAGE` in paho). */
  properties?: PacketProperties;
}

/** CONNECT: the first packet a client sends. */
export interface ConnectPacket {
  /** The packet type. */
  type: 'connect';
  /** 3, 4 or 5. Selects the protocol name too: "MQIsdp" for 3, "MQTT" otherwise. */
  protocolVersion: ProtocolLevel;
  /** Client identifier; '' asks the server to assign one (3.1.1 and 5.0). */
  clientId: string;
  /** Clean Session (3.1/3.1.1) or Clean Start (5.0): the same flag bit. */
  cleanSession: boolean;
  /** Seconds, 0..65535. */
  keepalive: number;
  /** User name, when given. */
  username?: string;
  /** Binary data on the wire; a string is encoded as UTF-8. */
  password?: Buffer | string;
  /** The will, when given. */
  will?: WillMessage;
  /** MQTT 5 CONNECT properties. */
  properties?: PacketProperties;
  /** A bridge connection: the protocol level byte has its top bit set (0x80), as mosquitto and paho's enable_bridge_mode() use. */
  bridge?: boolean;
}

/** CONNACK: the server's answer to CONNECT. */
export interface ConnackPacket {
  /** The packet type. */
  type: 'connack';
  /** The server resumed a session it held for this client id. */
  sessionPresent: boolean;
  /** The 3.1/3.1.1 return code (0..5) or the MQTT 5 reason code. */
  reasonCode: number;
  /** MQTT 5 CONNACK properties. */
  properties?: PacketProperties;
}

/** PUBLISH: an application message, in either direction. */
export interface PublishPacket {
  /** The packet type. */
  type: 'publish';
  /** May be '' on MQTT 5 when a TopicAlias property stands for it. */
  topic: string;
  /** A slice of the parser's input (not a copy) when decoded. */
  payload: Buffer;
  /** QoS of this delivery. */
  qos: QoS;
  /** Retain flag: set by the publisher to have the server keep the message; set by the server on a retained message it replays. */
  retain: boolean;
  /** Duplicate flag: a QoS 1/2 message sent again. */
  dup: boolean;
  /** Present (1..65535) for QoS 1 and 2; absent or ignored for QoS 0. */
  packetId?: number;
  /** MQTT 5 PUBLISH properties. */
  properties?: PacketProperties;
}

/** PUBACK, PUBREC, PUBREL and PUBCOMP share one shape. */
export interface AckPacket<T extends 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'> {
  /** The packet type. */
  type: T;
  /** Packet identifier of the QoS 1/2 flow it belongs to. */
  packetId: number;
  /** 0 (Success) where the level or the short form carries none. */
  reasonCode?: number;
  /** MQTT 5 properties of the acknowledgement. */
  properties?: PacketProperties;
}
/** PUBACK: acknowledges a QoS 1 PUBLISH. */
export type PubackPacket = AckPacket<'puback'>;
/** PUBREC: first answer to a QoS 2 PUBLISH. */
export type PubrecPacket = AckPacket<'pubrec'>;
/** PUBREL: releases a QoS 2 message after PUBREC. */
export type PubrelPacket = AckPacket<'pubrel'>;
/** PUBCOMP: completes a QoS 2 flow. */
export type PubcompPacket = AckPacket<'pubcomp'>;

/** One topic filter of a SUBSCRIBE, with its options. */
export interface Subscription {
  /** Topic filter (wildcards allowed). */
  topic: string;
  /** Maximum QoS the server may deliver with. */
  qos: QoS;
  /** MQTT 5 subscription options; false/0 when absent. No Local: do not receive your own publications. */
  noLocal?: boolean;
  /** MQTT 5: keep the retain flag of forwarded messages as published. */
  retainAsPublished?: boolean;
  /** 0 send retained on subscribe, 1 only if the subscription is new, 2 never. */
  retainHandling?: 0 | 1 | 2;
}

/** SUBSCRIBE: asks for messages on one or more topic filters. */
export interface SubscribePacket {
  /** The packet type. */
  type: 'subscribe';
  /** Packet identifier, echoed by the SUBACK. */
  packetId: number;
  /** The filters, in order. */
  subscriptions: Subscription[];
  /** MQTT 5 SUBSCRIBE properties. */
  properties?: PacketProperties;
}

/** SUBACK: the server's answer to SUBSCRIBE. */
export interface SubackPacket {
  /** The packet type. */
  type: 'suback';
  /** Packet identifier of the SUBSCRIBE it answers. */
  packetId: number;
  /** Granted QoS (0, 1, 2) or a failure code (0x80; MQTT 5 reason codes), one per filter. */
  reasonCodes: number[];
  /** MQTT 5 SUBACK properties. */
  properties?: PacketProperties;
}

/** UNSUBSCRIBE: removes topic filters. */
export interface UnsubscribePacket {
  /** The packet type. */
  type: 'unsubscribe';
  /** Packet identifier, echoed by the UNSUBACK. */
  packetId: number;
  /** The filters to remove, in order. */
  topics: string[];
  /** MQTT 5 UNSUBSCRIBE properties. */
  properties?: PacketProperties;
}

/** UNSUBACK: the server's answer to UNSUBSCRIBE. */
export interface UnsubackPacket {
  /** The packet type. */
  type: 'unsuback';
  /** Packet identifier of the UNSUBSCRIBE it answers. */
  packetId: number;
  /** MQTT 5 only: one reason code per filter. Empty on 3.1/3.1.1. */
  reasonCodes?: number[];
  /** MQTT 5 UNSUBACK properties. */
  properties?: PacketProperties;
}

/** PINGREQ: keepalive probe from the client. */
export interface PingreqPacket {
  /** The packet type. */
  type: 'pingreq';
}
/** PINGRESP: the server's answer to PINGREQ. */
export interface PingrespPacket {
  /** The packet type. */
  type: 'pingresp';
}

/** DISCONNECT: ends the connection cleanly (from the server too, on MQTT 5). */
export interface DisconnectPacket {
  /** The packet type. */
  type: 'disconnect';
  /** MQTT 5 only; 0 (Normal disconnection) when absent. */
  reasonCode?: number;
  /** MQTT 5 DISCONNECT properties. */
  properties?: PacketProperties;
}

/** AUTH: an MQTT 5 enhanced authentication step. */
export interface AuthPacket {
  /** The packet type. */
  type: 'auth';
  /** 0x00 Success, 0x18 Continue authentication, 0x19 Re-authenticate. */
  reasonCode?: number;
  /** MQTT 5 AUTH properties (AuthenticationMethod, AuthenticationData). */
  properties?: PacketProperties;
}

/** Any MQTT control packet, told apart by `type`. */
export type Packet =
  | ConnectPacket | ConnackPacket | PublishPacket
  | PubackPacket | PubrecPacket | PubrelPacket | PubcompPacket
  | SubscribePacket | SubackPacket | UnsubscribePacket | UnsubackPacket
  | PingreqPacket | PingrespPacket | DisconnectPacket | AuthPacket;

/** The `type` of a packet: 'connect', 'connack', ..., 'auth'. */
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
