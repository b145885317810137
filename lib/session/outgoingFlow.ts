/**
 * The outgoing flows of a session: publish() through PUBACK (QoS 1) or PUBREC, PUBREL and
 * PUBCOMP (QoS 2). Unfinished QoS 1/2 messages live in the table of outgoing.ts (publish
 * order, the in-flight window, the queue behind it); their bounds and the QoS 0 queue of a
 * blocked writer in queueBounds.ts. Here: accepting a message, sending it as the window and
 * the broker's limits allow (serverLimits.ts, topic aliases), resending it (DUP) on a new
 * connection or after MQTT 3.1's retry interval, ending its flow at the broker's ack, and
 * journaling each step to the outgoing-message store.
 */
import {
  MQTT_ERR_CONN_LOST, MQTT_ERR_NO_CONN, MQTT_ERR_NOT_FOUND, MQTT_ERR_NOT_SUPPORTED, MQTT_ERR_PAYLOAD_SIZE, MQTT_ERR_QUEUE_SIZE,
  MQTT_LOG_DEBUG, MQTT_LOG_ERR, MQTT_LOG_WARNING,
} from '../constants';
import { MQTTMessageInfo } from '../message';
import { ProtocolError } from '../protocol/errors';
import type { PacketProperties, PublishPacket, QoS } from '../protocol/types';
import type { StoredMessage } from '../store/types';
import { CallerAliases } from './callerAliases';
import { propertiesAtSend } from './expiry';
import { describeSent, reasonDetails } from './log';
import { storeDelete, storeState } from './storeSteps';
import { OutgoingMessages, OutMessage } from './outgoing';
import { checkStoredId } from './packetIds';
import { publishPacketSize } from './packetSize';
import { BoundsHost, QueueBounds } from './queueBounds';
import type { WaitingQos0 } from './queueLimits';
import { announcesLimits, NO_LIMITS, ServerLimits } from './serverLimits';
import { TopicAliases, withoutAlias } from './topicAliases';
import type { SessionConfig, SessionEvent, SessionHost } from './types';

/**
 * The flow is the message table of outgoing.ts (Session.outgoing) plus the steps that move
 * messages through it: a subclass rather than a member, so a session holds one object for both.
 */
export class OutgoingFlow extends OutgoingMessages implements BoundsHost {
  /** The outgoing queue bounds (bounds), or null before a publish consulted them. */
  private queueBounds: QueueBounds | null = null;
  /**
   * The broker's limits (MQTT 5 CONNACK properties): the shared NO_LIMITS until a CONNACK
   * announces one (3.x brokers never do: an idle connection carries no object of defaults).
   */
  private server: ServerLimits = NO_LIMITS;
  /** Our topic aliases on this connection (MQTT 5), or null when the server allows none. */
  private aliases: TopicAliases | null = null;
  /** The aliases the caller set paho's way (properties.TopicAlias), alias -> topic, on this connection; made by the first such publish (idle memory). */
  private callerAliases: CallerAliases | null = null;
  /**
   * QoS 0 messages handed to the writer since the last takeOutgoing(): published once written.
   * Null when none: made by the first one after a write, as the [] takeOutgoing() used to leave (idle memory).
   */
  private qos0Written: MQTTMessageInfo[] | null = null;

  /** The Session itself, not closures over it: idle memory per connection is a measured limit. */
  constructor(private readonly session: SessionHost) {
    super();
  }

  /**
   * The outgoing queue bounds at publish(), the QoS 0 queue and the drop/refusal counts: made
   * by the first publish that consults them (an idle connection never does: idle memory is benchmarked).
   */
  get bounds(): QueueBounds {
    return (this.queueBounds ??= new QueueBounds(this));
  }

  /** Messages dropped (drop-oldest) and publishes refused by a full queue, without making the bounds. */
  get droppedMessages(): number {
    return this.queueBounds === null ? 0 : this.queueBounds.droppedMessages;
  }

  get rejectedMessages(): number {
    return this.queueBounds === null ? 0 : this.queueBounds.rejectedMessages;
  }

  /** The QoS 0 messages waiting (QueueBounds.qos0Waiting), without making the bounds. */
  get qos0Waiting(): { readonly length: number; readonly bytes: number } {
    return this.queueBounds === null ? NO_QOS0_WAITING : this.queueBounds.qos0Waiting;
  }

  /** Empties the QoS 0 queue (QueueBounds.takeQos0Waiting), without making the bounds. */
  private takeQos0Waiting(): readonly WaitingQos0[] {
    return this.queueBounds === null ? NO_WAITING_QOS0 : this.queueBounds.takeQos0Waiting();
  }

