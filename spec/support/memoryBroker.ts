/**
 * A scripted broker on the in-memory transport, for Client specs: answers CONNECT (and
 * PINGREQ, unless told not to), records every packet the client sends per connection, and
 * sends whatever packets the spec asks for.
 */
import { Client, ClientOptions } from '../../lib/client';
import { encode, Packet, Parser } from '../../lib/protocol';
import type { ProtocolLevel } from '../../lib/protocol/types';
import { MemoryListener, MemoryPeer } from '../../lib/transport/memory';

export class MemoryBroker {
  readonly listener = new MemoryListener();
  /** Packets received from the client, one array per connection. */
  readonly packets: Packet[][] = [];
  answerPings = true;
  sessionPresent = false;

  constructor(readonly level: ProtocolLevel = 4) {
    this.listener.onConnection((peer) => {
      const parser = new Parser({ protocolVersion: level });
      const mine: Packet[] = [];
      this.packets.push(mine);
      peer.onData((chunk) => {
        for (const p of parser.feed(chunk)) {
          mine.push(p);
          if (p.type === 'connect') peer.write(encode({ type: 'connack', sessionPresent: this.sessionPresent, reasonCode: 0 }, level));
          if (p.type === 'pingreq' && this.answerPings) peer.write(encode({ type: 'pingresp' }, level));
        }
      });
    });
  }

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

  /** Sends packets to the client, as one chunk. */
  send(...packets: Packet[]): void {
    this.peer.write(Buffer.concat(packets.map((p) => encode(p, this.level))));
  }

  client(extra: ClientOptions = {}): Client {
    return new Client({ clientId: 'flow', createTransport: () => this.listener.createTransport(), clock: () => Date.now(), ...extra });
  }
}

export function publishPacket(topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 0, packetId?: number): Packet {
  return { type: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain: false, dup: false, packetId: qos > 0 ? packetId : undefined };
}
