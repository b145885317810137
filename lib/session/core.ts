/**
 * SessionCore: the part of a Session every flow module uses (most of types.ts' SessionHost), the
 * base class Session extends: the configuration and state, packet ids, the output for the
 * driver (encoded packets for takeOutgoing(), events for takeEvents(), log lines), the store
 * journal, and the one close transition. One object, not several: the flows reach it through
 * their back reference, and an idle connection stays small.
 */
import { MQTT_ERR_PROTOCOL, MQTT_LOG_DEBUG, MQTT_LOG_ERR } from '../constants';
import type { MQTTMessage } from '../message';
import { encode, encodePublishTo } from '../protocol/encode';
import type { Packet, PacketProperties, QoS } from '../protocol/types';
import { closeRun, pushAck } from '../protocol/outputRuns';
import { describeSent, unrecognisedCommand } from './log';
import { PacketIds } from './packetIds';
import { Traffic } from './traffic';
import type { CloseEvent, SessionConfig, SessionEvent, SessionState } from './types';

/** Reason codes a protocol violation may close with (MQTT 5 DISCONNECT). */
const DISCONNECT_REASONS = new Set([0x81, 0x82, 0x94, 0x95]);
const NO_EVENTS: SessionEvent[] = [];
/** First byte of each acknowledgement (PUBREL's with its fixed flags 0b0010). */
const ACK_BYTE1 = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const;
Object.freeze(NO_EVENTS);

// The Session's flags, as bits of one small integer (`flags`): one field instead of four (idle
// memory per connection is benchmarked); the accessors below read and write them as fields.
const LOGGING = 1;
const HOLD_ACKS = 2;
const WRITE_BLOCKED = 4;
const CLOSE_REQUESTED = 8;

/**
 * The traffic counters (traffic.ts) are the base class: their fields live in the Session
 * object itself rather than in an object of their own (one header and one pointer less per
 * connection; idle memory is benchmarked). `traffic` names them.
 */
export class SessionCore extends Traffic {
  state: SessionState = 'idle';
  /** logging, holdAcks, writeBlocked and closeRequested, as bits. */
  private flags = 0;
  /** Build log lines (set by the driver when someone listens). */
  get logging(): boolean { return (this.flags & LOGGING) !== 0; }
  set logging(on: boolean) { this.flags = on ? this.flags | LOGGING : this.flags & ~LOGGING; }
  /**
   * Where log lines go at once instead of the event queue: the client sets it while it runs
   * callbacks, so what a callback sends is logged before the next received packet's line, as
   * paho (one packet at a time) logs it.
   */
  logTarget: { log(level: number, text: string): void } | null = null;
  // Driver state kept here for now (the driver sets and reads it):
  /**
   * Set by the driver: the PUBACK (QoS 1) or PUBCOMP (QoS 2) of a delivered message is not sent
   * with its delivery; the driver sends each after its handler: ackNow() (a sync handler, no
   * bookkeeping), or holdAck() then ackMessage()/ack() later (async handlers, manual ack).
   * PUBREC always goes out on receipt, as paho sends it.
   */
  get holdAcks(): boolean { return (this.flags & HOLD_ACKS) !== 0; }
  set holdAcks(on: boolean) { this.flags = on ? this.flags | HOLD_ACKS : this.flags & ~HOLD_ACKS; }
  /** Set by the driver while the transport is over its write high-water mark: QoS 0 waits, bounded. */
  get writeBlocked(): boolean { return (this.flags & WRITE_BLOCKED) !== 0; }
  set writeBlocked(on: boolean) { this.flags = on ? this.flags | WRITE_BLOCKED : this.flags & ~WRITE_BLOCKED; }
  /** Packets received, counted for the driver's read batching (which zeroes them): QoS 0 PUBLISHes, and all others. */
  receivedQos0 = 0;
  receivedOther = 0;

  /** Packet identifiers, shared by PUBLISH, SUBSCRIBE and UNSUBSCRIBE: made by the first that needs one (an idle connection never does: idle memory). */
  private packetIds: PacketIds | null = null;
  get ids(): PacketIds {
    return this.packetIds ?? (this.packetIds = new PacketIds());
  }
  /** Packets, bytes and connections counted for Client.stats() (traffic.ts): the session itself, as its base class. */
  get traffic(): Traffic {
    return this;
  }
  /** Store updates that failed (see journal()). */
  storeErrors = 0;
  /** 'message' events in `events`: their acks come after the driver ran them. */
  messagesQueued = 0;
  /** Set by the close transition: nothing received counts any more on this connection. */
  protected get closeRequested(): boolean { return (this.flags & CLOSE_REQUESTED) !== 0; }
  protected set closeRequested(on: boolean) { this.flags = on ? this.flags | CLOSE_REQUESTED : this.flags & ~CLOSE_REQUESTED; }
  /**
   * Encoded packets for takeOutgoing(), and events for takeEvents(): null while there are none,
   * each made by the first push (an idle connection holds no empty arrays: idle memory is benchmarked).
   */
  protected out: Buffer[] | null = null;
  protected outBytes = 0;
  protected events: SessionEvent[] | null = null;

