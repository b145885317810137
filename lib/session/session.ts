/**
 * The sans-I/O MQTT session engine: bytes and `now` in, bytes and events out.
 *
 * It owns the protocol state of one client across connections: packet ids, the outgoing
 * QoS 1/2 flows (outgoing.ts; their bounds and the QoS 0 queue in queueBounds.ts), incoming
 * QoS 2 messages awaiting PUBREL (incoming.ts), pending SUBSCRIBE and UNSUBSCRIBE, keepalive and CONNACK deadlines. It never touches a socket or a timer:
 * the driver (client.ts) feeds it received bytes (`receive`), asks it for bytes to write
 * (`takeOutgoing`), calls `tick(now)` when `nextDeadline()` is due, and runs the user's
 * callbacks for the events it drains (`takeEvents`) only after each transition finished.
 */
import {
  MQTT_ERR_CONN_LOST, MQTT_ERR_CONN_REFUSED, MQTT_ERR_KEEPALIVE, MQTT_ERR_NO_CONN, MQTT_ERR_NOT_FOUND, MQTT_ERR_NOT_SUPPORTED,
  MQTT_ERR_PAYLOAD_SIZE, MQTT_ERR_PROTOCOL, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS, MQTT_LOG_DEBUG, MQTT_LOG_ERR, MQTT_LOG_WARNING,
} from '../constants';
import { ValueError } from '../errors';
import { MQTTMessage, MQTTMessageInfo } from '../message';
import { encode, encodePublishTo } from '../protocol/encode';
import { ProtocolError } from '../protocol/errors';
import { Parser } from '../protocol/parser';
import type {
  ConnackPacket, Packet, PacketProperties, PublishPacket, QoS, Subscription,
} from '../protocol/types';
import { memoryStore } from '../store/memory';
import { AuthExchange } from './auth';
import { propertiesAtSend } from './expiry';
import type { HeldAcks } from './incoming';
import { IncomingFlow } from './incomingFlow';
import { describeReceived, describeSent, reasonDetails, unrecognisedCommand } from './log';
import { OutgoingFlows, OutMessage } from './outgoing';
import { PendingRequests } from './pendingRequests';
import { QueueBounds } from './queueBounds';
import { ServerLimits } from './serverLimits';
import { PacketIds } from './packetIds';
import { publishPacketSize } from './packetSize';
import { CallerAliases } from './callerAliases';
import { TopicAliases, withoutAlias } from './topicAliases';
import type { CloseEvent, SessionConfig, SessionEvent, SessionHost, SessionState } from './types';

type PacketType = Packet['type'];

export type { CloseEvent, SessionConfig, SessionEvent, SessionState } from './types';

/**
 * Which packets from the server each state accepts, as h11's _state.py: dispatch (handle())
 * consults this before anything else, and a packet outside its state's row is a protocol
 * violation worded by refusal(). 'idle' accepts nothing: receive() drops its input undecoded,
 * as it drops whatever follows a close. 'disconnecting' after our own DISCONNECT still takes
 * what the broker sent before reading it, and CONNACK there is one CONNACK too many.
 */
const AFTER_CONNACK: readonly PacketType[] = ['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback', 'pingresp', 'auth', 'disconnect'];
export const ACCEPTS: Readonly<Record<SessionState, ReadonlySet<PacketType>>> = {
  idle: new Set(),
  connecting: new Set(['connack', 'auth']),
  connected: new Set(AFTER_CONNACK),
  disconnecting: new Set(AFTER_CONNACK),
};

/** Why a packet its state does not accept is a protocol violation (the log line and close reason). */
function refusal(state: SessionState, type: PacketType): string {
  if (state === 'connecting') return `${type.toUpperCase()} received before CONNACK`;
  return type === 'connack' ? 'CONNACK received twice' : `unexpected ${type.toUpperCase()} from the server`;
}

const EMPTY = Buffer.alloc(0);
const DEFAULT_CONNACK_TIMEOUT = 30;

export function defaultSessionConfig(): SessionConfig {
  return {
    clientId: '', cleanSession: true, protocol: 4, keepalive: 60, maxInflight: 20, maxQueued: 0,
    retrySeconds: 5, connackTimeout: 0, maxPacketSize: 0, store: memoryStore(), limits: undefined,
  };
}

export class Session implements SessionHost {
  readonly config: SessionConfig;
  state: SessionState = 'idle';
  /** Build log lines (set by the driver when someone listens). */
  logging = false;
  /**
   * Set by the driver: the PUBACK (QoS 1) or PUBCOMP (QoS 2) of a delivered message is not sent
   * with its delivery; the driver sends each after its handler: ackNow() (a sync handler, no
   * bookkeeping), or holdAck() then ackMessage()/ack() later (async handlers, manual ack).
   * PUBREC always goes out on receipt, as paho sends it.
   */
  holdAcks = false;
  /** Set by the driver while the transport is over its write high-water mark: QoS 0 waits, bounded. */
  writeBlocked = false;
  /** Packets received, counted for the driver's read batching (which zeroes them): QoS 0 PUBLISHes, and all others. */
  receivedQos0 = 0;
  receivedOther = 0;

  /** Created by the first connection, then reset for each new one. */
  private parser: Parser | null = null;
  private readonly ids = new PacketIds();
  readonly outgoing = new OutgoingFlows();
  /** PUBLISH from the server through delivery and acknowledgement (incomingFlow.ts). */
  private readonly incomingFlow = new IncomingFlow(this);
  /** SUBSCRIBEs and UNSUBSCRIBEs waiting for their acks. */
  private readonly requests = new PendingRequests();