  get config(): SessionConfig {
    return this.session.config;
  }

  /** Queues a session event (BoundsHost: QueueBounds' log lines). */
  pushEvent(ev: SessionEvent): void {
    this.session.pushEvent(ev);
  }

  // ---- connection life cycle -------------------------------------------------------------

  /** Messages of an earlier process, from the store: resent on the next connection. */
  restore(stored: Iterable<StoredMessage>): void {
    for (const s of stored) {
      checkStoredId(s.mid, `a stored outgoing message (topic ${JSON.stringify(s.topic)})`);
      const msg: OutMessage = {
        ...s, info: new MQTTMessageInfo(s.mid), inFlight: false, done: false, sentAt: 0,
        bytes: s.payload.length + s.topic.length, queuedAt: NaN, // another process's clock: no expiry countdown
      };
      this.session.ids.claim(s.mid);
      this.add(msg);
    }
  }

  /** A new connection: the broker's limits and our aliases belong to the last one. */
  connectionStarted(): void {
    this.server = NO_LIMITS;
    this.aliases = null;
  }

  /** The broker accepted the connection: its limits, and the topic aliases it allows us. */
  connackAccepted(props: PacketProperties): void {
    if (announcesLimits(props)) (this.server = new ServerLimits()).fromConnack(props);
    if ((props.TopicAliasMaximum ?? 0) > 0) {
      this.aliases = new TopicAliases(props.TopicAliasMaximum!);
      if (this.session.config.autoTopicAlias === false) this.aliases.useCallerScheme();
    }
  }

  /**
   * The transport closed: QoS 0 messages not known written fail with MQTT_ERR_CONN_LOST (those
   * still waiting stay for the next connection with offlineQos0: they were never written);
   * unfinished QoS 1/2 messages go back in the queue, for the next connection, clean session
   * or not (paho does; startClean() says how); the caller's aliases go with the connection.
   */
  connectionLost(): void {
    const written = this.qos0Written;
    this.qos0Written = null;
    if (written !== null) for (const info of written) info._fail(MQTT_ERR_CONN_LOST);
    if (this.queueBounds !== null && !this.queueBounds.offlineQos0) this.dropWaitingQos0(MQTT_ERR_CONN_LOST); // no bounds: none waits
    this.requeueAll();
    this.callerAliases = null;
  }

  /**
   * Clean session: the broker keeps nothing of ours, so every unfinished message starts its
   * flow again from PUBLISH, with DUP if it was sent before, QoS 2 past PUBREC too (as paho
   * 1.6 and 2.x do): a broker that never got the PUBREL delivers it now; one that did and
   * whose PUBCOMP was lost delivers it twice, which no client can prevent on a clean session.
   */
  startClean(): void {
    const store = this.session.config.store;
    for (const m of this.messages.values()) {
      if (m.state !== 'released') continue;
      m.state = 'sent';
      this.session.journal(() => store.setState(m.mid, 'sent', true));
    }
  }

  /** QoS 0 messages still waiting to be written fail with `rc` (the connection is gone, or disconnect()). */
  dropWaitingQos0(rc: number): void {
    for (const w of this.takeQos0Waiting()) w.info._fail(rc);
  }

  /** A deliberate end with a clean session: nothing will ever complete the pending flows. */
  abandonPending(rc: number): void {
    for (const m of this.drain()) this.failMessage(m, rc);
    const store = this.session.config.store;
    this.session.journal(() => store.clear());
  }

  // ---- publish -----------------------------------------------------------------------------

