/**
 * The session engine's shapes: its configuration, the events it hands the driver, its states.
 * Types only, so every module of lib/session/ (and the driver) can import them without a cycle.
 */
import type { MQTTMessage } from '../message';
import type { Packet, PacketProperties, ProtocolLevel, QoS, WillMessage } from '../protocol/types';
import type { OutgoingStore } from '../store/types';
import type { PacketIds } from './packetIds';
import type { OutgoingLimits } from './queueLimits';

export interface SessionConfig {
  clientId: string;
  cleanSession: boolean;
  protocol: ProtocolLevel;
  keepalive: number;
  username?: string;
  password?: Buffer;
  will?: WillMessage;
  connectProperties?: PacketProperties;
  /** Connect as a bridge (the CONNECT protocol level's top bit; Client.enableBridgeMode()). */
  bridge?: boolean;
  /** In-flight window for QoS 1/2 (paho's max_inflight_messages, default 20; 0 = unlimited). */
  maxInflight: number;
  /** Bound on unfinished QoS 1/2 messages (0 = unlimited), paho's max_queued_messages. */
  maxQueued: number;
  /** MQTT 3.1 only: resend an unacknowledged message after this many seconds. */
  retrySeconds: number;
  /** Seconds to wait for CONNACK; 0 = the keepalive, or 30 s without one. */
  connackTimeout: number;
  /**
   * Largest packet we accept from the server, in bytes (0 = no limit). Announced as the
   * MQTT 5 CONNECT Maximum Packet Size (unless connectProperties set one, which wins);
   * a larger packet closes the connection (MQTT 5: DISCONNECT 0x95) at every level.
   */
  maxPacketSize?: number;
  /** MQTT 5: give topics aliases by itself when the caller sets none (default true; false: only the caller's, as paho). */
  autoTopicAlias?: boolean;
  store: OutgoingStore;
  /** Outgoing bounds beyond maxQueued (bytes, the QoS 0 queue) and the policy when one is hit (queueLimits.ts). */
  limits?: OutgoingLimits;
}

export type SessionEvent =
  | { kind: 'connack'; sessionPresent: boolean; reasonCode: number; properties?: PacketProperties }
  | { kind: 'message'; message: MQTTMessage }
  | { kind: 'published'; mid: number; reasonCode: number; properties?: PacketProperties }
  | { kind: 'subscribed'; mid: number; reasonCodes: number[]; properties?: PacketProperties }
  | { kind: 'unsubscribed'; mid: number; reasonCodes: number[]; properties?: PacketProperties }
  /** The session wants the connection closed (after writing what it queued). */
  | CloseEvent
  /** MQTT 5 enhanced authentication: the server sent AUTH (0x18 wants an answer: continueAuth()). */
  | { kind: 'auth'; reasonCode: number; properties?: PacketProperties }
  /**
   * holdAcks: a QoS 2 PUBREC that must follow the acks of messages delivered before it in the
   * same read (paho handles one packet at a time); the driver sends it with sendPubrec().
   */
  | { kind: 'pubrec'; mid: number }
  | { kind: 'log'; level: number; text: string };

/** The session wants the connection closed (after writing what it queued). */
export interface CloseEvent {
  kind: 'close';
  rc: number;
  reason: string;
  reasonCode?: number;
  properties?: PacketProperties;
  /**
   * MQTT 3.1.1 refusals paho answers with an immediate retry, which the driver may make:
   * 'generatedId' (return code 2 to our empty client id), 'mqtt31' (return code 1, the
   * broker does not speak 3.1.1).
   */
  retry?: 'generatedId' | 'mqtt31';
}

/**
 * idle: no connection. connecting: CONNECT sent, CONNACK awaited. connected: CONNACK accepted.
 * disconnecting: we sent DISCONNECT, or asked the driver to close; the transport is going.
 */
export type SessionState = 'idle' | 'connecting' | 'connected' | 'disconnecting';

/**
 * What the flow modules (auth.ts, incomingFlow.ts, outgoingFlow.ts, pendingRequests.ts) need of
 * their Session (core.ts implements it, plus lastReceived from session.ts). The Session itself
 * is passed, not closures over it: idle memory per connection is a measured limit.
 */
export interface SessionHost {
  readonly config: SessionConfig;
  readonly state: SessionState;
  /** Build log lines only when true (someone listens). */
  readonly logging: boolean;
  /** Encodes `p` onto the output (takeOutgoing()), logging it. */
  send(p: Packet, now: number): void;
  /** Queues an event for the driver (takeEvents()). */
  pushEvent(ev: SessionEvent): void;
  /** Queues a message for delivery, counted in messagesQueued. */
  pushMessage(message: MQTTMessage): void;
  /** Messages queued for delivery since the driver last took the events. */
  readonly messagesQueued: number;
  log(level: number, text: string): void;
  /** Bad input from the server: log, DISCONNECT with `reasonCode` on MQTT 5, close. */
  protocolViolation(reason: string, reasonCode: number, now: number): void;
  /** The one close transition (session.ts). */
  closeConnection(ev: CloseEvent): void;
  /** A store update inside a protocol flow: a failure is reported, never thrown (session.ts). */
  journal(update: () => void): void;
  /** A store update failed: reported as journal() reports it. */
  storeFailed(e: unknown): void;
  /** Queues a 4-byte acknowledgement (reason 0, no properties) for a known packet id. */
  sendAck(type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', mid: number): void;
  /** The driver sends PUBACK/PUBCOMP after each handler (driver-owned; see Session.holdAcks). */
  readonly holdAcks: boolean;
  /** `now` of the last bytes received: what a deferred acknowledgement counts as sent at. */
  readonly lastReceived: number;
  /** Packet identifiers, shared by PUBLISH, SUBSCRIBE and UNSUBSCRIBE. */
  readonly ids: PacketIds;
  /** The driver's writer is over its high-water mark: QoS 0 waits, QoS 1/2 stay queued (driver-owned). */
  readonly writeBlocked: boolean;
  /** Encodes a PUBLISH the outgoing flow checked (and logged) onto the output, from its fields. */
  sendPublish(topic: string, payload: Buffer, qos: QoS, retain: boolean, dup: boolean, packetId: number | undefined, properties: PacketProperties | undefined): void;
}