  private out: Buffer[] = [];
  private outBytes = 0;
  private events: SessionEvent[] = [];
  /**
   * QoS 0 messages handed to the writer since the last takeOutgoing(): published once written.
   * Null when none: made by the first one after a write, as the [] takeOutgoing() used to leave (idle memory).
   */
  private qos0Written: MQTTMessageInfo[] | null = null;
  /** The outgoing queue bounds at publish(), the QoS 0 queue and the drop/refusal counts. */
  private readonly bounds: QueueBounds;

  private lastSent = 0;
  /** `now` of the last bytes received (keepalive; deferred acks count as sent then). */
  lastReceived = 0;
  private pingSentAt = 0;
  private connectStartedAt = 0;
  private closeRequested = false;
  /** A CONNACK arrived on the current (or last) connection. */
  connackReceived = false;
  /** The broker's limits (MQTT 5 CONNACK properties). */
  private readonly server = new ServerLimits();
  /** The keepalive in force: ours, or the broker's Server Keep Alive (MQTT 5). */
  private keepaliveMs = 0;
  /** Our topic aliases on this connection (MQTT 5), or null when the server allows none. */
  private outgoingAliases: TopicAliases | null = null;
  /** The aliases the caller set paho's way (properties.TopicAlias), alias -> topic, on this connection. */
  private readonly callerAliases = new CallerAliases();
  /** MQTT 5 Session Expiry Interval in force: CONNECT's, or the one CONNACK imposed. */
  sessionExpiryInterval = 0;
  /** MQTT 5 enhanced authentication state of this connection. */
  private readonly auth = new AuthExchange(this);

  constructor(config: SessionConfig) {
    this.config = config;
    this.bounds = new QueueBounds(this);
    for (const m of config.store.load()) this.restore(m);
    // QoS 2 messages a killed process had PUBREC'd: their PUBRELs come if the session resumes.
    // MQTT 5 decides that per connection (Clean Start, set at each connect), so load them there
    // too; a clean start or Session Present 0 clears them (startClean, sessionLostByBroker).
    if ((!config.cleanSession || config.protocol === 5) && config.store.incoming !== undefined) {
      this.incomingFlow.restore(config.store.incoming.load());
    }
  }

  /** Incoming QoS 2 messages PUBREC'd and awaiting their PUBREL, by mid. */
  get incomingQos2(): ReadonlyMap<number, MQTTMessage> {
    return this.incomingFlow.awaitingRelease.pending;
  }

  /** Incoming acknowledgements the application holds (holdAcks). */
  get heldAcks(): HeldAcks {
    return this.incomingFlow.heldAcks;
  }

  /** QoS 0 messages accepted while the writer is blocked (writeBlocked), bounded by limits. */
  get qos0Waiting(): { readonly length: number; readonly bytes: number } {
    return this.bounds.qos0Waiting;
  }

  /** Outgoing messages dropped by the 'drop-oldest' policy. */
  get droppedMessages(): number {
    return this.bounds.droppedMessages;
  }

  /** Publishes refused by a full queue. */
  get rejectedMessages(): number {
    return this.bounds.rejectedMessages;
  }

  /** SUBSCRIBEs waiting for their SUBACK, by mid. */
  get pendingSubscribes(): ReadonlyMap<number, Subscription[]> {
    return this.requests.pendingSubscribes;
  }

  /** UNSUBSCRIBEs waiting for their UNSUBACK, by mid. */
  get pendingUnsubscribes(): ReadonlyMap<number, string[]> {
    return this.requests.pendingUnsubscribes;
  }

  // ---- connection life cycle -------------------------------------------------------------

  /** The transport is open: queue CONNECT and start waiting for CONNACK. */
  startConnection(now: number): void {
    const c = this.config;
    this.parser = new Parser({ protocolVersion: c.protocol, maxPacketSize: this.clientMaxPacketSize() || undefined });
    this.state = 'connecting';
    this.closeRequested = false;
    this.connackReceived = false;
    this.connectStartedAt = now;
    this.lastReceived = now;
    this.pingSentAt = 0;
    this.server.reset();
    this.keepaliveMs = c.keepalive * 1000;
    this.incomingFlow.connectionStarted();
    this.outgoingAliases = null;
    let props = c.protocol === 5 ? c.connectProperties : undefined;
    if (c.protocol === 5 && (c.maxPacketSize ?? 0) > 0 && props?.MaximumPacketSize === undefined) {
      props = { ...props, MaximumPacketSize: c.maxPacketSize };
    }
    this.sessionExpiryInterval = props?.SessionExpiryInterval ?? 0;
    this.auth.start(props);
    if (c.cleanSession) this.startClean();
    this.send({
      type: 'connect', protocolVersion: c.protocol, clientId: c.clientId, cleanSession: c.cleanSession,
      keepalive: c.keepalive, username: c.username, password: c.password, will: c.will, properties: props, bridge: c.bridge,
    }, now);
  }

  /** Our Maximum Packet Size: the CONNECT property if set (MQTT 5), else the config's; 0 = none. */
  private clientMaxPacketSize(): number {
    const c = this.config;
    return (c.protocol === 5 ? c.connectProperties?.MaximumPacketSize : undefined) ?? c.maxPacketSize ?? 0;
  }

