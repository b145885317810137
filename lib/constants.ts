/**
 * Constants with paho-mqtt's names and values (paho.mqtt.client 1.6 and 2.x), so code that
 * compares against them ports unchanged. Plain numbers, not enums.
 */

// Protocol versions

/** MQTT 3.1 (protocol level 3, protocol name "MQIsdp"). */
export const MQTTv31 = 3;
/** MQTT 3.1.1 (protocol level 4); the default. */
export const MQTTv311 = 4;
/** MQTT 5.0 (protocol level 5). */
export const MQTTv5 = 5;

// Quality of service levels

/** QoS 0: at most once. */
export const QOS_0 = 0;
/** QoS 1: at least once. */
export const QOS_1 = 1;
/** QoS 2: exactly once. */
export const QOS_2 = 2;

/** MQTT 5 `cleanStart` default: clean start on the first successful connect only, not on reconnects. */
export const MQTT_CLEAN_START_FIRST_ONLY = 3;

// Error values (returned as `rc` by client methods; see errorString)

/** The operation would block / has not completed yet. */
export const MQTT_ERR_AGAIN = -1;
/** No error. */
export const MQTT_ERR_SUCCESS = 0;
/** Out of memory. */
export const MQTT_ERR_NOMEM = 1;
/** A network protocol error occurred (malformed or unexpected packet). */
export const MQTT_ERR_PROTOCOL = 2;
/** Invalid function arguments. */
export const MQTT_ERR_INVAL = 3;
/** The client is not currently connected. */
export const MQTT_ERR_NO_CONN = 4;
/** The connection was refused. */
export const MQTT_ERR_CONN_REFUSED = 5;
/** Message not found (internal error). */
export const MQTT_ERR_NOT_FOUND = 6;
/** The connection was lost. */
export const MQTT_ERR_CONN_LOST = 7;
/** A TLS error occurred. */
export const MQTT_ERR_TLS = 8;
/** Payload too large. */
export const MQTT_ERR_PAYLOAD_SIZE = 9;
/** This feature is not supported. */
export const MQTT_ERR_NOT_SUPPORTED = 10;
/** Authorisation failed. */
export const MQTT_ERR_AUTH = 11;
/** Access denied by ACL. */
export const MQTT_ERR_ACL_DENIED = 12;
/** Unknown error. */
export const MQTT_ERR_UNKNOWN = 13;
/** Error defined by errno (a system call failed). */
export const MQTT_ERR_ERRNO = 14;
/** The outgoing message queue is full (see `maxQueuedMessagesSet`). */
export const MQTT_ERR_QUEUE_SIZE = 15;
/** Client or broker did not communicate within the keepalive interval. */
export const MQTT_ERR_KEEPALIVE = 16;

// Log levels (the `level` argument of on_log)

/** on_log level: informational. */
export const MQTT_LOG_INFO = 0x01;
/** on_log level: notice. */
export const MQTT_LOG_NOTICE = 0x02;
/** on_log level: warning. */
export const MQTT_LOG_WARNING = 0x04;
/** on_log level: error. */
export const MQTT_LOG_ERR = 0x08;
/** on_log level: debug (packet traffic). */
export const MQTT_LOG_DEBUG = 0x10;

// CONNACK return codes (MQTT 3.1 / 3.1.1; see connackString)

/** CONNACK 0: connection accepted. */
export const CONNACK_ACCEPTED = 0;
/** CONNACK 1: the server does not support the requested protocol level. */
export const CONNACK_REFUSED_PROTOCOL_VERSION = 1;
/** CONNACK 2: the client identifier was rejected. */
export const CONNACK_REFUSED_IDENTIFIER_REJECTED = 2;
/** CONNACK 3: the server is unavailable. */
export const CONNACK_REFUSED_SERVER_UNAVAILABLE = 3;
/** CONNACK 4: bad user name or password. */
export const CONNACK_REFUSED_BAD_USERNAME_PASSWORD = 4;
/** CONNACK 5: the client is not authorised to connect. */
export const CONNACK_REFUSED_NOT_AUTHORIZED = 5;

// Packet types as the first byte of the fixed header (paho 2.x's module constants, = MessageType.*;
// not PacketTypes, which counts 1..15)

/** CONNECT packet type byte. */
export const CONNECT = 0x10;
/** CONNACK packet type byte. */
export const CONNACK = 0x20;
/** PUBLISH packet type byte. */
export const PUBLISH = 0x30;
/** PUBACK packet type byte. */
export const PUBACK = 0x40;
/** PUBREC packet type byte. */
export const PUBREC = 0x50;
/** PUBREL packet type byte. */
export const PUBREL = 0x60;
/** PUBCOMP packet type byte. */
export const PUBCOMP = 0x70;
/** SUBSCRIBE packet type byte. */
export const SUBSCRIBE = 0x80;
/** SUBACK packet type byte. */
export const SUBACK = 0x90;
/** UNSUBSCRIBE packet type byte. */
export const UNSUBSCRIBE = 0xa0;
/** UNSUBACK packet type byte. */
export const UNSUBACK = 0xb0;
/** PINGREQ packet type byte. */
export const PINGREQ = 0xc0;
/** PINGRESP packet type byte. */
export const PINGRESP = 0xd0;
/** DISCONNECT packet type byte. */
export const DISCONNECT = 0xe0;
/** AUTH packet type byte (MQTT 5). */
export const AUTH = 0xf0;

// Client modes (paho's PahoClientMode values)

/** An ordinary client (the default). */
export const MQTT_CLIENT = 0;
/** A bridge: enableBridgeMode() (the bridge bit in CONNECT's protocol level). */
export const MQTT_BRIDGE = 1;
