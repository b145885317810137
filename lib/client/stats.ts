/**
 * Client.stats(): a plain-object snapshot of the counters the client keeps anyway, for a health
 * endpoint or a metrics exporter. Counting happens elsewhere, as increments at points where the
 * numbers are already at hand (the session's traffic.ts, the backpressure's read pauses, the
 * outgoing queue's bounds); this module only reads them, when stats() is called.
 */
import type { Traffic } from '../session/traffic';
import type { ClientDriver } from './driver';

/** Counts by MQTT packet type (one field per type, every field present), and their sum. */
export interface PacketTypeCounts {
  /** The sum over all types. */
  total: number;
  /** CONNECT (sent). */
  connect: number;
  /** CONNACK (received). */
  connack: number;
  /** PUBLISH (both ways). */
  publish: number;
  /** PUBACK (both ways). */
  puback: number;
  /** PUBREC (both ways). */
  pubrec: number;
  /** PUBREL (both ways). */
  pubrel: number;
  /** PUBCOMP (both ways). */
  pubcomp: number;
  /** SUBSCRIBE (sent). */
  subscribe: number;
  /** SUBACK (received). */
  suback: number;
  /** UNSUBSCRIBE (sent). */
  unsubscribe: number;
  /** UNSUBACK (received). */
  unsuback: number;
  /** PINGREQ (sent). */
  pingreq: number;
  /** PINGRESP (received). */
  pingresp: number;
  /** DISCONNECT (both ways on MQTT 5; sent on 3.x). */
  disconnect: number;
  /** AUTH (MQTT 5, both ways). */
  auth: number;
}

/** Counts of PUBLISH packets by QoS. */
export interface QosCounts {
  /** At most once. */
  qos0: number;
  /** At least once. */
  qos1: number;
  /** Exactly once. */
  qos2: number;
}

/**
 * What `Client.stats()` returns: a fresh plain object each call (only numbers, strings, booleans
 * and null, nested in plain objects), so it can be serialised with JSON.stringify or kept and
 * compared with a later one. Counters start at 0 when the Client is constructed (and again after
 * reinitialise()) and only grow; they survive reconnects.
 */
export interface ClientStats {
  /**
   * The connection's state: 'idle' (no connection), 'connecting' (CONNECT sent, CONNACK awaited),
   * 'connected' (CONNACK accepted), 'disconnecting' (DISCONNECT sent, or the close under way).
   */
  state: 'idle' | 'connecting' | 'connected' | 'disconnecting';
  /** The server of the last connection attempt (as `client.host`, `client.port`, `client.transport`). */
  server: {
    /** Host name or address (for 'unix': the socket's path); '' before connect(). */
    host: string;
    /** TCP port (1883 before connect()). */
    port: number;
    /** The transport kind. */
    transport: 'tcp' | 'websockets' | 'unix';
  };
  /** Connection attempts: each socket opened for a CONNECT, and each socket that could not be opened. */
  attempts: number;
  /** Connections the broker accepted (successful CONNACK). */
  connects: number;
  /** Accepted connections after the first one (`connects - 1`, or 0). */
  reconnects: number;
  /**
   * Attempts that did not end in an accepted connection: the socket could not be opened (refused,
   * DNS, TLS), the broker refused the CONNECT, or the connection closed or timed out before CONNACK.
   */
  failures: number;
  /**
   * Packets received, by type: counted as each is framed from the received bytes (a malformed
   * packet that closes the connection is counted too).
   */
  packetsIn: PacketTypeCounts;
  /** Packets sent, by type: counted when encoded for the wire (resends included). */
  packetsOut: PacketTypeCounts;
  /** Bytes of the packets in `packetsIn` (whole packets, fixed header included), by type. */
  bytesIn: PacketTypeCounts;
  /** Bytes of the packets in `packetsOut`, by type. */
  bytesOut: PacketTypeCounts;
  /** PUBLISH packets received, by QoS (a broker's redelivery with DUP counts again). */
  messagesIn: QosCounts;
  /** PUBLISH packets sent, by QoS (a resend with DUP counts again). */
  messagesOut: QosCounts;
  /** Unfinished exchanges on the current connection. */
  inFlight: {
    /** Outgoing QoS 1/2 messages sent and awaiting PUBACK / PUBCOMP. */
    out: number;
    /** Incoming QoS 2 messages PUBREC'd and awaiting the broker's PUBREL. */
    in: number;
  };
  /**
   * Outgoing messages the client holds (as `queuedMessages` and `queuedBytes`): unfinished
   * QoS 1/2 messages (queued or in flight) and QoS 0 messages held back; bytes are payload + topic.
   */
  queued: {
    /** Messages held. */
    messages: number;
    /** Their payload + topic bytes. */
    bytes: number;
  };
  /** Outgoing messages dropped by the 'drop-oldest' queue policy (as `droppedMessages`). */
  dropped: number;
  /** publish() calls refused with MQTT_ERR_QUEUE_SIZE because a queue was full (as `rejectedMessages`). */
  rejected: number;
  /** The last PINGREQ's round trip to its PINGRESP, in ms; null before the first PINGRESP. */
  pingRoundTripMs: number | null;
  /** ms since the current connection's CONNACK; null while not connected. */
  connectedMs: number | null;
  /** How many times reading was paused because received messages waited past the high-water marks (messageConcurrencySet, incoming limits). */
  readPauses: number;
  /** Reading is paused right now (as `readingPaused`). */
  readingPaused: boolean;
}

