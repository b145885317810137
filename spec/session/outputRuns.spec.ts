/**
 * Small packets written into the process's shared block (lib/protocol/outputRuns.ts): the acks
 * and small PUBLISHes a session queues one after another leave as one chunk, in order with what
 * it queues between them; a PUBLISH its checks refuse leaves no bytes behind; and bytes already
 * taken for the wire are never written again, whatever other sessions queue after them and
 * when the block fills up.
 */
import { encode, Parser } from '../../lib/protocol';
import { encodePublishTo } from '../../lib/protocol/encode';
import { closeRun, pushAck, SMALL_PACKET } from '../../lib/protocol/outputRuns';
import { ack, pub, ScriptedBroker } from './harness';

function connected(config = {}): ScriptedBroker {
  const b = new ScriptedBroker(config);
  b.connectAndAccept();
  return b;
}

const acks = (type: 'puback' | 'pubrec' | 'pubcomp', ...ids: number[]): Buffer =>
  Buffer.concat(ids.map((id) => encode({ type, packetId: id }, 4)));

describe('acknowledgements in the shared block', () => {
  it('the PUBACKs of one turn are one chunk, with the bytes encode() writes', () => {
    const b = connected();
    b.brokerSends(pub('t', 'a', 1, 1), pub('t', 'b', 1, 2), pub('t', 'c', 1, 3));
    const chunks = b.s.takeOutgoing(b.now)!;
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toEqual(acks('puback', 1, 2, 3));
  });

  it('PUBRECs, and the PUBCOMPs after the PUBRELs, are one chunk each', () => {
    const b = connected();
    b.brokerSends(pub('t', 'a', 2, 7), pub('t', 'b', 2, 8));
    expect(b.s.takeOutgoing(b.now)).toEqual([acks('pubrec', 7, 8)]);
    b.brokerSends(ack('pubrel', 7), ack('pubrel', 8));
    expect(b.s.takeOutgoing(b.now)).toEqual([acks('pubcomp', 7, 8)]);
  });

  it('what is queued between acks keeps its place on the wire', () => {
    const b = connected();
    b.brokerSends(pub('t', 'a', 1, 1));
    b.publish('out', 'x', 0);
    b.brokerSends(pub('t', 'b', 1, 2));
    expect(b.sentPackets().map((p) => p.type)).toEqual(['puback', 'publish', 'puback']);
  });

  it("sessions taking turns keep their own acks, in their own order", () => {
    const one = connected({ clientId: 'one' });
    const two = connected({ clientId: 'two' });
    one.brokerSends(pub('t', 'a', 1, 1));
    two.brokerSends(pub('t', 'a', 1, 100));
    one.brokerSends(pub('t', 'b', 1, 2));
    two.brokerSends(pub('t', 'b', 1, 101));
    one.brokerSends(pub('t', 'c', 1, 3));
    expect(Buffer.concat(one.s.takeOutgoing(one.now)!)).toEqual(acks('puback', 1, 2, 3));
    expect(Buffer.concat(two.s.takeOutgoing(two.now)!)).toEqual(acks('puback', 100, 101));
  });

  it('chunks already taken keep their bytes while acks fill the block and the next one', () => {
    const one = connected({ clientId: 'one' });
    const two = connected({ clientId: 'two' });
    one.brokerSends(pub('t', 'a', 1, 1), pub('t', 'b', 1, 2));
    const taken = one.s.takeOutgoing(one.now)!;
    const copy = Buffer.concat(taken);
    // More than a block's worth (16 KB = 4096 acks), in both sessions, taken and not.
    for (let i = 0; i < 5000; i++) {
      two.brokerSends(pub('t', 'x', 1, (i % 65535) + 1));
      if (i % 7 === 0) one.brokerSends(pub('t', 'y', 1, (i % 65535) + 1));
      if (i % 1000 === 0) two.s.takeOutgoing(two.now);
    }
    expect(Buffer.concat(taken)).toEqual(copy);
    expect(copy).toEqual(acks('puback', 1, 2));
    const rest = Buffer.concat(one.s.takeOutgoing(one.now)!);
    expect(rest).toEqual(acks('puback', ...Array.from({ length: 715 }, (_, k) => k * 7 + 1)));
  });

  it('acks queued when the connection is lost never reach the next connection', () => {
    const b = connected();
    b.brokerSends(pub('t', 'a', 1, 1));
    b.s.connectionLost();
    b.connectAndAccept();
    b.brokerSends(pub('t', 'b', 1, 2));
    expect(Buffer.concat(b.s.takeOutgoing(b.now)!)).toEqual(acks('puback', 2));
  });

  it('the PUBLISHes that fill a window are one chunk; one over SMALL_PACKET bytes is a chunk of its own, in its place', () => {
    const b = connected({ maxInflight: 5 });
    for (let i = 0; i < 3; i++) b.publish('t', `m${i}`, 1);
    b.publish('t', Buffer.alloc(SMALL_PACKET), 1);
    b.publish('t', 'last', 1);
    const chunks = b.s.takeOutgoing(b.now)!;
    expect(chunks.map((c) => c.length > SMALL_PACKET)).toEqual([false, true, false]);
    const sent = new Parser({ protocolVersion: 4 }).feed(Buffer.concat(chunks));
    expect(sent.map((p) => (p.type === 'publish' ? p.payload.length : -1))).toEqual([2, 2, 2, SMALL_PACKET, 4]);
    expect(Buffer.concat(chunks)).toEqual(Buffer.concat(sent.map((p) => encode(p, 4))));
  });

  it('a PUBLISH its checks refuse leaves nothing in the run', () => {
    const out: Buffer[] = [];
    pushAck(out, 0x40, 1);
    expect(() => encodePublishTo(out, 't', Buffer.from('x'), 1, false, false, 0, undefined, 4)).toThrow(/packet identifier/);
    expect(() => encodePublishTo(out, 'bad\uD800', Buffer.from('x'), 0, false, false, undefined, undefined, 4)).toThrow();
    pushAck(out, 0x40, 2);
    closeRun(out);
    expect(Buffer.concat(out)).toEqual(acks('puback', 1, 2));
  });
});
