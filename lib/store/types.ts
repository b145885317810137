import type { PacketProperties, QoS } from '../protocol/types';

/** Where an outgoing QoS 1/2 message stands in its flow. */
export type OutgoingState =
  | 'queued'   // accepted by publish(), not yet sent on this connection
  | 'sent'     // PUBLISH sent, waiting for PUBACK (QoS 1) or PUBREC (QoS 2)
  | 'released'; // QoS 2: PUBREC received and PUBREL sent, waiting for PUBCOMP

/** What a store keeps of an unacknowledged outgoing message: enough to resend it after a restart. */
export interface StoredMessage {
  mid: number;
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: PacketProperties;
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
  put(msg: StoredMessage): void;
  setState(mid: number, state: OutgoingState, everSent: boolean): void;
  delete(mid: number): void;
  /** Forget everything (a clean session). */
  clear(): void;
  /** Make what was written so far durable. */
  flush(): void;
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
  topic: string;
  payload: Buffer;
  retain: boolean;
  dup: boolean;
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
  delete(mid: number): void;
  clear(): void;
}
