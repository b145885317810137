/**
 * lib/session/: the sans-I/O MQTT protocol engine: bytes and `now` in, bytes and events out;
 * no sockets, no timers, no Date.now(). The driver (lib/client/) feeds it received bytes
 * (`receive`), writes what `takeOutgoing` returns, calls `tick(now)` when `nextDeadline()` is
 * due, and runs the callbacks for the events of `takeEvents` after each transition finished.
 *
 * This file, the Session: the connection life cycle, its deadlines (CONNACK, keepalive), and
 * dispatch of each received packet by type through the table below (which packets each state
 * accepts). Beside it: core.ts (what all parts share: state, output, the close transition),
 * outgoingFlow.ts and incomingFlow.ts (the QoS flows each way), queueLimits.ts and
 * queueBounds.ts (what may wait to be sent: QoS 1/2, and QoS 0 behind a blocked writer or, with
 * offlineQos0, until CONNACK), pendingRequests.ts (SUBSCRIBE, UNSUBSCRIBE), auth.ts (MQTT 5
 * AUTH), connect.ts (CONNECT/CONNACK rules), traffic.ts (the counters behind
 * Client.stats()), types.ts.
 */
import { MQTT_ERR_CONN_LOST, MQTT_ERR_KEEPALIVE, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTT_LOG_DEBUG } from '../constants';
import type { MQTTMessage, MQTTMessageInfo } from '../message';
import { ProtocolError } from '../protocol/errors';
import { Parser } from '../protocol/parser';
import type { ConnackPacket, Packet, PacketProperties, QoS, SubackPacket, Subscription, UnsubackPacket } from '../protocol/types';
import { closeRun, dropRun } from '../protocol/outputRuns';
import { AuthExchange } from './auth';
import { SessionCore } from './core';
import { clientMaxPacketSize, connackRefuses, connackRetry, connectProperties, checkDisconnectProperties, refusedRc } from './connect';
import type { HeldAcks } from './incoming';
import { IncomingFlow } from './incomingFlow';
import { describeReceived, reasonDetails } from './log';
import type { OutgoingMessages } from './outgoing';
import { OutgoingFlow } from './outgoingFlow';
import { NO_PENDING, PendingRequests } from './pendingRequests';
import type { SessionConfig, SessionHost, SessionState } from './types';

export type { CloseEvent, SessionConfig, SessionEvent, SessionState } from './types';
export { defaultSessionConfig } from './connect';

type PacketType = Packet['type'];

/**
 * Which packets from the server each state accepts, as h11's _state.py: dispatch (handle())
 * consults this before anything else, and a packet outside its state's row is a protocol
 * violation worded by refusal(). 'idle' accepts nothing: receive() drops its input undecoded,
 * as it drops whatever follows a close. 'disconnecting' after our own DISCONNECT still takes
 * what the broker sent before reading it, and CONNACK there is one CONNACK too many.
 * Each row lists the most frequent packets first: accepts() scans it for every packet.
 */