  constructor(readonly config: SessionConfig) {
    super();
  }

  get pendingOutgoingBytes(): number {
    return this.outBytes;
  }

  send(p: Packet, now: number): void {
    if (this.logging) this.log(MQTT_LOG_DEBUG, describeSent(p, this.config.protocol));
    const buf = encode(p, this.config.protocol);
    const out = (this.out ??= []);
    closeRun(out);
    out.push(buf);
    this.outBytes += buf.length;
    this.traffic.sent(buf[0], buf.length);
    void now;
  }

  /**
   * PUBACK, PUBREC, PUBREL or PUBCOMP with reason 0 and no properties: the 4 bytes encode()
   * would write, without a packet object or its checks (`mid` is a known id), into the run of
   * acks the output ends with (protocol/outputRuns.ts). One per QoS 1/2 message each way: the hot path.
   */
  sendAck(type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', mid: number): void {
    if (this.logging) this.log(MQTT_LOG_DEBUG, describeSent({ type, packetId: mid }, this.config.protocol));
    const byte1 = ACK_BYTE1[type];
    pushAck((this.out ??= []), byte1, mid);
    this.outBytes += 4;
    this.traffic.sent(byte1, 4);
  }

  /** From the packet's fields into the output (small ones into its run: protocol/outputRuns.ts); a payload over 4 KB is queued by reference, not copied. */
  sendPublish(topic: string, payload: Buffer, qos: QoS, retain: boolean, dup: boolean, packetId: number | undefined, properties: PacketProperties | undefined): void {
    const bytes = encodePublishTo((this.out ??= []), topic, payload, qos, retain, dup, packetId, properties, this.config.protocol);
    this.outBytes += bytes;
    this.traffic.sent(0x30 | (qos << 1), bytes);
  }

  /** Queues an event for the driver. */
  pushEvent(ev: SessionEvent): void {
    (this.events ??= []).push(ev);
  }

  /** Queues a message for delivery (its handler runs before its ack goes out: messagesQueued). */
  pushMessage(message: MQTTMessage): void {
    (this.events ??= []).push({ kind: 'message', message });
    this.messagesQueued++;
  }

  takeEvents(): SessionEvent[] {
    this.messagesQueued = 0;
    const e = this.events;
    if (e === null) return NO_EVENTS;
    this.events = null;
    return e;
  }

  log(level: number, text: string): void {
    if (!this.logging) return;
    if (this.logTarget !== null) this.logTarget.log(level, text);
    else this.pushEvent({ kind: 'log', level, text });
  }

  /**
   * A store update in the middle of a protocol flow. If the store fails (disk full, I/O
   * error), the flow in memory stays right and the connection goes on; the failure is
   * reported, and the store's copy may lag (at worst a resend after a restart).
   */
  journal(update: () => void): void {
    try {
      update();
    } catch (e) {
      this.storeFailed(e);
    }
  }

  /** A store update failed (journal(), or a flow's own try around its store call): reported, never thrown. */
  storeFailed(e: unknown): void {
    this.storeErrors++;
    this.pushEvent({ kind: 'log', level: MQTT_LOG_ERR, text: `Outgoing-message store failed: ${(e as Error).message}` });
  }

  /**
   * The one close transition: the driver is asked, once, to close the connection (after
   * writing what is queued), and no further input counts. Every end the session decides on
   * (refusal, protocol violation, keepalive, the server's DISCONNECT) goes through here.
   */
  closeConnection(ev: CloseEvent): void {
    if (!this.closeRequested) {
      this.closeRequested = true;
      this.pushEvent(ev);
    }
    this.state = 'disconnecting';
  }

  /**
   * Bad input from the server: a log line, DISCONNECT with the reason on MQTT 5, the close.
   * `unknownType`: the packet type number no packet has; paho logs its own line for that one.
   */
  protocolViolation(reason: string, reasonCode: number, now: number, unknownType?: number): void {
    this.log(MQTT_LOG_ERR, unknownType !== undefined ? unrecognisedCommand(unknownType) : `Protocol error from the broker: ${reason}`);
    // 3.1/3.1.1: just close (a DISCONNECT would cancel our will). 5.0: say why first.
    if (this.config.protocol === 5) {
      this.send({ type: 'disconnect', reasonCode: DISCONNECT_REASONS.has(reasonCode) ? reasonCode : 0x81 }, now);
    }
    this.closeConnection({ kind: 'close', rc: MQTT_ERR_PROTOCOL, reason });
  }
}