  /**
   * The transport closed, for any reason. Unfinished QoS 1/2 messages stay, clean session or
   * not: the next connection sends them again (paho does; startClean() says how).
   */
  connectionLost(): void {
    if (this.state === 'idle') return;
    this.state = 'idle';
    this.out = [];
    this.outBytes = 0;
    this.pingSentAt = 0;
    this.writeBlocked = false;
    const written = this.qos0Written;
    this.qos0Written = null;
    if (written !== null) for (const info of written) info._fail(MQTT_ERR_CONN_LOST);
    for (const w of this.bounds.takeQos0Waiting()) w.info._fail(MQTT_ERR_CONN_LOST);
    this.incomingFlow.connectionLost(); // held QoS 1 acks go; QoS 2 state stays for a resumed session
    this.outgoing.connectionLost();
    this.callerAliases.reset();
    // SUBSCRIBE/UNSUBSCRIBE are never resent (paho does not either): their ids are free again.
    this.requests.connectionLost((mid) => this.ids.release(mid));
  }

  /**
   * Throws ValueError for DISCONNECT properties the spec forbids: a non-zero Session Expiry
   * Interval when CONNECT's was zero [MQTT-3.14.2-2]. Call before any side effect.
   */
  checkDisconnect(properties?: PacketProperties): void {
    const expiry = properties?.SessionExpiryInterval;
    if (this.config.protocol === 5 && expiry !== undefined && expiry !== 0 && (this.config.connectProperties?.SessionExpiryInterval ?? 0) === 0) {
      throw new ValueError('properties: SessionExpiryInterval cannot be set at DISCONNECT when CONNECT sent 0 (or none) [MQTT-3.14.2-2]');
    }
  }

  /** Queues DISCONNECT; the driver closes the connection once it is written. */
  disconnect(now: number, reasonCode?: number, properties?: PacketProperties): number {
    this.checkDisconnect(properties);
    if (this.state === 'idle') return MQTT_ERR_NO_CONN;
    if (properties?.SessionExpiryInterval !== undefined) this.sessionExpiryInterval = properties.SessionExpiryInterval;
    this.send({ type: 'disconnect', reasonCode, properties }, now);
    this.state = 'disconnecting';
    return MQTT_ERR_SUCCESS;
  }

