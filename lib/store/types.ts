import type { PacketProperties, QoS } from '../protocol/types';

/** Where an outgoing QoS 1/2 message stands in its flow. */
export type OutgoingState =
  | 'queued'   // accepted by publish(), not yet sent on this connection
  | 'sent'     // PUBLISH sent, waiting for PUBACK (QoS 1) or PUBREC (QoS 2)
  | 'released'; // QoS 2: PUBREC received and PUBREL sent, waiting for PUBCOMP

/** What a store keeps of an unacknowledged outgoing message: enough to resend it after a restart. */
export interface StoredMessage {
  /** The message id (mid), also its packet identifier. */
  mid: number;
  /** Topic of the message. */
  topic: string;
  /** Payload of the message. */
  payload: Buffer;
  /** QoS 1 or 2. */
  qos: QoS;
  /** Retain flag. */
  retain: boolean;
  /** MQTT 5 PUBLISH properties. */
  properties?: PacketProperties;
  /** Where the message stands in its flow. */
  state: OutgoingState;
  /** Sent at least once (a resend carries DUP=1). */
  everSent: boolean;
}

/**
 * The outgoing-message store: a journal of unacknowledged QoS 1/2 messages, written by the
 * session engine as each message moves through its flow. The engine keeps its own working
 * copy in memory; a durable store (file) lets a restarted process resume the flows.
 * Calls are synchronous and cheap; a durable store may batch and make them durable at
 * `flush()`, which the client calls once per pump turn before writing to the socket.
 */
export interface OutgoingStore {
  /** Messages left from an earlier run, in publish order (empty for a memory store). */
  load(): StoredMessage[];
  /** Records a message accepted by publish(). */
  put(msg: StoredMessage): void;
  /** Records a step of a message's flow. */
  setState(mid: number, state: OutgoingState, everSent: boolean): void;
  /** Forgets a message whose flow completed. */
  delete(mid: number): void;
  /** Forget everything (a clean session). */
  clear(): void;
  /** Make what was written so far durable. */
  flush(): void;
  /** Makes pending writes durable and releases the store (a file store's lock); reinitialise() calls it. */
  close(): void;
  /**
   * Incoming QoS 2 messages PUBREC'd and not yet released to the application, for a durable
   * store only (the session keeps them in memory across reconnects already): a process killed
   * between PUBREC and PUBREL would otherwise lose them. Made durable by `flush()` too.
   * `| undefined` lets a store declare it absent, under exactOptionalPropertyTypes too.
   */
  incoming?: IncomingStore | undefined;
}

/** What a durable store keeps of an incoming QoS 2 message awaiting its PUBREL. */
export interface StoredIncoming {
  /** The broker's packet id. */
  mid: number;
  /** Topic of the message. */
  topic: string;
  /** Payload of the message. */
  payload: Buffer;
  /** Retain flag as received. */
  retain: boolean;
  /** DUP flag as received. */
  dup: boolean;
  /** MQTT 5 PUBLISH properties. */
  properties?: PacketProperties;
}

/**
 * The journal of incoming QoS 2 messages awaiting release: put when the PUBLISH is accepted
 * (before its PUBREC is written), deleted when the application is done with it (its PUBCOMP
 * goes out), cleared when the broker keeps no session of ours.
 */
export interface IncomingStore {
  /** Messages left from an earlier run, in arrival order. */
  load(): StoredIncoming[];
  /** A resend of a kept id replaces it. */
  put(msg: StoredIncoming): void;
  /** Forgets a message the application is done with. */
  delete(mid: number): void;
  /** Forgets every message (the broker kept no session). */
  clear(): void;
}
