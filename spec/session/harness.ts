/**
 * A scripted broker for the sans-I/O session engine, in the paho test style: the spec plays
 * the broker, feeds it exact packets and asserts on the exact packets the client sends.
 *
 * Time is a plain number (milliseconds) held by the harness: `at(ms)` / `advance(ms)` move it,
 * and every engine call gets it, so there are no timers anywhere.
 *
 *   const b = new ScriptedBroker({ clientId: 'c1', keepalive: 60 });
 *   b.connectAndAccept();                       // CONNECT out, CONNACK in
 *   b.s.publish('a/b', Buffer.from('x'), 1, false, undefined, b.now);
 *   expect(b.sentPackets()).toEqual([publish(...)]);
 *   b.brokerSends({ type: 'puback', packetId: 1 });
 *   expect(b.events()).toEqual([...]);
 */
import { encode, Parser } from '../../lib/protocol';
import type { Packet, PacketProperties, ProtocolLevel, PublishPacket, QoS } from '../../lib/protocol/types';
import { defaultSessionConfig, Session } from '../../lib/session/session';
import type { SessionConfig, SessionEvent } from '../../lib/session/session';
export { settled } from '../support/wait';

export type NonLogEvent = Exclude<SessionEvent, { kind: 'log' }>;

export class ScriptedBroker {
  readonly s: Session;
  readonly level: ProtocolLevel;
  now: number;
  /** Every event taken so far, in order (logs included). */
  readonly history: SessionEvent[] = [];

  constructor(config: Partial<SessionConfig> = {}, start = 1_000_000) {
    this.s = new Session({ ...defaultSessionConfig(), clientId: 'c1', keepalive: 60, ...config });
    this.level = this.s.config.protocol;
    this.now = start;
  }

  // ---- the clock -----------------------------------------------------------------------------

  /** Sets the clock to `ms` (absolute) and runs the session's deadlines. */
  at(ms: number): this {
    this.now = ms;
    this.s.tick(ms);
    return this;
  }

  /** Moves the clock forward and runs the session's deadlines. */
  advance(ms: number): this {
    return this.at(this.now + ms);
  }

  // ---- what the client writes ----------------------------------------------------------------

  /** Takes what the session queued (counts as written at `now`) and decodes it. */
  sentPackets(): Packet[] {
    const bufs = this.s.takeOutgoing(this.now);
    if (bufs === null) return [];
    return new Parser({ protocolVersion: this.level }).feed(Buffer.concat(bufs));
  }

  /** The raw bytes queued, or null (counts as written at `now`). */
  sentBytes(): Buffer | null {
    const bufs = this.s.takeOutgoing(this.now);
    return bufs === null ? null : Buffer.concat(bufs);
  }

  // ---- what the broker sends -----------------------------------------------------------------

  brokerSends(...packets: Packet[]): this {
    if (packets.length === 0) return this;
    this.s.receive(Buffer.concat(packets.map((p) => encode(p, this.level))), this.now);
    return this;
  }

  brokerSendsRaw(bytes: Buffer): this {
    this.s.receive(bytes, this.now);
    return this;
  }

  // ---- events ----------------------------------------------------------------------------------

  /** Drains the events, without log lines. */
  events(): NonLogEvent[] {
    const e = this.s.takeEvents();
    this.history.push(...e);
    return e.filter((x): x is NonLogEvent => x.kind !== 'log');
  }

  /** Drains the events, log lines included. */
  allEvents(): SessionEvent[] {
    const e = this.s.takeEvents();
    this.history.push(...e);
    return [...e];
  }

  // ---- scripted steps ------------------------------------------------------------------------

  /** startConnection; returns what it wrote (the CONNECT, then anything queued behind it). */
  connect(): Packet[] {
    this.s.startConnection(this.now);
    return this.sentPackets();
  }

  /**
   * CONNECT out, CONNACK (accepted) in. Returns the packets the client sent after the CONNACK
   * (resends, queued messages), and leaves the connack event drained.
   */
  connectAndAccept(sessionPresent = false, properties?: PacketProperties): Packet[] {
    const sent = this.connect();
    if (sent.length < 1 || sent[0].type !== 'connect') {
      throw new Error(`expected CONNECT first, got ${JSON.stringify(sent.map((p) => p.type))}`);
    }
    this.brokerSends({ type: 'connack', sessionPresent, reasonCode: 0, properties });
    const ev = this.events();
    const connack = ev.find((e) => e.kind === 'connack');
    if (connack === undefined) throw new Error(`no connack event: ${JSON.stringify(ev)}`);
    return this.sentPackets();
  }

  publish(topic: string, payload: string | Buffer, qos: QoS, retain = false, properties?: PacketProperties) {
    return this.s.publish(topic, typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain, properties, this.now);
  }

  /** Acknowledges every QoS 1/2 packet in `packets` the way a broker would (PUBACK, PUBREC, PUBCOMP). */
  ackAll(packets: Packet[]): void {
    const acks: Packet[] = [];
    for (const p of packets) {
      if (p.type === 'publish' && p.qos === 1) acks.push({ type: 'puback', packetId: p.packetId! });
      else if (p.type === 'publish' && p.qos === 2) acks.push({ type: 'pubrec', packetId: p.packetId! });
      else if (p.type === 'pubrel') acks.push({ type: 'pubcomp', packetId: p.packetId });
    }
    this.brokerSends(...acks);
  }
}

// ---- packet builders (what the parser reports, so toEqual compares exactly) --------------------

export function pub(topic: string, payload: string | Buffer, qos: QoS, packetId?: number,
  opts: { dup?: boolean; retain?: boolean; properties?: PacketProperties } = {}): PublishPacket {
  const p: PublishPacket = {
    type: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos,
    retain: opts.retain ?? false, dup: opts.dup ?? false,
  };
  if (qos > 0) p.packetId = packetId;
  if (opts.properties !== undefined) p.properties = opts.properties;
  return p;
}

/** An ack as the parser reports it: reasonCode 0 filled in. */
export function ack(type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', packetId: number, reasonCode = 0): Packet {
  return { type, packetId, reasonCode } as Packet;
}

/** Raw PUBLISH bytes, for packets the encoder refuses to build (QoS 3, wildcard topics). */
export function rawPublish(firstByte: number, topic: string, packetId: number | null, payload: string, v5Props?: Buffer): Buffer {
  const t = Buffer.from(topic);
  const parts: Buffer[] = [Buffer.from([t.length >> 8, t.length & 0xff]), t];
  if (packetId !== null) parts.push(Buffer.from([packetId >> 8, packetId & 0xff]));
  if (v5Props !== undefined) parts.push(v5Props);
  parts.push(Buffer.from(payload));
  const body = Buffer.concat(parts);
  if (body.length > 127) throw new Error('rawPublish: keep it short');
  return Buffer.concat([Buffer.from([firstByte, body.length]), body]);
}

export function types(packets: Packet[]): string[] {
  return packets.map((p) => p.type);
}

export function ids(packets: Packet[]): number[] {
  return packets.map((p) => (p as { packetId?: number }).packetId ?? 0);
}
