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
  /** The operation would block / has not completed yet. */
  MQTT_ERR_AGAIN = -1,
  /** No error. */
  MQTT_ERR_SUCCESS = 0,
  /** Out of memory. */
  MQTT_ERR_NOMEM = 1,
  /** A network protocol error occurred (malformed or unexpected packet). */
  MQTT_ERR_PROTOCOL = 2,
  /** Invalid function arguments. */
  MQTT_ERR_INVAL = 3,
  /** The client is not currently connected. */
  MQTT_ERR_NO_CONN = 4,
  /** The connection was refused. */
  MQTT_ERR_CONN_REFUSED = 5,
  /** Message not found (internal error). */
  MQTT_ERR_NOT_FOUND = 6,
  /** The connection was lost. */
  MQTT_ERR_CONN_LOST = 7,
  /** A TLS error occurred. */
  MQTT_ERR_TLS = 8,
  /** Payload too large. */
  MQTT_ERR_PAYLOAD_SIZE = 9,
  /** This feature is not supported. */
  MQTT_ERR_NOT_SUPPORTED = 10,
  /** Authorisation failed. */
  MQTT_ERR_AUTH = 11,
  /** Access denied by ACL. */
  MQTT_ERR_ACL_DENIED = 12,
  /** Unknown error. */
  MQTT_ERR_UNKNOWN = 13,
  /** Error defined by errno (a system call failed). */
  MQTT_ERR_ERRNO = 14,
  /** The outgoing message queue is full (see `maxQueuedMessagesSet`). */
  MQTT_ERR_QUEUE_SIZE = 15,
  /** Client or broker did not communicate within the keepalive interval. */
  MQTT_ERR_KEEPALIVE = 16,
}

/** MQTT protocol levels (paho's MQTTProtocolVersion). */
export enum MQTTProtocolVersion {
  /** MQTT 3.1 (protocol name "MQIsdp"). */
  MQTTv31 = 3,
  /** MQTT 3.1.1 (the default). */
  MQTTv311 = 4,
  /** MQTT 5.0. */
  MQTTv5 = 5,
}

/** Packet types as the first byte of the fixed header (paho's MessageType; PacketTypes counts 1..15 instead). */
export enum MessageType {
  /** CONNECT packet type byte. */
  CONNECT = 0x10,
  /** CONNACK packet type byte. */
  CONNACK = 0x20,
  /** PUBLISH packet type byte. */
  PUBLISH = 0x30,
  /** PUBACK packet type byte. */
  PUBACK = 0x40,
  /** PUBREC packet type byte. */
  PUBREC = 0x50,
  /** PUBREL packet type byte. */
  PUBREL = 0x60,
  /** PUBCOMP packet type byte. */
  PUBCOMP = 0x70,
  /** SUBSCRIBE packet type byte. */
  SUBSCRIBE = 0x80,
  /** SUBACK packet type byte. */
  SUBACK = 0x90,
  /** UNSUBSCRIBE packet type byte. */
  UNSUBSCRIBE = 0xa0,
  /** UNSUBACK packet type byte. */
  UNSUBACK = 0xb0,
  /** PINGREQ packet type byte. */
  PINGREQ = 0xc0,
  /** PINGRESP packet type byte. */
  PINGRESP = 0xd0,
  /** DISCONNECT packet type byte. */
  DISCONNECT = 0xe0,
  /** AUTH packet type byte (MQTT 5). */
  AUTH = 0xf0,
}

/** on_log levels (paho's LogLevel). */
export enum LogLevel {
  /** on_log level: informational. */
  MQTT_LOG_INFO = 0x01,
  /** on_log level: notice. */
  MQTT_LOG_NOTICE = 0x02,
  /** on_log level: warning. */
  MQTT_LOG_WARNING = 0x04,
  /** on_log level: error. */
  MQTT_LOG_ERR = 0x08,
  /** on_log level: debug (packet traffic). */
  MQTT_LOG_DEBUG = 0x10,
}

/** MQTT 3.1/3.1.1 CONNACK return codes (paho's ConnackCode). */
export enum ConnackCode {
  /** CONNACK 0: connection accepted. */
  CONNACK_ACCEPTED = 0,
  /** CONNACK 1: the server does not support the requested protocol level. */
  CONNACK_REFUSED_PROTOCOL_VERSION = 1,
  /** CONNACK 2: the client identifier was rejected. */
  CONNACK_REFUSED_IDENTIFIER_REJECTED = 2,
  /** CONNACK 3: the server is unavailable. */
  CONNACK_REFUSED_SERVER_UNAVAILABLE = 3,
  /** CONNACK 4: bad user name or password. */
  CONNACK_REFUSED_BAD_USERNAME_PASSWORD = 4,
  /** CONNACK 5: the client is not authorised to connect. */
  CONNACK_REFUSED_NOT_AUTHORIZED = 5,
}

/** paho's states of an outgoing/incoming message (MessageState); exported for code that names them. */
export enum MessageState {
  /** No state. */
  MQTT_MS_INVALID = 0,
  /** An outgoing message to send. */
  MQTT_MS_PUBLISH = 1,
  /** Outgoing QoS 1, sent: waiting for PUBACK. */
  MQTT_MS_WAIT_FOR_PUBACK = 2,
  /** Outgoing QoS 2, sent: waiting for PUBREC. */
  MQTT_MS_WAIT_FOR_PUBREC = 3,
  /** Outgoing QoS 2: PUBREL to send again. */
  MQTT_MS_RESEND_PUBREL = 4,
  /** Incoming QoS 2, PUBREC sent: waiting for PUBREL. */
  MQTT_MS_WAIT_FOR_PUBREL = 5,
  /** Incoming QoS 2: PUBCOMP to send again. */
  MQTT_MS_RESEND_PUBCOMP = 6,
  /** Outgoing QoS 2, PUBREL sent: waiting for PUBCOMP. */
  MQTT_MS_WAIT_FOR_PUBCOMP = 7,
  /** Incoming QoS 2: PUBREC to send. */
  MQTT_MS_SEND_PUBREC = 8,
  /** Outgoing message queued (offline or over the in-flight window). */
  MQTT_MS_QUEUED = 9,
}

/** Client or bridge (paho's PahoClientMode; enableBridgeMode() selects MQTT_BRIDGE). */
export enum PahoClientMode {
  /** An ordinary client (the default). */
  MQTT_CLIENT = 0,
  /** A bridge: enableBridgeMode() (the bridge bit in CONNECT's protocol level). */
  MQTT_BRIDGE = 1,
}

for (const e of [MQTTErrorCode, MQTTProtocolVersion, MessageType, LogLevel, ConnackCode, MessageState, PahoClientMode]) Object.freeze(e);

