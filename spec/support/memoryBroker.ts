/**
 * The in-memory broker: a scripted broker on the in-memory transport (lib/transport/memory.ts),
 * for Client specs that need exact packets and a fake clock rather than a real broker.
 *
 * It decodes and records what the client writes (per connection), answers CONNECT and PINGREQ
 * as configured, and sends whatever packets the spec asks for. Configure it by its fields:
 * - `connackCode` (null: no CONNACK), `sessionPresent`, `connackProperties`;
 * - `afterConnack`: stay, close the socket, or send raw bytes;
 * - `answerPings`: PINGRESP or silence;
 * - `refuseSockets`: refuse the next N sockets (ECONNREFUSED);
 * - `onPacket`: scripted answers to any packet (AUTH exchanges, ...).
 * A spec with its own vocabulary of broker behaviours overrides `answerConnect`.
 *
 * (spec/session/harness.ts is the session-level counterpart: it drives the sans-I/O engine
 * directly, with no Client and no transport.)
 */
import { Client, ClientOptions } from '../../lib/client';
import { encode, Packet, Parser } from '../../lib/protocol';
import type { PacketProperties, ProtocolLevel } from '../../lib/protocol/types';
import { MemoryListener, MemoryPeer } from '../../lib/transport/memory';

export type ConnectPacket = Extract<Packet, { type: 'connect' }>;

/** The options every client() of a broker starts from, unless the spec gives its own. */
const CLIENT_DEFAULTS: ClientOptions = { clientId: 'flow', clock: () => Date.now() };

export class MemoryBroker {
  readonly listener = new MemoryListener();
  /** Packets received from the client, one array per connection. */
  readonly packets: Packet[][] = [];
  /** Every CONNECT received, in order. */
  readonly connects: ConnectPacket[] = [];
  /** Date.now() (the fake clock's, under jest's fake timers) of each socket the client opened. */
  readonly attempts: number[] = [];

  /** CONNACK's return code (reason code on MQTT 5); null: CONNECT gets no answer at all. */
  connackCode: number | null = 0;
  sessionPresent = false;
  connackProperties: PacketProperties | undefined = undefined;
  /** After the CONNACK: keep the connection, close the socket, or send these bytes. */
  afterConnack: 'stay' | 'close' | Buffer = 'stay';
  answerPings = true;
  /** How many of the next sockets to refuse with ECONNREFUSED (Infinity: all of them). */
  refuseSockets = 0;
  /** Scripted answers: called with every packet received, after the built-in answers. */
  onPacket: ((p: Packet, peer: MemoryPeer) => void) | null = null;

  constructor(readonly level: ProtocolLevel = 4, readonly clientDefaults: ClientOptions = CLIENT_DEFAULTS) {
    this.listener.onConnection((peer) => this.accept(peer));
  }

  private accept(peer: MemoryPeer): void {
    this.attempts.push(Date.now());
    if (this.refuseSockets > 0) {
      this.refuseSockets--;
      const err = new Error('connect ECONNREFUSED (memory)') as NodeJS.ErrnoException;
      err.code = 'ECONNREFUSED';
      peer.refuseOpen(err);
      return;
    }
    const parser = new Parser({ protocolVersion: this.level });
    const mine: Packet[] = [];
    this.packets.push(mine);
    peer.onData((chunk) => {
      for (const p of parser.feed(chunk)) {
        mine.push(p);
        if (p.type === 'connect') {
          this.connects.push(p);
          this.answerConnect(p, peer);
        }
        if (p.type === 'pingreq' && this.answerPings) peer.write(encode({ type: 'pingresp' }, this.level));
        this.onPacket?.(p, peer);
      }
    });
  }

  /** Answers a CONNECT as the fields say; override for a spec's own vocabulary of answers. */
  protected answerConnect(_connect: ConnectPacket, peer: MemoryPeer): void {
    if (this.connackCode === null) return;
    this.sendTo(peer, { type: 'connack', sessionPresent: this.sessionPresent, reasonCode: this.connackCode, properties: this.connackProperties });
    if (this.afterConnack === 'close') peer.close();
    else if (this.afterConnack !== 'stay') peer.write(this.afterConnack);
  }

  /** The current (last opened) connection's broker end. */
  get peer(): MemoryPeer {
    return this.listener.last!;
  }

  /** Packets of the current connection. */
  get received(): Packet[] {
    return this.packets[this.packets.length - 1] ?? [];
  }

  /** Received packets of `type` on the current connection. */
  receivedOf<T extends Packet['type']>(type: T): Extract<Packet, { type: T }>[] {
    return this.received.filter((p): p is Extract<Packet, { type: T }> => p.type === type);
  }

  /** Received packets of `type` over every connection, in order. */
  of<T extends Packet['type']>(type: T): Extract<Packet, { type: T }>[] {
    return this.packets.flat().filter((p): p is Extract<Packet, { type: T }> => p.type === type);
  }

  /** Sends packets to the client on the current connection, as one chunk. */
  send(...packets: Packet[]): void {
    this.sendTo(this.peer, ...packets);
  }

  /** Sends packets to the client on `peer`'s connection, as one chunk. */
  sendTo(peer: MemoryPeer, ...packets: Packet[]): void {
    peer.write(Buffer.concat(packets.map((p) => encode(p, this.level))));
  }

  /** A Client on this broker: the broker's client defaults, then `extra`. */
  client(extra: ClientOptions = {}): Client {
    return new Client({ ...this.clientDefaults, createTransport: () => this.listener.createTransport(), ...extra });
  }
}

export function publishPacket(topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 0, packetId?: number): Packet {
  return { type: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain: false, dup: false, packetId: qos > 0 ? packetId : undefined };
}