const AFTER_CONNACK: readonly PacketType[] = ['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'pingresp', 'suback', 'unsuback', 'auth', 'disconnect'];
export const ACCEPTS: Readonly<Record<SessionState, readonly PacketType[]>> = {
  idle: [],
  connecting: ['connack', 'auth'],
  connected: AFTER_CONNACK,
  disconnecting: AFTER_CONNACK,
};

/** Whether `state`'s row of ACCEPTS has `type` (a scan by identity: cheaper than a Set or keyed lookup per packet). */
function accepts(state: SessionState, type: PacketType): boolean {
  const row = ACCEPTS[state];
  for (let i = 0; i < row.length; i++) if (row[i] === type) return true;
  return false;
}

/** Why a packet its state does not accept is a protocol violation (the log line and close reason). */
function refusal(state: SessionState, type: PacketType): string {
  if (state === 'connecting') return `${type.toUpperCase()} received before CONNACK`;
  return type === 'connack' ? 'CONNACK received twice' : `unexpected ${type.toUpperCase()} from the server`;
}

const DEFAULT_CONNACK_TIMEOUT = 30;

/**
 * A clock value as the keepalive and CONNACK deadlines keep it: whole ms. The default clock
 * (performance.now()) has fractions, and one fractional value stored in a field makes that
 * field a boxed double in every Session (16 bytes each; idle memory per connection is
 * benchmarked); a whole number stays a small integer. A deadline moves by under 1 ms.
 */
function wholeMs(now: number): number {
  return Math.floor(now);
}

export class Session extends SessionCore implements SessionHost {
  /** Created by the first connection, then reset for each new one. */
  private parser: Parser | null = null;
  /** publish() through PUBACK/PUBCOMP (outgoingFlow.ts). */
  private readonly outgoingFlow = new OutgoingFlow(this);
  /** PUBLISH from the server through delivery and acknowledgement (incomingFlow.ts). */
  private readonly incomingFlow = new IncomingFlow(this);
  /** SUBSCRIBEs and UNSUBSCRIBEs waiting for their acks. */
  /** SUBSCRIBE/UNSUBSCRIBE awaiting their acks; made by the first (publish-only connections never need it: idle memory). */
  private requests: PendingRequests | null = null;
  /**
   * MQTT 5 enhanced authentication state (auth.ts), made by the first CONNECT that names an
   * Authentication Method: most connections never use it (idle memory per connection is a
   * measured limit). Without it, a throwaway exchange with no method answers as one would.
   */
  private auth: AuthExchange | null = null;

  /** When bytes were last written (keepalive), in whole ms (wholeMs). */
  private lastSent = 0;
  /** `now` of the last bytes received (keepalive; deferred acks count as sent then), in whole ms (wholeMs). */
  lastReceived = 0;
  /** When the outstanding PINGREQ was sent, or 0: the exact `now`, as the round trip (Client.stats()) is in µs. */
  private pingSentAt = 0;
  /** When the current connection's CONNECT was queued, in whole ms (wholeMs). */
  private connectStartedAt = 0;
  /** A CONNACK arrived on the current (or last) connection. */
  /** The keepalive in force: ours, or the broker's Server Keep Alive (MQTT 5). */
  private keepaliveMs = 0;
  /** MQTT 5 Session Expiry Interval in force: CONNECT's, or the one CONNACK imposed. */
  sessionExpiryInterval = 0;

  constructor(config: SessionConfig) {
    super(config);
    this.outgoingFlow.restore(config.store.load());
    // QoS 2 messages a killed process had PUBREC'd: their PUBRELs come if the session resumes.
    // MQTT 5 decides that per connection (Clean Start, set at each connect), so load them there
    // too; a clean start or Session Present 0 clears them (startConnection, onConnack).
    if ((!config.cleanSession || config.protocol === 5) && config.store.incoming !== undefined) {
      this.incomingFlow.restore(config.store.incoming.load());
    }
  }

  /** Every unfinished QoS 1/2 message, the in-flight window and the queue (outgoing.ts). */
  get outgoing(): OutgoingMessages {
    return this.outgoingFlow;
  }

  /** QoS 0 messages accepted while the writer is blocked (writeBlocked) or offline (offlineQos0), bounded by limits. */
  get qos0Waiting(): { readonly length: number; readonly bytes: number } {
    return this.outgoingFlow.qos0Waiting;
  }

  /** Outgoing messages dropped by the 'drop-oldest' policy. */
  get droppedMessages(): number {
    return this.outgoingFlow.droppedMessages;
  }

  /** Publishes refused by a full queue. */
  get rejectedMessages(): number {
    return this.outgoingFlow.rejectedMessages;
  }

  /** Incoming QoS 2 messages PUBREC'd and awaiting their PUBREL, by mid. */
  get incomingQos2(): ReadonlyMap<number, MQTTMessage> {
    return this.incomingFlow.pending;
  }

  /** Incoming acknowledgements the application holds (holdAcks). */
  get heldAcks(): HeldAcks {
    return this.incomingFlow.heldAcks;
  }

  /** SUBSCRIBEs waiting for their SUBACK, by mid. */
  get pendingSubscribes(): ReadonlyMap<number, Subscription[]> {
    return this.requests?.pendingSubscribes ?? NO_PENDING;
  }

  /** UNSUBSCRIBEs waiting for their UNSUBACK, by mid. */
  get pendingUnsubscribes(): ReadonlyMap<number, string[]> {
    return this.requests?.pendingUnsubscribes ?? NO_PENDING;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  // ---- connection life cycle -------------------------------------------------------------

  /** The transport is open: queue CONNECT and start waiting for CONNACK. */
  startConnection(now: number): void {
    const c = this.config;
    this.parser = new Parser({ protocolVersion: c.protocol, maxPacketSize: clientMaxPacketSize(c) || undefined, counter: this.traffic });
    this.state = 'connecting';
    this.closeRequested = false;
    this.connectStartedAt = wholeMs(now);
    this.lastReceived = wholeMs(now);
    this.pingSentAt = 0;
    this.keepaliveMs = c.keepalive * 1000;
    this.outgoingFlow.connectionStarted();
    this.incomingFlow.connectionStarted();
    const props = connectProperties(c);
    this.sessionExpiryInterval = props?.SessionExpiryInterval ?? 0;
    if (this.auth !== null || props?.AuthenticationMethod !== undefined) (this.auth ??= new AuthExchange(this)).start(props);
    if (c.cleanSession) {
      // The broker keeps nothing of ours: it will PUBREL none of the QoS 2 messages we kept,
      // and our own flows start again from PUBLISH (outgoingFlow.startClean()).
      this.incomingFlow.forget();
      this.outgoingFlow.startClean();
    }
    this.send({
      type: 'connect', protocolVersion: c.protocol, clientId: c.clientId, cleanSession: c.cleanSession,
      keepalive: c.keepalive, username: c.username, password: c.password, will: c.will, properties: props, bridge: c.bridge,
    }, now);
  }

  private onConnack(p: ConnackPacket, now: number): void {
    const refused = connackRefuses(p, this.config);
    const authProblem = refused ? null : (this.auth?.connackProblem(p.properties) ?? null);
    if (authProblem !== null) {
      this.protocolViolation(authProblem, 0x82, now);
      return;
    }
    const retry = connackRetry(p, this.config); // no on_connect for it, as paho
    if (retry !== null) {
      this.closeConnection(retry);
      return;
    }
    this.pushEvent({ kind: 'connack', sessionPresent: p.sessionPresent, reasonCode: p.reasonCode, properties: p.properties });
    if (refused) {
      this.closeConnection({ kind: 'close', rc: refusedRc(p), reason: `connection refused (${p.reasonCode}${reasonDetails(p.properties)})` });
      return;
    }
    if (p.sessionPresent && this.config.cleanSession) {
      // [MQTT-3.2.2-1] / 5.0 [MQTT-3.2.2-4]: we asked for a new session; the broker claims an old one.
      this.protocolViolation('CONNACK says a session is present in answer to a clean session', 0x82, now);
      return;
    }
    const props = p.properties;
    this.state = 'connected';
    this.traffic.connected(now - this.connectStartedAt);
    this.auth?.connected();
    if (props !== undefined) {
      this.outgoingFlow.connackAccepted(props);
      if (props.ServerKeepAlive !== undefined) this.keepaliveMs = props.ServerKeepAlive * 1000;
      if (props.SessionExpiryInterval !== undefined) this.sessionExpiryInterval = props.SessionExpiryInterval;
    }
    // Session Present 0 on a resumed session: the broker's packet-id state is gone
    // ([MQTT-3.2.2-5]) and it will not PUBREL the QoS 2 messages we received. Outgoing flows go
    // on as on a resumed session, as paho's do: a message sent before goes again with DUP 1 (it
    // may have been delivered: a re-delivery, [MQTT-3.3.1-1]); PUBRELs still go out (the broker
    // answers them, 0x92 on MQTT 5) so those flows complete.
    if (!p.sessionPresent) this.incomingFlow.forget();
    // QoS 0 queued offline (offlineQos0) first, in order, then the QoS 1/2 queue as the window allows.
    if (!this.writeBlocked) this.outgoingFlow.writeUnblocked(now);
  }

  /**
   * The transport closed, for any reason. Unfinished QoS 1/2 messages stay, clean session or
   * not: the next connection sends them again (paho does; startConnection() says how).
   */
  connectionLost(): void {
    if (this.state === 'idle') return;
    this.state = 'idle';
    this.traffic.connectionEnded();
    if (this.out !== null) dropRun(this.out);
    this.out = null;
    this.outBytes = 0;
    this.pingSentAt = 0;
    this.writeBlocked = false;
    this.outgoingFlow.connectionLost();
    this.incomingFlow.connectionLost(); // held QoS 1 acks go; QoS 2 state stays for a resumed session
    // SUBSCRIBE/UNSUBSCRIBE are never resent (paho does not either): their ids are free again.
    this.requests?.connectionLost();
    this.requests = null;
  }

  /** Throws ValueError for DISCONNECT properties the spec forbids (connect.ts). Call before any side effect. */
  checkDisconnect(properties?: PacketProperties): void {
    checkDisconnectProperties(this.config, properties);
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

  // ---- commands from the application (the flows in outgoingFlow.ts, incomingFlow.ts, auth.ts) --

  /** Accepts a message (outgoingFlow.ts): QoS 0 written now, QoS 1/2 sent as the window allows. */
  publish(topic: string, payload: Buffer, qos: QoS, retain: boolean, properties: PacketProperties | undefined, now: number): MQTTMessageInfo {
    return this.outgoingFlow.publish(topic, payload, qos, retain, properties, now);
  }

  /** A deliberate end with a clean session: nothing will ever complete the pending flows. */
  abandonPending(rc: number): void {
    this.outgoingFlow.abandonPending(rc);
  }

  /** QoS 0 messages still waiting to be written fail with `rc` (disconnect() with offlineQos0). */
  dropWaitingQos0(rc: number): void {
    this.outgoingFlow.dropWaitingQos0(rc);
  }

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

  /** MQTT 5 enhanced authentication: answers the server's AUTH 0x18; null gives up. */
  continueAuth(properties: PacketProperties | null | undefined, now: number): number {
    return this.auth === null ? MQTT_ERR_NO_CONN : this.auth.continueAuth(properties, now);
  }

  /** MQTT 5 re-authentication (AUTH 0x19). */
  reauthenticate(properties: PacketProperties | undefined, now: number): number {
    return (this.auth ?? new AuthExchange(this)).reauthenticate(properties, now);
  }

  /** SUBSCRIBE (pendingRequests.ts): [rc, mid]; not connected: [MQTT_ERR_NO_CONN, 0], as paho. */
  subscribe(subscriptions: Subscription[], properties: PacketProperties | undefined, now: number): [number, number] {
    return (this.requests ??= new PendingRequests(this)).subscribe(subscriptions, properties, now);
  }

  /** UNSUBSCRIBE (pendingRequests.ts): [rc, mid], as subscribe(). */
  unsubscribe(topics: string[], properties: PacketProperties | undefined, now: number): [number, number] {
    return (this.requests ??= new PendingRequests(this)).unsubscribe(topics, properties, now);
  }

  /** SUBACK, UNSUBACK (pendingRequests.ts); once none waits, the requests go (made again by the next SUBSCRIBE: idle memory). */
  private onRequestAck(p: SubackPacket | UnsubackPacket): void {
    const r = this.requests ?? new PendingRequests(this);
    if (p.type === 'suback') r.onSuback(p.packetId, p.reasonCodes, p.properties);
    else r.onUnsuback(p.packetId, p.reasonCodes ?? [], p.properties);
    this.requests = r.isEmpty ? null : r;
  }

  // ---- input -------------------------------------------------------------------------------

  /** Feeds received bytes. Malformed input ends in a 'close' event with MQTT_ERR_PROTOCOL. */
  receive(chunk: Buffer, now: number): void {
    if (this.state === 'idle' || this.closeRequested) return; // nothing counts after a fatal packet
    this.lastReceived = wholeMs(now);
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

  /** Dispatch by packet type, of the packets the state accepts (ACCEPTS). */
  private handle(p: Packet, now: number): void {
    if (this.logging) this.log(MQTT_LOG_DEBUG, describeReceived(p, this.config.protocol));
    if (p.type === 'publish' && p.qos === 0) this.receivedQos0++;
    else this.receivedOther++;
    if (!accepts(this.state, p.type)) {
      this.protocolViolation(refusal(this.state, p.type), 0x82, now);
      return;
    }
    switch (p.type) {
      case 'publish': return this.incomingFlow.onPublish(p, now);
      case 'puback': return this.outgoingFlow.onPuback(p.packetId, p.reasonCode ?? 0, p.properties, now);
      case 'pubrec': return this.outgoingFlow.onPubrec(p.packetId, p.reasonCode ?? 0, p.properties, now);
      case 'pubrel': return this.incomingFlow.onPubrel(p.packetId, now);
      case 'pubcomp': return this.outgoingFlow.onPubcomp(p.packetId, p.reasonCode ?? 0, p.properties, now);
      case 'connack': return this.onConnack(p, now);
      case 'suback':
      case 'unsuback': return this.onRequestAck(p);
      case 'pingresp':
        if (this.pingSentAt > 0) this.traffic.pinged(now - this.pingSentAt);
        this.pingSentAt = 0;
        return;
      case 'auth': return (this.auth ?? new AuthExchange(this)).received(p, now);
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
    if (now > this.lastReceived) this.lastReceived = wholeMs(now);
    this.pingSentAt = 0;
  }

  /** ms since the current connection's accepted CONNACK; null while not connected (Client.stats()). */
  connectedFor(now: number): number | null {
    const delay = this.traffic.connackDelay;
    return delay < 0 ? null : now - this.connectStartedAt - delay;
  }

  /** The next `now` at which tick() has work, or Infinity. */
  nextDeadline(): number {
    if (this.state === 'connecting') return this.connectStartedAt + this.connackTimeoutMs();
    if (this.state !== 'connected') return Infinity;
    let next = Infinity;
    if (this.keepaliveMs > 0) {
      const ka = this.keepaliveMs;
      next = this.pingSentAt > 0 ? Math.max(this.pingSentAt, this.lastReceived) + ka / 2 : this.lastSent + ka;
    }
    return Math.min(next, this.outgoingFlow.nextRetry());
  }

  /**
   * Runs what is due at `now`: CONNACK deadline, keepalive (PINGREQ after `keepalive`
   * seconds without sending; connection lost when nothing at all is received for half a
   * keepalive after it), MQTT 3.1 retries.
   */
  tick(now: number): void {
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
    this.outgoingFlow.retry(now);
  }

  private connackTimeoutMs(): number {
    const c = this.config;
    return (c.connackTimeout > 0 ? c.connackTimeout : c.keepalive > 0 ? c.keepalive : DEFAULT_CONNACK_TIMEOUT) * 1000;
  }

  // ---- output --------------------------------------------------------------------------------

  /** Everything queued for the wire since the last call, or null. Counts as sent at `now`. */
  takeOutgoing(now: number): Buffer[] | null {
    const out = this.out;
    if (out === null || out.length === 0) return null;
    closeRun(out);
    this.out = null;
    this.outBytes = 0;
    this.lastSent = wholeMs(now);
    this.outgoingFlow.written();
    return out;
  }

  /** The driver's writer is free again: waiting QoS 0 messages, then the queue, go out. */
  writeUnblocked(now: number): void {
    this.writeBlocked = false;
    this.outgoingFlow.writeUnblocked(now);
  }
}
