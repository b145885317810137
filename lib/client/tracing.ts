/**
 * Tracing through node:diagnostics_channel: the channels `mqttloop:connect`,
 * `mqttloop:disconnect`, `mqttloop:publish` and `mqttloop:message`, and the messages published
 * on them. The channel objects are made once, at module load, and shared by every client;
 * each hook checks `hasSubscribers` before it builds a message, so a process that does not
 * subscribe pays one property read per event and allocates nothing.
 *
 * Plain channels, not tracingChannel(): what would end a span does not happen within the call
 * that starts it (a QoS 1 publish() returns before its PUBACK, which arrives later as on_publish
 * by mid; a connection's CONNACK arrives in a later pump turn), so start/end pairs on one call
 * would measure nothing useful. Subscribers correlate by `client` and `mid` instead.
 */
import { channel } from 'node:diagnostics_channel';
import type { MQTTMessage } from '../message';

/** `mqttloop:connect`: published when a CONNACK arrives (accepted or refused), before on_connect. */
export const connectChannel = channel('mqttloop:connect');
/** `mqttloop:disconnect`: published when a connection ends (any cause), before on_disconnect. */
export const disconnectChannel = channel('mqttloop:disconnect');
/** `mqttloop:publish`: published by each publish() call the client accepted or refused, after it queued the message. */
export const publishChannel = channel('mqttloop:publish');
/** `mqttloop:message`: published for each received message, before its handlers (on_message) run. */
export const messageChannel = channel('mqttloop:message');

/** The message on `mqttloop:connect`. */
export interface ConnectTrace {
  /** The Client (for MQTTClient: the Client it drives). */
  client: object;
  /** The broker host (or Unix socket path) of this connection. */
  host: string;
  /** The broker port of this connection. */
  port: number;
  /** The client id the CONNECT carried. */
  clientId: string;
  /** The protocol level: 3 (MQTT 3.1), 4 (3.1.1) or 5. */
  protocol: number;
  /** The CONNACK's return code (MQTT 3.x) or reason code (MQTT 5): 0 is accepted. */
  reasonCode: number;
  /** The CONNACK's Session Present flag. */
  sessionPresent: boolean;
}

/** The message on `mqttloop:disconnect`. */
export interface DisconnectTrace {
  /** The Client. */
  client: object;
  /** The broker host (or Unix socket path) of the connection that ended. */
  host: string;
  /** The broker port of the connection that ended. */
  port: number;
  /** The rc on_disconnect gets: 0 after disconnect(), else an MQTT_ERR_* code. */
  rc: number;
  /** The reason code of the broker's DISCONNECT (MQTT 5), when it sent one. */
  reasonCode: number | undefined;
  /** The socket error that ended the connection, if any. */
  error: Error | undefined;
}

/** The message on `mqttloop:publish`. */
export interface PublishTrace {
  /** The Client. */
  client: object;
  /** The topic published to. */
  topic: string;
  /** The QoS asked for (0, 1 or 2). */
  qos: number;
  /** The retain flag. */
  retain: boolean;
  /** The message id (on_publish reports the same mid when the message is sent or acknowledged). */
  mid: number;
  /** publish()'s rc: MQTT_ERR_SUCCESS, or why the message was refused (MQTT_ERR_NO_CONN, MQTT_ERR_QUEUE_SIZE, ...). */
  rc: number;
  /** The payload (the client's own buffer: do not modify it). */
  payload: Buffer;
  /** The payload's length in bytes. */
  payloadLength: number;
}

/** The message on `mqttloop:message`. */
export interface MessageTrace {
  /** The Client. */
  client: object;
  /** The topic the message was published to. */
  topic: string;
  /** Its QoS (0, 1 or 2). */
  qos: number;
  /** The retain flag (set when the message comes from the broker's retained store). */
  retain: boolean;
  /** The packet id (0 for QoS 0). */
  mid: number;
  /** The payload (a view of the received bytes). */
  payload: Buffer;
  /** The MQTTMessage the handlers get (properties, dup, ...). */
  message: MQTTMessage;
}

/** What the hooks read of the driver (internal). */
export interface TraceSource {
  readonly callbacks: { readonly owner: object };
  readonly session: { readonly config: { readonly clientId: string; readonly protocol: number } };
  readonly connector: { readonly host: string; readonly port: number };
}

// Each function below is called only after its channel's hasSubscribers check.

export function traceConnect(d: TraceSource, reasonCode: number, sessionPresent: boolean): void {
  const c = d.session.config;
  const m: ConnectTrace = {
    client: d.callbacks.owner, host: d.connector.host, port: d.connector.port,
    clientId: c.clientId, protocol: c.protocol, reasonCode, sessionPresent,
  };
  connectChannel.publish(m);
}

export function traceDisconnect(d: TraceSource, rc: number, reasonCode: number | undefined, error: Error | undefined): void {
  const m: DisconnectTrace = { client: d.callbacks.owner, host: d.connector.host, port: d.connector.port, rc, reasonCode, error };
  disconnectChannel.publish(m);
}

export function tracePublish(d: TraceSource, topic: string, payload: Buffer, qos: number, retain: boolean, mid: number, rc: number): void {
  const m: PublishTrace = { client: d.callbacks.owner, topic, qos, retain, mid, rc, payload, payloadLength: payload.length };
  publishChannel.publish(m);
}

export function traceMessage(d: TraceSource, message: MQTTMessage): void {
  const m: MessageTrace = {
    client: d.callbacks.owner, topic: message.topic, qos: message.qos, retain: message.retain, mid: message.mid,
    payload: message.payload, message,
  };
  messageChannel.publish(m);
}