  /** A deliberate end with a clean session: nothing will ever complete the pending flows. */
  abandonPending(rc: number): void {
    for (const m of this.outgoing.drain()) this.failMessage(m, rc);
    this.journal(() => this.config.store.clear());
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  // ---- commands from the application -----------------------------------------------------

  /**
   * Accepts a message. QoS 0 is written at once if connected, else refused with
   * MQTT_ERR_NO_CONN. QoS 1/2 is accepted whenever the queue bound allows, sent as soon as
   * the window and the connection allow, and resent until acknowledged.
   */
  publish(topic: string, payload: Buffer, qos: QoS, retain: boolean, properties: PacketProperties | undefined, now: number): MQTTMessageInfo {
    const alias = properties?.TopicAlias;
    if (alias !== undefined || topic === '') {
      // The caller's alias (paho's way): the message keeps its full topic and a snapshot of its properties.
      topic = this.callerAliases.resolve(topic, alias, this.config.protocol === 5, this.state === 'connected' ? (this.outgoingAliases?.max ?? 0) : null);
      properties = { ...properties };
      if (this.state === 'connected') this.outgoingAliases?.useCallerScheme();
    }
    if (this.server.maxPacketSize > 0 && this.tooLarge(topic, payload, qos, withoutAlias(properties))) {
      return new MQTTMessageInfo(0, MQTT_ERR_PAYLOAD_SIZE);
    }
    const unsupported = this.unsupported(qos, retain);
    if (unsupported !== null) {
      this.log(MQTT_LOG_ERR, `Cannot publish to '${topic}': ${unsupported}`);
      return new MQTTMessageInfo(0, MQTT_ERR_NOT_SUPPORTED);
    }
    if (qos === 0) {
      const mid = this.ids.next(); // QoS 0 carries no id; paho still reports one
      // Written while CONNECT is outstanding too: the broker reads it after CONNECT, as with paho.
      if (this.state !== 'connected' && this.state !== 'connecting') return new MQTTMessageInfo(mid, MQTT_ERR_NO_CONN);
      if (this.writeBlocked) return this.bounds.queueQos0(topic, payload, retain, properties, mid);
      const packet: PublishPacket = { type: 'publish', topic, payload, qos: 0, retain, dup: false, properties };
      const info = new MQTTMessageInfo(mid);
      if (!this.sendChecked(packet, now, info)) return info;
      (this.qos0Written ??= []).push(info);
      return info;
    }
    const c = this.config;
    if (!this.bounds.makeRoomQueued(payload.length + topic.length)) return this.bounds.rejected(0, 'QoS 1/2');
    const mid = this.ids.allocate();
    if (mid === 0) return new MQTTMessageInfo(0, MQTT_ERR_QUEUE_SIZE);
    const msg: OutMessage = {
      mid, topic, payload, qos, retain, properties, state: 'queued', everSent: false,
      info: new MQTTMessageInfo(mid), inFlight: false, done: false, sentAt: 0, bytes: payload.length + topic.length, queuedAt: now,
    };
    try {
      c.store.put(msg); // a durable store writes it here: the error reaches the caller, nothing is half-done
    } catch (e) {
      this.ids.release(mid);
      throw e;
    }
    this.outgoing.add(msg);
    if (this.state === 'connected') this.sendQueued(now);
    return msg.info;
  }

  /** Returns [rc, mid]; not connected: [MQTT_ERR_NO_CONN, 0], as paho. */
  subscribe(subscriptions: Subscription[], properties: PacketProperties | undefined, now: number): [number, number] {
    if (this.state !== 'connected' && this.state !== 'connecting') return [MQTT_ERR_NO_CONN, 0];
    const mid = this.ids.allocate();
    if (mid === 0) return [MQTT_ERR_QUEUE_SIZE, 0];
    this.requests.addSubscribe(mid, subscriptions);
    this.send({ type: 'subscribe', packetId: mid, subscriptions, properties }, now);
    return [MQTT_ERR_SUCCESS, mid];
  }

  unsubscribe(topics: string[], properties: PacketProperties | undefined, now: number): [number, number] {
    if (this.state !== 'connected' && this.state !== 'connecting') return [MQTT_ERR_NO_CONN, 0];
    const mid = this.ids.allocate();
    if (mid === 0) return [MQTT_ERR_QUEUE_SIZE, 0];
    this.requests.addUnsubscribe(mid, topics);
    this.send({ type: 'unsubscribe', packetId: mid, topics, properties }, now);
    return [MQTT_ERR_SUCCESS, mid];
  }

  // ---- input -------------------------------------------------------------------------------

  /** Feeds received bytes. Malformed input ends in a 'close' event with MQTT_ERR_PROTOCOL. */
  receive(chunk: Buffer, now: number): void {
    if (this.state === 'idle' || this.closeRequested) return; // nothing counts after a fatal packet
    this.lastReceived = now;
    let packets: Packet[];
    try {
      packets = this.parser!.feed(chunk);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      for (const p of e.packets as Packet[]) {
        this.handle(p, now);
        if (this.closeRequested) return;
      }
      this.protocolViolation(e.message, e.reasonCode, now, e.packetType);
      return;
    }
    for (let i = 0; i < packets.length; i++) {
      this.handle(packets[i], now);
      if (this.closeRequested) return; // ignore what follows a fatal packet
    }
  }

  private handle(p: Packet, now: number): void {
    if (this.logging) this.log(MQTT_LOG_DEBUG, describeReceived(p, this.config.protocol));
    if (p.type === 'publish' && p.qos === 0) this.receivedQos0++;
    else this.receivedOther++;
    if (!ACCEPTS[this.state].has(p.type)) {
      this.protocolViolation(refusal(this.state, p.type), 0x82, now);
      return;
    }
    switch (p.type) {
      case 'publish': return this.incomingFlow.received(p, now);
      case 'puback': return this.onPuback(p.packetId, p.reasonCode ?? 0, p.properties, now);
      case 'pubrec': return this.onPubrec(p.packetId, p.reasonCode ?? 0, p.properties, now);
      case 'pubrel': return this.incomingFlow.released(p.packetId, now);
      case 'pubcomp': return this.onPubcomp(p.packetId, p.reasonCode ?? 0, p.properties, now);
      case 'connack': return this.onConnack(p, now);
      case 'suback': return this.onSuback(p.packetId, p.reasonCodes, p.properties);
      case 'unsuback': return this.onUnsuback(p.packetId, p.reasonCodes ?? [], p.properties);
      case 'pingresp': this.pingSentAt = 0; return;
      case 'auth': return this.auth.received(p, now);
      case 'disconnect':
        this.closeConnection({ kind: 'close', rc: MQTT_ERR_CONN_LOST,
          reason: `server sent DISCONNECT (reason 0x${(p.reasonCode ?? 0).toString(16)}${reasonDetails(p.properties)})`,
          reasonCode: p.reasonCode, properties: p.properties,
        });
        return;
      default: // not in any state's row of ACCEPTS
        this.protocolViolation(refusal(this.state, p.type), 0x82, now);
    }
  }

  private onConnack(p: ConnackPacket, now: number): void {
    this.connackReceived = true;
    const refused = this.config.protocol === 5 ? p.reasonCode >= 0x80 : p.reasonCode !== 0;
    const authProblem = refused ? null : this.auth.connackProblem(p.properties);
    if (authProblem !== null) {
      this.protocolViolation(authProblem, 0x82, now);
      return;
    }
    if (this.config.protocol === 4 && (p.reasonCode === 1 || (p.reasonCode === 2 && this.config.clientId === ''))) {
      // Unacceptable protocol version, or our empty identifier rejected: as paho, no on_connect
      // for it; the driver retries with MQTT 3.1 or a generated id (or reports MQTT_ERR_PROTOCOL).
      const retry = p.reasonCode === 1 ? 'mqtt31' : 'generatedId';
      const reason = retry === 'mqtt31' ? 'the broker does not accept MQTT 3.1.1' : 'the broker rejected the empty client id';
      this.closeConnection({ kind: 'close', rc: MQTT_ERR_PROTOCOL, reason, retry });
      return;
    }
    this.events.push({ kind: 'connack', sessionPresent: p.sessionPresent, reasonCode: p.reasonCode, properties: p.properties });
    if (refused) {
      // As paho: a 3.x refusal (1-5) is MQTT_ERR_CONN_REFUSED, an MQTT 5 reason code (0x80 and up) MQTT_ERR_PROTOCOL.
      const rc = p.reasonCode > 0 && p.reasonCode < 6 ? MQTT_ERR_CONN_REFUSED : MQTT_ERR_PROTOCOL;
      this.closeConnection({ kind: 'close', rc, reason: `connection refused (${p.reasonCode}${reasonDetails(p.properties)})` });
      return;
    }
    if (p.sessionPresent && this.config.cleanSession) {
      // [MQTT-3.2.2-1] / 5.0 [MQTT-3.2.2-4]: we asked for a new session; the broker claims an old one.
      this.protocolViolation('CONNACK says a session is present in answer to a clean session', 0x82, now);
      return;
    }
    const props = p.properties;
    this.state = 'connected';
    this.auth.connected();
    if (props !== undefined) {
      this.server.fromConnack(props);
      if (props.ServerKeepAlive !== undefined) this.keepaliveMs = props.ServerKeepAlive * 1000;
      if (props.SessionExpiryInterval !== undefined) this.sessionExpiryInterval = props.SessionExpiryInterval;
      if ((props.TopicAliasMaximum ?? 0) > 0) {
        this.outgoingAliases = new TopicAliases(props.TopicAliasMaximum!);
        if (this.config.autoTopicAlias === false) this.outgoingAliases.useCallerScheme();
      }
    }
    if (!p.sessionPresent) this.sessionLostByBroker();
    this.sendQueued(now);
  }

  /** MQTT 5 enhanced authentication (auth.ts): answers the server's AUTH 0x18; null gives up. */
  continueAuth(properties: PacketProperties | null | undefined, now: number): number {
    return this.auth.continueAuth(properties, now);
  }

  /** MQTT 5 re-authentication (AUTH 0x19, auth.ts). */
  reauthenticate(properties: PacketProperties | undefined, now: number): number {
    return this.auth.reauthenticate(properties, now);
  }

  // ---- acknowledgements of delivered messages (incomingFlow.ts) ------------------------------

  /** holdAcks: the handler of `m` returned at once; its PUBACK/PUBCOMP goes out now. */
  ackNow(m: MQTTMessage): void {
    this.incomingFlow.ackNow(m);
  }

  /** holdAcks: the acknowledgement of `m` waits until ackMessage()/ack(). */
  holdAck(m: MQTTMessage): void {
    this.incomingFlow.holdAck(m);
  }

  /** Sends the held PUBACK/PUBCOMP of `m`; false when it is not held. */
  ackMessage(m: MQTTMessage, now: number): boolean {
    return this.incomingFlow.ackMessage(m, now);
  }

  /** paho 2.x's ack(mid, qos); false when no acknowledgement is held for them. */
  ack(mid: number, qos: number, now: number): boolean {
    return this.incomingFlow.ack(mid, qos, now);
  }

  /** The driver's turn for a deferred PUBREC ('pubrec' event). */
  sendPubrec(mid: number): void {
    this.incomingFlow.sendPubrec(mid);
  }

  private onPuback(mid: number, reasonCode: number, properties: PacketProperties | undefined, now: number): void {
    const m = this.outgoing.get(mid);
    if (m === undefined) {
      if (this.logging) this.log(MQTT_LOG_WARNING, `Received PUBACK for unknown message id ${mid}`);
      return;
    }
    if (m.qos === 2) this.warnAckMismatch(m, 'PUBACK');
    this.complete(m, reasonCode, properties, now);
  }

  private onPubrec(mid: number, reasonCode: number, properties: PacketProperties | undefined, now: number): void {
    const m = this.outgoing.get(mid);
    if (m === undefined) {
      // Unknown id: release it anyway so the broker can finish its side.
      this.send({ type: 'pubrel', packetId: mid, reasonCode: this.config.protocol === 5 ? 0x92 : 0 }, now);
      return;
    }
    if (m.qos === 1) this.warnAckMismatch(m, 'PUBREC');
    if (reasonCode >= 0x80) { // MQTT 5: the broker refused the message; the flow ends here
      this.complete(m, reasonCode, properties, now);
      return;
    }
    if (m.state !== 'released') {
      m.state = 'released';
      this.journal(() => this.config.store.setState(mid, 'released', true));
    }
    this.send({ type: 'pubrel', packetId: mid }, now);
    m.sentAt = now;
  }

  private onPubcomp(mid: number, reasonCode: number, properties: PacketProperties | undefined, now: number): void {
    const m = this.outgoing.get(mid);
    if (m === undefined) {
      if (this.logging) this.log(MQTT_LOG_WARNING, `Received PUBCOMP for unknown message id ${mid}`);
      return;
    }
    if (m.qos === 1) this.warnAckMismatch(m, 'PUBCOMP');
    this.complete(m, reasonCode, properties, now);
  }

  /**
   * The broker answered with the other QoS's acknowledgement (RabbitMQ 3.10 grants QoS 1 for
   * QoS 2 and PUBACKs a QoS 2 PUBLISH). paho goes by the id alone: PUBACK or PUBCOMP ends the
   * flow, PUBREC gets a PUBREL; so do we, and say so.
   */
  private warnAckMismatch(m: OutMessage, ack: 'PUBACK' | 'PUBREC' | 'PUBCOMP'): void {
    const served = ack === 'PUBACK' ? 'QoS 1' : 'QoS 2';
    this.log(MQTT_LOG_WARNING, `Received ${ack} for QoS ${m.qos} message ${m.mid} to '${m.topic}': the broker handled it as ${served}`);
  }

  /** The message's flow ended: free its state, settle its info, refill the window. */
  private complete(m: OutMessage, reasonCode: number, properties: PacketProperties | undefined, now: number): void {
    this.outgoing.finish(m.mid);
    this.ids.release(m.mid);
    this.journal(() => this.config.store.delete(m.mid));
    m.info._complete();
    if (reasonCode >= 0x80) {
      this.log(MQTT_LOG_WARNING, `Message ${m.mid} to '${m.topic}' was refused by the broker: reason 0x${reasonCode.toString(16)}${reasonDetails(properties)}`);
    }
    this.events.push({ kind: 'published', mid: m.mid, reasonCode, properties });
    if (this.state === 'connected') this.sendQueued(now);
  }

  private onSuback(mid: number, reasonCodes: number[], properties?: PacketProperties): void {
    if (!this.requests.subscribeAcked(mid)) {
      if (this.logging) this.log(MQTT_LOG_WARNING, `Received SUBACK for unknown message id ${mid}`);
      return;
    }
    this.ids.release(mid);
    this.events.push({ kind: 'subscribed', mid, reasonCodes, properties });
  }

  private onUnsuback(mid: number, reasonCodes: number[], properties?: PacketProperties): void {
    if (!this.requests.unsubscribeAcked(mid)) {
      if (this.logging) this.log(MQTT_LOG_WARNING, `Received UNSUBACK for unknown message id ${mid}`);
      return;
    }
    this.ids.release(mid);
    this.events.push({ kind: 'unsubscribed', mid, reasonCodes, properties });
  }

  // ---- time ----------------------------------------------------------------------------------

  /** A PINGREQ is out and its PINGRESP (or any byte) not yet seen. */
  get awaitingPingresp(): boolean {
    return this.pingSentAt > 0 && this.state === 'connected';
  }

  /**
   * Bytes arrived that the driver cannot feed yet (reading paused by backpressure): the link
   * is alive, which is all a PINGRESP would say; the outstanding PINGREQ counts as answered.
   */
  noteReceived(now: number): void {
    if (now > this.lastReceived) this.lastReceived = now;
    this.pingSentAt = 0;
  }

  /** The next `now` at which tick() has work, or Infinity. */
  nextDeadline(): number {
    const c = this.config;
    if (this.state === 'connecting') return this.connectStartedAt + this.connackTimeoutMs();
    if (this.state !== 'connected') return Infinity;
    let next = Infinity;
    if (this.keepaliveMs > 0) {
      const ka = this.keepaliveMs;
      next = this.pingSentAt > 0 ? Math.max(this.pingSentAt, this.lastReceived) + ka / 2 : this.lastSent + ka;
    }
    if (c.protocol === 3 && c.retrySeconds > 0) {
      for (const m of this.outgoing.messages.values()) {
        if (m.inFlight) next = Math.min(next, m.sentAt + c.retrySeconds * 1000);
      }
    }
    return next;
  }

  /**
   * Runs what is due at `now`: CONNACK deadline, keepalive (PINGREQ after `keepalive`
   * seconds without sending; connection lost when nothing at all is received for half a
   * keepalive after it), MQTT 3.1 retries.
   */
  tick(now: number): void {
    const c = this.config;
    if (this.state === 'connecting') {
      if (now >= this.connectStartedAt + this.connackTimeoutMs()) {
        // paho notices a missing CONNACK by its keepalive check: rc MQTT_ERR_KEEPALIVE.
        this.closeConnection({ kind: 'close', rc: MQTT_ERR_KEEPALIVE, reason: `no CONNACK within ${this.connackTimeoutMs() / 1000} s` });
      }
      return;
    }
    if (this.state !== 'connected') return;
    if (this.keepaliveMs > 0) {
      const ka = this.keepaliveMs;
      if (this.pingSentAt > 0) {
        if (now >= Math.max(this.pingSentAt, this.lastReceived) + ka / 2) {
          this.closeConnection({ kind: 'close', rc: MQTT_ERR_KEEPALIVE, reason: 'no PINGRESP from the broker in time' });
          return;
        }
      } else if (now >= this.lastSent + ka) {
        this.send({ type: 'pingreq' }, now);
        this.pingSentAt = now;
      }
    }
    if (c.protocol === 3 && c.retrySeconds > 0) {
      for (const m of this.outgoing.messages.values()) {
        if (m.inFlight && now >= m.sentAt + c.retrySeconds * 1000) this.transmit(m, now);
      }
    }
  }

  private connackTimeoutMs(): number {
    const c = this.config;
    return (c.connackTimeout > 0 ? c.connackTimeout : c.keepalive > 0 ? c.keepalive : DEFAULT_CONNACK_TIMEOUT) * 1000;
  }

  // ---- output --------------------------------------------------------------------------------

  /** Everything queued for the wire since the last call, or null. Counts as sent at `now`. */
  takeOutgoing(now: number): Buffer[] | null {
    if (this.out.length === 0) return null;
    const out = this.out;
    this.out = [];
    this.outBytes = 0;
    this.lastSent = now;
    const written = this.qos0Written;
    if (written !== null) {
      this.qos0Written = null;
      for (const info of written) {
        info._complete();
        this.events.push({ kind: 'published', mid: info.mid, reasonCode: 0 });
      }
    }
    return out;
  }

  /**
   * The driver's writer is free again: QoS 0 messages that waited are encoded (in order) and
   * go out with the next takeOutgoing().
   */
  writeUnblocked(now: number): void {
    this.writeBlocked = false;
    for (const w of this.bounds.takeQos0Waiting()) {
      if (this.state !== 'connected' && this.state !== 'connecting') {
        w.info._fail(MQTT_ERR_CONN_LOST);
        continue;
      }
      const packet: PublishPacket = { type: 'publish', topic: w.topic, payload: w.payload, qos: 0, retain: w.retain, dup: false, properties: w.properties };
      if (this.sendChecked(packet, now, w.info)) (this.qos0Written ??= []).push(w.info);
    }
    if (this.state === 'connected') this.sendQueued(now);
  }

  get pendingOutgoingBytes(): number {
    return this.outBytes;
  }

  takeEvents(): SessionEvent[] {
    this.incomingFlow.messagesQueued = 0;
    if (this.events.length === 0) return NO_EVENTS;
    const e = this.events;
    this.events = [];
    return e;
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Sends queued QoS 1/2 messages while the window has room. */
  private sendQueued(now: number): void {
    if (this.writeBlocked) return; // they wait in the queue until the writer drains
    const window = this.window();
    for (let m = this.outgoing.next(window); m !== undefined; m = this.outgoing.next(window)) {
      this.transmit(m, now);
    }
  }

  /** Puts a message on the wire according to its state: PUBLISH (DUP if resent) or PUBREL. */
  private transmit(m: OutMessage, now: number): void {
    m.sentAt = now;
    if (m.state === 'released') {
      this.send({ type: 'pubrel', packetId: m.mid }, now);
      return;
    }
    const unsupported = this.unsupported(m.qos, m.retain);
    if (unsupported !== null) { // queued before this broker said what it supports
      this.log(MQTT_LOG_ERR, `Cannot publish message ${m.mid} to '${m.topic}': ${unsupported}`);
      this.outgoing.finish(m.mid);
      this.failMessage(m, MQTT_ERR_NOT_SUPPORTED);
      return;
    }
    let properties = m.properties;
    if (properties?.MessageExpiryInterval !== undefined) {
      const reduced = propertiesAtSend(properties, m.queuedAt, now);
      if (reduced === null && !m.everSent) {
        this.log(MQTT_LOG_WARNING, `Message ${m.mid} to '${m.topic}' expired before it could be sent (MessageExpiryInterval ${properties.MessageExpiryInterval} s); dropped`);
        this.outgoing.finish(m.mid);
        this.failMessage(m, MQTT_ERR_NOT_FOUND);
        return;
      }
      // A resend must complete its flow: at least 1 s (0 would mean "never expires" to some brokers).
      properties = reduced ?? { ...properties, MessageExpiryInterval: 1 };
    }
    const packet: PublishPacket = {
      type: 'publish', topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, dup: m.everSent,
      packetId: m.mid, properties,
    };
    if (!this.sendChecked(packet, now, null)) {
      this.outgoing.finish(m.mid);
      this.failMessage(m, MQTT_ERR_PAYLOAD_SIZE);
      return;
    }
    if (!m.everSent || m.state !== 'sent') {
      m.everSent = true;
      m.state = 'sent';
      this.journal(() => this.config.store.setState(m.mid, 'sent', true));
    }
  }

  /**
   * What the connected MQTT 5 broker refuses (CONNACK Maximum QoS, Retain Available): such a
   * message fails with MQTT_ERR_NOT_SUPPORTED rather than being downgraded behind the caller's back.
   */
  private unsupported(qos: QoS, retain: boolean): string | null {
    if (this.state !== 'connected') return null;
    return this.server.refuses(qos, retain);
  }

  private window(): number {
    return this.server.window(this.config.maxInflight);
  }

  send(p: Packet, now: number): void {
    if (this.logging) this.log(MQTT_LOG_DEBUG, describeSent(p, this.config.protocol));
    const buf = encode(p, this.config.protocol);
    this.out.push(buf);
    this.outBytes += buf.length;
    void now;
  }

  /**
   * Encodes a PUBLISH (with a topic alias when the server allows them); false (and a log
   * line) when the codec refuses it or it is over the server's Maximum Packet Size. A caller's
   * alias goes only where this connection allows it; elsewhere the full topic goes alone.
   */
  private sendChecked(p: PublishPacket, now: number, info: MQTTMessageInfo | null): boolean {
    const topic = p.topic;
    const plain = withoutAlias(p.properties);
    const aliases = this.outgoingAliases;
    const aliased = aliases !== null && this.state === 'connected' ? aliases.apply(p) : null;
    if (aliased === null) p.properties = withoutAlias(p.properties);
    try {
      if (this.server.maxPacketSize > 0 && publishPacketSize(p.topic, p.payload.length, p.qos, p.properties, this.config.protocol) > this.server.maxPacketSize) {
        // The alias's 3 bytes may be what tips it over: without one, the full topic may still fit.
        if (aliased === 'new') aliases!.undoNew();
        p.topic = topic;
        p.properties = plain;
        if (this.tooLarge(topic, p.payload, p.qos, plain)) {
          throw new ProtocolError('packet-too-large', `over the server's Maximum Packet Size of ${this.server.maxPacketSize} bytes`, 0x95);
        }
      }
      if (this.logging) this.log(MQTT_LOG_DEBUG, describeSent(p, this.config.protocol, info?.mid));
      // From the packet's fields into `out`; a payload over 4 KB is queued by reference, not copied.
      this.outBytes += encodePublishTo(this.out, p.topic, p.payload, p.qos, p.retain, p.dup, p.packetId, p.properties, this.config.protocol);
      return true;
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      if (aliased === 'new' && p.properties !== plain) aliases!.undoNew();
      this.log(MQTT_LOG_ERR, `Cannot send PUBLISH to '${topic}': ${e.message}`);
      if (info !== null) info._fail(MQTT_ERR_PAYLOAD_SIZE);
      return false;
    }
  }

  /** Whether a PUBLISH is over the server's Maximum Packet Size (§3.2.2.3.6: the whole packet, properties included). */
  private tooLarge(topic: string, payload: Buffer, qos: QoS, properties: PacketProperties | undefined): boolean {
    const size = this.server.oversize(topic, payload, qos, properties, this.config.protocol);
    if (size === 0) return false;
    this.log(MQTT_LOG_ERR, `Cannot publish to '${topic}': the packet is ${size} bytes, over the server's Maximum Packet Size of ${this.server.maxPacketSize}`);
    return true;
  }

  /** `unknownType`: the packet type number no packet has; paho logs its own line for that one. */
  protocolViolation(reason: string, reasonCode: number, now: number, unknownType?: number): void {
    this.log(MQTT_LOG_ERR, unknownType !== undefined ? unrecognisedCommand(unknownType) : `Protocol error from the broker: ${reason}`);
    // 3.1/3.1.1: just close (a DISCONNECT would cancel our will). 5.0: say why first.
    if (this.config.protocol === 5) {
      this.send({ type: 'disconnect', reasonCode: DISCONNECT_REASONS.has(reasonCode) ? reasonCode : 0x81 }, now);
    }
    this.closeConnection({ kind: 'close', rc: MQTT_ERR_PROTOCOL, reason });
  }

  /**
   * The one close transition: the driver is asked, once, to close the connection (after
   * writing what is queued), and no further input counts. Every end the session decides on
   * (refusal, protocol violation, keepalive, the server's DISCONNECT) goes through here.
   */
  closeConnection(ev: CloseEvent): void {
    if (!this.closeRequested) {
      this.closeRequested = true;
      this.events.push(ev);
    }
    this.state = 'disconnecting';
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
      this.storeErrors++;
      this.events.push({ kind: 'log', level: MQTT_LOG_ERR, text: `Outgoing-message store failed: ${(e as Error).message}` });
    }
  }

  /** Store updates that failed (see journal()). */
  storeErrors = 0;

  /** Queues an event for the driver (BoundsHost: QueueBounds' log lines). */
  pushEvent(ev: SessionEvent): void {
    this.events.push(ev);
  }

  /** Ends a QoS 1/2 message that will never complete (BoundsHost). */
  failMessage(m: OutMessage, rc: number): void {
    this.ids.release(m.mid);
    this.journal(() => this.config.store.delete(m.mid));
    m.info._fail(rc);
  }

  /**
   * The broker has no session for us (Session Present 0 on a resumed session): its packet-id
   * state is gone ([MQTT-3.2.2-5]) and it will not PUBREL the QoS 2 messages we received.
   * Outgoing flows go on as on a resumed session, as paho's do: a message sent before goes
   * again with DUP 1 (it may have been delivered: a re-delivery, [MQTT-3.3.1-1]); PUBRELs still
   * go out (the broker answers them, 0x92 on MQTT 5) so those flows complete.
   */
  private sessionLostByBroker(): void {
    this.incomingFlow.forget();
  }

  /**
   * Clean session: the broker keeps nothing of ours, so every unfinished message starts its
   * flow again from PUBLISH, with DUP if it was sent before, QoS 2 past PUBREC too (as paho
   * 1.6 and 2.x do): a broker that never got the PUBREL delivers it now; one that did and
   * whose PUBCOMP was lost delivers it twice, which no client can prevent on a clean session.
   * Incoming QoS 2 messages awaiting PUBREL are dropped, and held PUBCOMPs: the broker forgot them.
   */
  private startClean(): void {
    this.incomingFlow.forget();
    for (const m of this.outgoing.messages.values()) {
      if (m.state !== 'released') continue;
      m.state = 'sent';
      this.journal(() => this.config.store.setState(m.mid, 'sent', true));
    }
  }

  private restore(s: OutMessage | import('../store/types').StoredMessage): void {
    const msg: OutMessage = {
      ...s, info: new MQTTMessageInfo(s.mid), inFlight: false, done: false, sentAt: 0,
      bytes: s.payload.length + s.topic.length, queuedAt: NaN, // another process's clock: no expiry countdown
    };
    this.ids.claim(s.mid);
    this.outgoing.add(msg);
  }

  /**
   * Where log lines go at once instead of the event queue: the client sets it while it runs
   * callbacks, so what a callback sends is logged before the next received packet's line, as
   * paho (one packet at a time) logs it.
   */
  logTarget: { log(level: number, text: string): void } | null = null;

  log(level: number, text: string): void {
    if (!this.logging) return;
    if (this.logTarget !== null) this.logTarget.log(level, text);
    else this.events.push({ kind: 'log', level, text });
  }
}

/** Reason codes a protocol violation may close with (MQTT 5 DISCONNECT). */
const DISCONNECT_REASONS = new Set([0x81, 0x82, 0x94, 0x95]);

const NO_EVENTS: SessionEvent[] = [];
Object.freeze(NO_EVENTS);

export { EMPTY as EMPTY_PAYLOAD };