  /**
   * Accepts a message. QoS 0 is written at once if connected, else refused with
   * MQTT_ERR_NO_CONN, or with offlineQos0 queued (bounded) until CONNACK. QoS 1/2 is accepted whenever the queue bound allows, sent as soon as
   * the window and the connection allow, and resent until acknowledged.
   */
  publish(topic: string, payload: Buffer, qos: QoS, retain: boolean, properties: PacketProperties | undefined, now: number): MQTTMessageInfo {
    const s = this.session;
    const alias = properties?.TopicAlias;
    if (alias !== undefined || topic === '') {
      // The caller's alias (paho's way): the message keeps its full topic and a snapshot of its properties.
      topic = (this.callerAliases ??= new CallerAliases()).resolve(topic, alias, s.config.protocol === 5, s.state === 'connected' ? (this.aliases?.max ?? 0) : null);
      properties = { ...properties };
      if (s.state === 'connected') this.aliases?.useCallerScheme();
    }
    if (this.server.maxPacketSize > 0 && this.tooLarge(topic, payload, qos, withoutAlias(properties))) {
      return new MQTTMessageInfo(0, MQTT_ERR_PAYLOAD_SIZE);
    }
    const unsupported = this.unsupported(qos, retain);
    if (unsupported !== null) {
      s.log(MQTT_LOG_ERR, `Cannot publish to '${topic}': ${unsupported}`);
      return new MQTTMessageInfo(0, MQTT_ERR_NOT_SUPPORTED);
    }
    if (qos === 0) {
      const mid = s.ids.next(); // QoS 0 carries no id; paho still reports one
      if (s.state !== 'connected') {
        // offlineQos0: no accepted connection, so it waits for CONNACK, behind those waiting already.
        if (this.bounds.offlineQos0) return this.bounds.queueQos0(topic, payload, retain, properties, mid);
        // Written while CONNECT is outstanding too: the broker reads it after CONNECT, as with paho.
        if (s.state !== 'connecting') return new MQTTMessageInfo(mid, MQTT_ERR_NO_CONN);
      }
      if (s.writeBlocked) return this.bounds.queueQos0(topic, payload, retain, properties, mid);
      const packet: PublishPacket = { type: 'publish', topic, payload, qos: 0, retain, dup: false, properties };
      const info = new MQTTMessageInfo(mid);
      if (!this.sendChecked(packet, now, info)) return info;
      (this.qos0Written ??= []).push(info);
      return info;
    }
    if (!this.bounds.makeRoomQueued(payload.length + topic.length)) return this.bounds.rejected(0, 'QoS 1/2');
    const mid = s.ids.allocate();
    if (mid === 0) return new MQTTMessageInfo(0, MQTT_ERR_QUEUE_SIZE);
    const msg: OutMessage = {
      mid, topic, payload, qos, retain, properties, state: 'queued', everSent: false,
      info: new MQTTMessageInfo(mid), inFlight: false, done: false, sentAt: 0, bytes: payload.length + topic.length, queuedAt: now,
    };
    try {
      s.config.store.put(msg); // a durable store writes it here: the error reaches the caller, nothing is half-done
    } catch (e) {
      s.ids.release(mid);
      throw e;
    }
    this.add(msg);
    if (s.state === 'connected') this.sendQueued(now);
    return msg.info;
  }

  /** The writer took the output: the QoS 0 messages in it are published. */
  written(): void {
    const written = this.qos0Written;
    if (written === null) return;
    this.qos0Written = null;
    for (const info of written) {
      info._complete();
      this.session.pushEvent({ kind: 'published', mid: info.mid, reasonCode: 0 });
    }
  }

  /**
   * The driver's writer is free again, or (offlineQos0) CONNACK accepted the connection: QoS 0
   * messages that waited are encoded (in order) and go out with the next takeOutgoing(), then
   * the QoS 1/2 queue as the window allows. With offlineQos0 they wait on until CONNACK.
   */
  writeUnblocked(now: number): void {
    const s = this.session;
    if (s.state !== 'connected' && this.qos0Waiting.length > 0 && this.bounds.offlineQos0) return;
    for (const w of this.takeQos0Waiting()) {
      if (s.state !== 'connected' && s.state !== 'connecting') {
        w.info._fail(MQTT_ERR_CONN_LOST);
        continue;
      }
      const refused = this.unsupported(0, w.retain); // queued offline, before this broker said what it supports
      if (refused !== null) {
        s.log(MQTT_LOG_ERR, `Cannot publish to '${w.topic}': ${refused}`);
        w.info._fail(MQTT_ERR_NOT_SUPPORTED);
        continue;
      }
      const packet: PublishPacket = { type: 'publish', topic: w.topic, payload: w.payload, qos: 0, retain: w.retain, dup: false, properties: w.properties };
      if (this.sendChecked(packet, now, w.info)) (this.qos0Written ??= []).push(w.info);
    }
    if (s.state === 'connected') this.sendQueued(now);
  }

  // ---- the broker's acknowledgements ----------------------------------------------------------

  onPuback(mid: number, reasonCode: number, properties: PacketProperties | undefined, now: number): void {
    const m = this.get(mid);
    if (m === undefined) {
      if (this.session.logging) this.session.log(MQTT_LOG_WARNING, `Received PUBACK for unknown message id ${mid}`);
      return;
    }
    if (m.qos === 2) this.warnAckMismatch(m, 'PUBACK');
    this.complete(m, reasonCode, properties, now);
  }

