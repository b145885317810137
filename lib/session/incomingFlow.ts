/**
 * The incoming flows of a session: a PUBLISH from the server through its delivery and its
 * acknowledgement. QoS 0 and 1 are delivered on receipt (the PUBACK goes then, or after the
 * handler with holdAcks). QoS 2 is PUBREC'd on receipt, kept by packet id until the PUBREL
 * (incoming.ts) and delivered then, as paho does; PUBCOMP follows. Also here: the server's
 * topic aliases, the acknowledgements the application holds, and the journal a durable store
 * keeps of QoS 2 messages until the application is done with them.
 */
import { MQTTMessage } from '../message';
import type { PacketProperties, PublishPacket } from '../protocol/types';
import type { StoredIncoming } from '../store/types';
import { AwaitingRelease, HeldAcks } from './incoming';
import { checkStoredId } from './packetIds';
import type { SessionHost } from './types';

/**
 * The flow is the table of QoS 2 messages awaiting PUBREL (incoming.ts, Session.incomingQos2)
 * plus the steps around it: a subclass rather than a member, so a session holds one object for both.
 */
export class IncomingFlow extends AwaitingRelease {
  /** Incoming acknowledgements the application holds (holdAcks); made by the first (idle memory is benchmarked). */
  private held: HeldAcks | null = null;
  /** Topic aliases the broker set up for its PUBLISHes (MQTT 5), alias -> topic. */
  private aliases: Map<number, string> | null = null; // created on the first alias the server sets

  /** The Session itself, not closures over it: idle memory per connection is a measured limit. */
  constructor(private readonly session: SessionHost) {
    super();
  }

  /** The held acknowledgements, to read (the shared empty NO_HELD_ACKS before the first). */
  get heldAcks(): HeldAcks {
    return this.held ?? NO_HELD_ACKS;
  }

  /** QoS 2 messages a killed process had PUBREC'd: their PUBRELs come if the session resumes. */
  restore(stored: Iterable<StoredIncoming>): void {
    for (const m of stored) {
      checkStoredId(m.mid, 'a stored incoming QoS 2 message');
      this.received(restoredIncoming(m));
    }
  }

  /** A new connection: the server's aliases belong to the last one. */
  connectionStarted(): void {
    this.aliases = null;
  }

  /**
   * QoS 1 acks still held are never sent on a new connection (the broker resends those
   * messages); QoS 2 messages awaiting PUBREL and held PUBCOMPs stay for a resumed session,
   * whose broker resends the PUBRELs (paho keeps its _in_messages too). forget() drops them.
   */
  connectionLost(): void {
    this.held?.connectionLost();
  }

  /** A PUBLISH from the server. */
  onPublish(p: PublishPacket, now: number): void {
    const s = this.session;
    const alias = p.properties?.TopicAlias;
    if (alias !== undefined && !this.resolveAlias(p, alias, now)) return;
    const qos = p.qos;
    const mid = p.packetId ?? 0;
    if (qos === 2) {
      // Exactly once, paho's way: PUBREC now, delivery at PUBREL. A resend before PUBREL
      // (DUP or not, [MQTT-4.3.3-10]) replaces the kept message and is answered again.
      const m = this.message(p, mid, now);
      this.received(m);
      this.journalIncoming(m, p.properties);
      if (s.holdAcks && s.messagesQueued > 0) s.pushEvent({ kind: 'pubrec', mid });
      else s.sendAck('pubrec', mid);
      return;
    }
    this.deliver(p, mid, now);
    if (qos === 1 && !s.holdAcks) s.sendAck('puback', mid);
  }

  /**
   * holdAcks: the message's handler returned at once; its PUBACK/PUBCOMP goes out now. Only
   * for a message of the current connection, delivered in the same turn it was received.
   */
  ackNow(m: MQTTMessage): void {
    if (m.qos === 2) this.incomingDone(m.mid);
    this.session.sendAck(m.qos === 2 ? 'pubcomp' : 'puback', m.mid);
  }

  /** holdAcks: the message's acknowledgement waits (async handler, manual ack) until ackMessage()/ack(). */
  holdAck(m: MQTTMessage): void {
    (this.held ??= new HeldAcks()).hold(m);
  }

  /**
   * Sends the held PUBACK/PUBCOMP of a delivered message (holdAcks). False when it is not held
   * (already acknowledged, QoS 0, QoS 1 received on an earlier connection, or a QoS 2 message
   * whose session the broker dropped).
   */
  ackMessage(m: MQTTMessage, now: number): boolean {
    if (this.held === null || !this.held.releaseMessage(m)) return false;
    this.sendHeldAck(m.mid, m.qos);
    return true;
  }

  /** paho 2.x's ack(mid, qos): sends the held PUBACK (QoS 1) or PUBCOMP (QoS 2) of `mid`; false when none is held. */
  ack(mid: number, qos: number, now: number): boolean {
    if (this.held === null || !this.held.release(mid, qos)) return false;
    this.sendHeldAck(mid, qos);
    return true;
  }

