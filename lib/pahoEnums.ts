/**
 * paho 2.x's enums (paho.mqtt.enums), with paho's member names and values, so code that
 * writes `MQTTErrorCode.MQTT_ERR_NO_CONN` or `MessageType.PUBLISH` ports unchanged. The plain
 * constants of lib/constants.ts (`MQTT_ERR_NO_CONN`, `CONNECT`, ...) are the same numbers.
 *
 * TypeScript numeric enums, frozen: `MQTTErrorCode.MQTT_ERR_NO_CONN === 4`, and the reverse
 * lookup TypeScript gives numeric enums stands for paho's `.name`:
 * `MQTTErrorCode[rc]` is 'MQTT_ERR_NO_CONN' where paho writes `MQTTErrorCode(rc).name`.
 * (Object.keys() therefore lists the numbers too: filter on typeof value === 'number' for the members.)
 */

/** Return codes of the Client's methods (paho's MQTTErrorCode). */
export enum MQTTErrorCode {
  MQTT_ERR_AGAIN = -1,
  MQTT_ERR_SUCCESS = 0,
  MQTT_ERR_NOMEM = 1,
  MQTT_ERR_PROTOCOL = 2,
  MQTT_ERR_INVAL = 3,
  MQTT_ERR_NO_CONN = 4,
  MQTT_ERR_CONN_REFUSED = 5,
  MQTT_ERR_NOT_FOUND = 6,
  MQTT_ERR_CONN_LOST = 7,
  MQTT_ERR_TLS = 8,
  MQTT_ERR_PAYLOAD_SIZE = 9,
  MQTT_ERR_NOT_SUPPORTED = 10,
  MQTT_ERR_AUTH = 11,
  MQTT_ERR_ACL_DENIED = 12,
  MQTT_ERR_UNKNOWN = 13,
  MQTT_ERR_ERRNO = 14,
  MQTT_ERR_QUEUE_SIZE = 15,
  MQTT_ERR_KEEPALIVE = 16,
}

/** MQTT protocol levels (paho's MQTTProtocolVersion). */
export enum MQTTProtocolVersion {
  MQTTv31 = 3,
  MQTTv311 = 4,
  MQTTv5 = 5,
}

/** Packet types as the first byte of the fixed header (paho's MessageType; PacketTypes counts 1..15 instead). */
export enum MessageType {
  CONNECT = 0x10,
  CONNACK = 0x20,
  PUBLISH = 0x30,
  PUBACK = 0x40,
  PUBREC = 0x50,
  PUBREL = 0x60,
  PUBCOMP = 0x70,
  SUBSCRIBE = 0x80,
  SUBACK = 0x90,
  UNSUBSCRIBE = 0xa0,
  UNSUBACK = 0xb0,
  PINGREQ = 0xc0,
  PINGRESP = 0xd0,
  DISCONNECT = 0xe0,
  AUTH = 0xf0,
}

/** on_log levels (paho's LogLevel). */
export enum LogLevel {
  MQTT_LOG_INFO = 0x01,
  MQTT_LOG_NOTICE = 0x02,
  MQTT_LOG_WARNING = 0x04,
  MQTT_LOG_ERR = 0x08,
  MQTT_LOG_DEBUG = 0x10,
}

/** MQTT 3.1/3.1.1 CONNACK return codes (paho's ConnackCode). */
export enum ConnackCode {
  CONNACK_ACCEPTED = 0,
  CONNACK_REFUSED_PROTOCOL_VERSION = 1,
  CONNACK_REFUSED_IDENTIFIER_REJECTED = 2,
  CONNACK_REFUSED_SERVER_UNAVAILABLE = 3,
  CONNACK_REFUSED_BAD_USERNAME_PASSWORD = 4,
  CONNACK_REFUSED_NOT_AUTHORIZED = 5,
}

/** paho's states of an outgoing/incoming message (MessageState); exported for code that names them. */
export enum MessageState {
  MQTT_MS_INVALID = 0,
  MQTT_MS_PUBLISH = 1,
  MQTT_MS_WAIT_FOR_PUBACK = 2,
  MQTT_MS_WAIT_FOR_PUBREC = 3,
  MQTT_MS_RESEND_PUBREL = 4,
  MQTT_MS_WAIT_FOR_PUBREL = 5,
  MQTT_MS_RESEND_PUBCOMP = 6,
  MQTT_MS_WAIT_FOR_PUBCOMP = 7,
  MQTT_MS_SEND_PUBREC = 8,
  MQTT_MS_QUEUED = 9,
}

/** Client or bridge (paho's PahoClientMode; enableBridgeMode() selects MQTT_BRIDGE). */
export enum PahoClientMode {
  MQTT_CLIENT = 0,
  MQTT_BRIDGE = 1,
}

for (const e of [MQTTErrorCode, MQTTProtocolVersion, MessageType, LogLevel, ConnackCode, MessageState, PahoClientMode]) Object.freeze(e);