  onPubrec(mid: number, reasonCode: number, properties: PacketProperties | undefined, now: number): void {
    const s = this.session;
    const m = this.get(mid);
    if (m === undefined) {
      // Unknown id: release it anyway so the broker can finish its side.
      s.send({ type: 'pubrel', packetId: mid, reasonCode: s.config.protocol === 5 ? 0x92 : 0 }, now);
      return;
    }
    if (m.qos === 1) this.warnAckMismatch(m, 'PUBREC');
    if (reasonCode >= 0x80) { // MQTT 5: the broker refused the message; the flow ends here
      this.complete(m, reasonCode, properties, now);
      return;
    }
    if (m.state !== 'released') {
      m.state = 'released';
      storeState(this.session, mid, 'released');
    }
    s.sendAck('pubrel', mid);
    m.sentAt = now;
  }

  onPubcomp(mid: number, reasonCode: number, properties: PacketProperties | undefined, now: number): void {
    const m = this.get(mid);
    if (m === undefined) {
      if (this.session.logging) this.session.log(MQTT_LOG_WARNING, `Received PUBCOMP for unknown message id ${mid}`);
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
    this.session.log(MQTT_LOG_WARNING, `Received ${ack} for QoS ${m.qos} message ${m.mid} to '${m.topic}': the broker handled it as ${served}`);
  }

  /** The message's flow ended: free its state, settle its info, refill the window. */
  private complete(m: OutMessage, reasonCode: number, properties: PacketProperties | undefined, now: number): void {
    const s = this.session;
    this.finish(m);
    s.ids.release(m.mid);
    storeDelete(this.session, m.mid);
    m.info._complete();
    if (reasonCode >= 0x80) {
      s.log(MQTT_LOG_WARNING, `Message ${m.mid} to '${m.topic}' was refused by the broker: reason 0x${reasonCode.toString(16)}${reasonDetails(properties)}`);
    }
    s.pushEvent({ kind: 'published', mid: m.mid, reasonCode, properties });
    if (s.state === 'connected') this.sendQueued(now);
  }

  /** Ends a QoS 1/2 message that will never complete (BoundsHost): its id, its store record, its info. */
  failMessage(m: OutMessage, rc: number): void {
    const s = this.session;
    s.ids.release(m.mid);
    storeDelete(this.session, m.mid);
    m.info._fail(rc);
  }

  // ---- sending ---------------------------------------------------------------------------------

  /** Sends queued QoS 1/2 messages while the window has room. */
  sendQueued(now: number): void {
    if (this.session.writeBlocked) return; // they wait in the queue until the writer drains
    const window = this.server.window(this.session.config.maxInflight);
    for (let m = this.next(window); m !== undefined; m = this.next(window)) {
      this.transmit(m, now);
    }
  }

  /** MQTT 3.1: when the oldest in-flight message is due for its timed resend, or Infinity. */
  nextRetry(): number {
    const c = this.session.config;
    let next = Infinity;
    if (c.protocol === 3 && c.retrySeconds > 0) {
      for (const m of this.messages.values()) {
        if (m.inFlight) next = Math.min(next, m.sentAt + c.retrySeconds * 1000);
      }
    }
    return next;
  }

  /** MQTT 3.1: resends every in-flight message unacknowledged for the retry interval. */
  retry(now: number): void {
    const c = this.session.config;
    if (c.protocol === 3 && c.retrySeconds > 0) {
      for (const m of this.messages.values()) {
        if (m.inFlight && now >= m.sentAt + c.retrySeconds * 1000) this.transmit(m, now);
      }
    }
  }

  /** Puts a message on the wire according to its state: PUBLISH (DUP if resent) or PUBREL. */
  private transmit(m: OutMessage, now: number): void {
    const s = this.session;
    m.sentAt = now;
    if (m.state === 'released') {
      s.sendAck('pubrel', m.mid);
      return;
    }
    const unsupported = this.unsupported(m.qos, m.retain);
    if (unsupported !== null) { // queued before this broker said what it supports
      s.log(MQTT_LOG_ERR, `Cannot publish message ${m.mid} to '${m.topic}': ${unsupported}`);
      this.finish(m);
      this.failMessage(m, MQTT_ERR_NOT_SUPPORTED);
      return;
    }
    let properties = m.properties;
    if (properties?.MessageExpiryInterval !== undefined) {
      const reduced = propertiesAtSend(properties, m.queuedAt, now);
      if (reduced === null && !m.everSent) {
        s.log(MQTT_LOG_WARNING, `Message ${m.mid} to '${m.topic}' expired before it could be sent (MessageExpiryInterval ${properties.MessageExpiryInterval} s); dropped`);
        this.finish(m);
        this.failMessage(m, MQTT_ERR_NOT_FOUND);
        return;
      }
      // A resend must complete its flow: at least 1 s (0 would mean "never expires" to some brokers).
      properties = reduced ?? { ...properties, MessageExpiryInterval: 1 };
    }
    if (!(properties === undefined ? this.sendPlain(m, now) : this.sendChecked(this.packetOf(m, properties), now, null))) {
      this.finish(m);
      this.failMessage(m, MQTT_ERR_PAYLOAD_SIZE);
      return;
    }
    if (!m.everSent || m.state !== 'sent') {
      m.everSent = true;
      m.state = 'sent';
      storeState(this.session, m.mid, 'sent');
    }
  }

  /**
   * A QoS 1/2 PUBLISH without properties: straight from the message's fields while there is no
   * topic alias to apply and no Maximum Packet Size to check (MQTT 3.x always) and nobody logs,
   * with no packet object; else through sendChecked(). False when the codec refuses it.
   */
  private sendPlain(m: OutMessage, now: number): boolean {
    const s = this.session;
    if (this.aliases !== null || this.server.maxPacketSize > 0 || s.logging) return this.sendChecked(this.packetOf(m, undefined), now, null);
    try {
      s.sendPublish(m.topic, m.payload, m.qos, m.retain, m.everSent, m.mid, undefined);
      return true;
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      s.log(MQTT_LOG_ERR, `Cannot send PUBLISH to '${m.topic}': ${e.message}`);
      return false;
    }
  }

  private packetOf(m: OutMessage, properties: PacketProperties | undefined): PublishPacket {
    return {
      type: 'publish', topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, dup: m.everSent,
      packetId: m.mid, properties,
    };
  }

  /**
   * What the connected MQTT 5 broker refuses (CONNACK Maximum QoS, Retain Available): such a
   * message fails with MQTT_ERR_NOT_SUPPORTED rather than being downgraded behind the caller's back.
   */
  private unsupported(qos: QoS, retain: boolean): string | null {
    if (this.session.state !== 'connected') return null;
    return this.server.refuses(qos, retain);
  }

  /**
   * Encodes a PUBLISH (with a topic alias when the server allows them); false (and a log
   * line) when the codec refuses it or it is over the server's Maximum Packet Size. A caller's
   * alias goes only where this connection allows it; elsewhere the full topic goes alone.
   */
  private sendChecked(p: PublishPacket, now: number, info: MQTTMessageInfo | null): boolean {
    const s = this.session;
    const topic = p.topic;
    const plain = withoutAlias(p.properties);
    const aliases = this.aliases;
    const aliased = aliases !== null && s.state === 'connected' ? aliases.apply(p) : null;
    if (aliased === null) p.properties = withoutAlias(p.properties);
    try {
      if (this.server.maxPacketSize > 0 && publishPacketSize(p.topic, p.payload.length, p.qos, p.properties, s.config.protocol) > this.server.maxPacketSize) {
        // The alias's 3 bytes may be what tips it over: without one, the full topic may still fit.
        if (aliased === 'new') aliases!.undoNew();
        p.topic = topic;
        p.properties = plain;
        if (this.tooLarge(topic, p.payload, p.qos, plain)) {
          throw new ProtocolError('packet-too-large', `over the server's Maximum Packet Size of ${this.server.maxPacketSize} bytes`, 0x95);
        }
      }
      if (s.logging) s.log(MQTT_LOG_DEBUG, describeSent(p, s.config.protocol, info?.mid));
      s.sendPublish(p.topic, p.payload, p.qos, p.retain, p.dup, p.packetId, p.properties);
      return true;
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      if (aliased === 'new' && p.properties !== plain) aliases!.undoNew();
      s.log(MQTT_LOG_ERR, `Cannot send PUBLISH to '${topic}': ${e.message}`);
      if (info !== null) info._fail(MQTT_ERR_PAYLOAD_SIZE);
      return false;
    }
  }

  /** Whether a PUBLISH is over the server's Maximum Packet Size (§3.2.2.3.6: the whole packet, properties included). */
  private tooLarge(topic: string, payload: Buffer, qos: QoS, properties: PacketProperties | undefined): boolean {
    const size = this.server.oversize(topic, payload, qos, properties, this.session.config.protocol);
    if (size === 0) return false;
    this.session.log(MQTT_LOG_ERR, `Cannot publish to '${topic}': the packet is ${size} bytes, over the server's Maximum Packet Size of ${this.server.maxPacketSize}`);
    return true;
  }
}

const NO_QOS0_WAITING = { length: 0, bytes: 0 } as const;
const NO_WAITING_QOS0: readonly WaitingQos0[] = [];