  /** Offline, a PUBCOMP is owed: the broker's resent PUBREL gets it (a QoS 1 PUBLISH comes again instead). */
  private sendHeldAck(mid: number, qos: number): void {
    if (qos === 2) this.incomingDone(mid);
    if (this.session.state !== 'connected') {
      if (qos === 2) this.owe(mid);
      return;
    }
    this.session.sendAck(qos === 2 ? 'pubcomp' : 'puback', mid);
  }

  /**
   * MQTT 5 Topic Alias (§3.3.2.3.4): a topic sets the alias, an empty topic uses it. An alias
   * above the Topic Alias Maximum we announced (0 unless connect properties set one) is an error.
   */
  private resolveAlias(p: PublishPacket, alias: number, now: number): boolean {
    const max = this.session.config.connectProperties?.TopicAliasMaximum ?? 0;
    if (alias > max) {
      this.session.protocolViolation(`Topic Alias ${alias} is above our Topic Alias Maximum ${max}`, 0x94, now);
      return false;
    }
    if (p.topic !== '') {
      (this.aliases ??= new Map<number, string>()).set(alias, p.topic);
      return true;
    }
    const topic = this.aliases?.get(alias);
    if (topic === undefined) {
      this.session.protocolViolation(`Topic Alias ${alias} was never set`, 0x82, now);
      return false;
    }
    p.topic = topic;
    return true;
  }

  private deliver(p: PublishPacket, mid: number, now: number): void {
    this.session.pushMessage(this.message(p, mid, now));
  }

  /** The driver's turn for a deferred PUBREC ('pubrec' event), after the acks of the messages before it. */
  sendPubrec(mid: number): void {
    if (this.session.state === 'connected') this.session.sendAck('pubrec', mid);
  }

  private message(p: PublishPacket, mid: number, now: number): MQTTMessage {
    return new MQTTMessage(p.topic, p.payload, p.qos, p.retain, mid, p.dup, now / 1000, p.properties);
  }

  /** PUBREL: the kept QoS 2 message is delivered, then PUBCOMP (with holdAcks, after its handler). */
  onPubrel(mid: number, now: number): void {
    const s = this.session;
    const m = this.release(mid);
    if (m !== undefined) {
      s.pushMessage(m);
      if (!s.holdAcks) {
        this.incomingDone(mid);
        s.sendAck('pubcomp', mid);
      }
      return;
    }
    if (this.held !== null && this.held.holdsQos2(mid)) return; // delivered; its PUBCOMP goes out with the application's ack
    const owed = this.takeOwed(mid);
    // Unknown id (its PUBCOMP was lost, or never delivered here: paho answers too, so the broker
    // does not hang): complete it anyway; MQTT 5 says why (0x92 Packet Identifier not found).
    s.send({ type: 'pubcomp', packetId: mid, reasonCode: owed || s.config.protocol !== 5 ? 0 : 0x92 }, now);
  }

  /** The broker will PUBREL none of the QoS 2 messages we kept, nor wait for their PUBCOMPs. */
  forget(): void {
    this.clear();
    this.held?.clear();
    const incoming = this.session.config.store.incoming;
    if (incoming !== undefined) this.session.journal(() => incoming.clear());
  }

  /**
   * A durable store journals a QoS 2 message until the application is done with it: written
   * here, before its PUBREC (the client syncs the store before each socket write), so a process
   * killed before the PUBREL finds it again at the restart.
   */
  private journalIncoming(m: MQTTMessage, properties: PacketProperties | undefined): void {
    const incoming = this.session.config.store.incoming;
    if (incoming === undefined) return;
    const stored: StoredIncoming = { mid: m.mid, topic: m.topic, payload: m.payload, retain: m.retain, dup: m.dup };
    if (properties !== undefined) stored.properties = properties;
    this.session.journal(() => incoming.put(stored));
  }

  /**
   * The application is done with QoS 2 message `mid` (its PUBCOMP goes out now, or is owed):
   * its journal record goes. A kill before this line delivers it again after the restart (at
   * least once at a crash, never lost).
   */
  private incomingDone(mid: number): void {
    const incoming = this.session.config.store.incoming;
    if (incoming !== undefined) this.session.journal(() => incoming.delete(mid));
  }
}

/**
 * A journaled QoS 2 message of an earlier process. Its receipt time was on that process's
 * clock, which means nothing here: timestamp 0.
 */
function restoredIncoming(s: StoredIncoming): MQTTMessage {
  return new MQTTMessage(s.topic, s.payload, 2, s.retain, s.mid, s.dup, 0, s.properties);
}

/** No acknowledgement held: shared by every session before its first, and never written (holdAck() makes its own). */
const NO_HELD_ACKS = new HeldAcks();