/** Packet type names by MQTT packet type code (1..15). */
const TYPE_NAMES = ['', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback',
  'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'] as const;

/** The snapshot of `d`'s counters at its clock's now. */
export function clientStats(d: ClientDriver): ClientStats {
  const s = d.session;
  const t = s.traffic;
  const connector = d.connector;
  const [packetsIn, packetsOut] = byType(t, false);
  const [bytesIn, bytesOut] = byType(t, true);
  return {
    state: s.state,
    server: { host: connector.host, port: connector.port, transport: connector.transportInUse },
    attempts: t.attempts,
    connects: t.connects,
    reconnects: Math.max(0, t.connects - 1),
    failures: t.failures(s.state !== 'idle' && t.connackDelay < 0),
    packetsIn,
    packetsOut,
    bytesIn,
    bytesOut,
    messagesIn: byQos(t.publishByQos(false)),
    messagesOut: byQos(t.publishByQos(true)),
    inFlight: { out: s.outgoing.inflight, in: s.incomingQos2.size },
    queued: { messages: s.outgoing.size + s.qos0Waiting.length, bytes: s.outgoing.bytes + s.qos0Waiting.bytes },
    dropped: s.droppedMessages,
    rejected: s.rejectedMessages,
    pingRoundTripMs: t.pingRoundTripUs < 0 ? null : t.pingRoundTripUs / 1000,
    connectedMs: s.connectedFor(d.clock()),
    readPauses: d.backpressure.readPauses,
    readingPaused: d.flow.readPaused,
  };
}

/** Packet counts (or, `bytes`, their bytes) by type: [received, sent]. */
function byType(t: Traffic, bytes: boolean): [PacketTypeCounts, PacketTypeCounts] {
  const received = { total: 0 } as PacketTypeCounts;
  const sent = { total: 0 } as PacketTypeCounts;
  for (let type = 1; type < TYPE_NAMES.length; type++) {
    const name = TYPE_NAMES[type] as Exclude<typeof TYPE_NAMES[number], ''>;
    const [i, o] = t.count(type, bytes);
    received[name] = i;
    sent[name] = o;
    received.total += i;
    sent.total += o;
  }
  return [received, sent];
}

function byQos([qos0, qos1, qos2]: [number, number, number]): QosCounts {
  return { qos0, qos1, qos2 };
}
