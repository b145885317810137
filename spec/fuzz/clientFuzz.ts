/**
 * Fuzzing the whole Client with broker byte streams, shared by spec/fuzz (a few
 * hundred runs, in `npm test`) and spec/fuzz-long (`npm run fuzz`, many more).
 *
 * Each run: a Client (manual loop(), reconnectOnFailure false) connects over the in-memory
 * transport, gets a valid CONNACK, then receives a generated stream of broker packets
 * (PUBLISH at QoS 0/1/2 with unique payload markers, acks, SUBACK, UNSUBACK, PINGRESP),
 * mutated and cut into random chunks. Checked every run:
 *  - no exception escapes loop() (and none is thrown from the pump);
 *  - no hang: within a bounded number of loop() turns the client has read everything and is
 *    either still connected with nothing buffered, or closed with an rc in on_disconnect;
 *  - nothing delivered from a malformed packet. Two oracles:
 *    (a) any mutation: every message delivered is, in order, a PUBLISH that an independent
 *        parser (mqtt-packet 9) also decodes from the same bytes before its first error
 *        (a flipped payload byte makes a well-formed packet with another payload: no client
 *        can tell, so byte-identity with the originals cannot be asked of arbitrary mutations);
 *    (b) mutations that only break structure (truncation, an invalid first byte, garbage
 *        appended): the messages delivered are exactly the original PUBLISHes that lie wholly
 *        before the damage, byte-identical, in order, and nothing after it;
 *  - bounded state: the client's inbox is empty and its QoS 2 table holds no more ids than
 *    the stream carried.
 */
import fc from 'fast-check';
import { Client, MQTTMessage } from '../../lib';
import { encode } from '../../lib/protocol';
import type { Packet, ProtocolLevel, PublishPacket, QoS } from '../../lib/protocol/types';
import { MemoryListener, MemoryPeer } from '../../lib/transport/memory';
import { debugSizes } from '../support/clientInternals';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const mqttPacket = require('mqtt-packet') as {
  parser(opts: { protocolVersion: number }): {
    on(ev: 'packet', cb: (p: { cmd: string; topic?: string; payload?: Buffer; qos?: number; retain?: boolean }) => void): void;
    on(ev: 'error', cb: (e: Error) => void): void;
    parse(b: Buffer): number;
  };
};

const TOPICS = ['a', 'a/b', 'sensors/1/temp', 'ü/ñ', 'x'.repeat(200)];

export interface Generated {
  level: ProtocolLevel;
  packets: Packet[];
  bytes: Buffer;
  /** Byte range of each packet in `bytes`. */
  ranges: Array<[number, number]>;
}

function packetArb(level: ProtocolLevel): fc.Arbitrary<Packet> {
  const id = fc.integer({ min: 1, max: 65535 });
  const publish = fc.record({
    qos: fc.constantFrom<QoS>(0, 1, 2), topic: fc.constantFrom(...TOPICS), retain: fc.boolean(), dup: fc.boolean(),
    packetId: id, body: fc.uint8Array({ maxLength: 300 }),
  }).map(({ qos, topic, retain, dup, packetId, body }): PublishPacket => {
    const p: PublishPacket = { type: 'publish', topic, payload: Buffer.from(body), qos, retain, dup: qos > 0 && dup };
    if (qos > 0) p.packetId = packetId;
    return p;
  });
  const ackType = fc.constantFrom('puback' as const, 'pubrec' as const, 'pubrel' as const, 'pubcomp' as const);
  return fc.oneof(
    { weight: 6, arbitrary: publish },
    { weight: 2, arbitrary: fc.record({ type: ackType, packetId: id }).map((p) => p as Packet) },
    { weight: 1, arbitrary: fc.record({ packetId: id, rc: fc.constantFrom(0, 1, 2, 0x80) }).map(({ packetId, rc }) => ({ type: 'suback', packetId, reasonCodes: [level === 5 ? (rc === 0x80 ? 0x80 : rc) : rc] } as Packet)) },
    { weight: 1, arbitrary: id.map((packetId) => ({ type: 'unsuback', packetId, reasonCodes: level === 5 ? [0] : undefined } as Packet)) },
    { weight: 1, arbitrary: fc.constant({ type: 'pingresp' } as Packet) },
  );
}

let marker = 0;
/** A stream of valid packets; every PUBLISH payload starts with a unique marker. */
export function streamArb(maxPackets = 30): fc.Arbitrary<Generated> {
  return fc.constantFrom<ProtocolLevel>(4, 5, 3).chain((level) =>
    fc.array(packetArb(level), { maxLength: maxPackets }).map((packets) => {
      const parts: Buffer[] = [];
      const ranges: Array<[number, number]> = [];
      let at = 0;
      packets = packets.map((p) => (p.type === 'publish' ? { ...p, payload: Buffer.concat([Buffer.from(`MARK${++marker}:`), p.payload]) } : p));
      for (const p of packets) {
        const b = encode(p, level);
        parts.push(b);
        ranges.push([at, at + b.length]);
        at += b.length;
      }
      return { level, packets, bytes: Buffer.concat(parts), ranges };
    }));
}

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }[]
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'duplicate'; at: number; len: number }
  | { kind: 'length'; at: number; bytes: Uint8Array };

/** Any mutation (oracle a). */
export function mutate(bytes: Buffer, choice: { kind: number; at: number; len: number; bits: number[]; junk: Uint8Array }): Buffer {
  if (bytes.length === 0) return Buffer.from(choice.junk);
  const at = choice.at % bytes.length;
  switch (choice.kind % 6) {
    case 0: { // flip bits
      const b = Buffer.from(bytes);
      for (const bit of choice.bits) b[(at + bit * 7919) % b.length] ^= 1 << (bit % 8);
      return b;
    }
    case 1: return Buffer.concat([bytes.subarray(0, at), Buffer.from(choice.junk), bytes.subarray(at)]);
    case 2: return Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + choice.len))]);
    case 3: return Buffer.concat([bytes.subarray(0, at + choice.len), bytes.subarray(at)]);
    case 4: return bytes.subarray(0, at);
    default: { // overwrite bytes right after a position with junk (often a Remaining Length)
      const b = Buffer.from(bytes);
      for (let i = 0; i < choice.junk.length && at + 1 + i < b.length; i++) b[at + 1 + i] = choice.junk[i];
      return b;
    }
  }
}

export const mutationArb = fc.record({
  kind: fc.nat(), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }),
  bits: fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 4 }), junk: fc.uint8Array({ minLength: 1, maxLength: 8 }),
});

/** Random cut points for chunking. */
export const chunkingArb = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });

export function chunk(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** The PUBLISHes mqtt-packet decodes from `bytes` before its first error. */
export function referencePublishes(level: ProtocolLevel, bytes: Buffer): Array<{ topic: string; payload: Buffer; qos: number }> {
  const out: Array<{ topic: string; payload: Buffer; qos: number }> = [];
  const p = mqttPacket.parser({ protocolVersion: level });
  let failed = false;
  p.on('packet', (pk) => {
    if (!failed && pk.cmd === 'publish') out.push({ topic: pk.topic ?? '', payload: Buffer.from(pk.payload ?? Buffer.alloc(0)), qos: pk.qos ?? 0 });
  });
  p.on('error', () => { failed = true; });
  try {
    p.parse(bytes);
  } catch {
    failed = true;
  }
  return out;
}

export interface RunResult {
  delivered: MQTTMessage[];
  disconnectRc: number | null;
  sizes: Record<string, number>;
  turns: number;
}

/**
 * Connects a Client over the memory transport, sends CONNACK, then `chunks`; drives loop()
 * until everything is read (or the client closed). Throws "hang" after `maxTurns` turns.
 */
export async function runClient(level: ProtocolLevel, chunks: Buffer[], maxTurns = 400): Promise<RunResult> {
  const listener = new MemoryListener();
  const c = new Client({ clientId: 'fuzz', protocol: level, reconnectOnFailure: false, createTransport: () => listener.createTransport() });
  c.suppressExceptions = false; // a throwing callback of ours would show up
  const delivered: MQTTMessage[] = [];
  let disconnectRc: number | null = null;
  c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { delivered.push(m); };
  c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { disconnectRc = rc; };
  await c.connect('fuzz.invalid', 1883, 60);
  const peer = listener.last as MemoryPeer;
  peer.write(encode({ type: 'connack', sessionPresent: false, reasonCode: 0 }, level));
  let turns = 0;
  while (!c.isConnected()) {
    if (++turns > 50) throw new Error('no CONNACK processed');
    await c.loop(0.01);
  }
  for (const ch of chunks) peer.write(ch);
  const link = (peer as unknown as { link: { toClient: unknown[] } }).link;
  for (;;) {
    if (++turns > maxTurns) throw new Error(`hang: still busy after ${maxTurns} loop() turns (${JSON.stringify(debugSizes(c))})`);
    const rc = await c.loop(0.005);
    void rc;
    if (disconnectRc !== null) break;
    if (link.toClient.length === 0 && debugSizes(c).inbox === 0) break;
  }
  const sizes = debugSizes(c);
  const closedRc: number | null = disconnectRc;
  if (closedRc === null) {
    c.disconnect();
    for (let i = 0; i < 20 && disconnectRc === null; i++) await c.loop(0.005);
  }
  return { delivered, disconnectRc: closedRc, sizes, turns };
}

/**
 * Is `delivered` an in-order subsequence of `reference` (topic, payload, qos)? QoS 2 messages
 * are delivered at their PUBREL (paho's order), which may come after later messages: each must
 * be in `reference`, no more often than there, in any order.
 */
export function isSubsequence(delivered: MQTTMessage[], reference: Array<{ topic: string; payload: Buffer; qos: number }>): string | null {
  const qos2Left = reference.filter((r) => r.qos === 2);
  for (const m of delivered) {
    if (m.qos !== 2) continue;
    const k = qos2Left.findIndex((r) => r.topic === m.topic && r.payload.equals(m.payload));
    if (k < 0) return `delivered QoS 2 ${JSON.stringify({ topic: m.topic.slice(0, 30), payload: m.payload.subarray(0, 20).toString('hex') })} which the reference parser did not decode (or more often)`;
    qos2Left.splice(k, 1);
  }
  let j = 0;
  for (const m of delivered) {
    if (m.qos === 2) continue;
    while (j < reference.length && !(reference[j].topic === m.topic && reference[j].payload.equals(m.payload) && reference[j].qos === m.qos)) j++;
    if (j === reference.length) return `delivered ${JSON.stringify({ topic: m.topic.slice(0, 30), payload: m.payload.subarray(0, 20).toString('hex'), qos: m.qos })} which the reference parser did not decode (in order)`;
    j++;
  }
  return null;
}

/** The runs of one fuzzing session (used by spec/fuzz and spec/fuzz-long). */
export function defineClientFuzz(numRuns: number): void {
  it(`(a) any mutation: no exception, no hang, only messages an independent parser also decodes [${numRuns} runs]`, async () => {
    await fc.assert(
      fc.asyncProperty(streamArb(), mutationArb, chunkingArb, async (g, m, sizes) => {
        const bytes = mutate(g.bytes, m);
        const r = await runClient(g.level, chunk(bytes, sizes));
        const bad = isSubsequence(r.delivered, referencePublishes(g.level, bytes));
        if (bad !== null) throw new Error(bad);
        expect(r.sizes.inbox).toBe(0);
        expect(r.sizes.incomingQos2).toBeLessThanOrEqual(g.packets.length + 8);
        if (r.disconnectRc !== null) expect(r.disconnectRc).not.toBe(0);
      }),
      { numRuns },
    );
  });

  it(`(a') random bytes after CONNACK: no exception, no hang, clean end state [${numRuns} runs]`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<ProtocolLevel>(3, 4, 5), fc.uint8Array({ maxLength: 400 }), chunkingArb, async (level, raw, sizes) => {
        const bytes = Buffer.from(raw);
        const r = await runClient(level, chunk(bytes, sizes));
        const bad = isSubsequence(r.delivered, referencePublishes(level, bytes));
        if (bad !== null) throw new Error(bad);
        expect(r.sizes.inbox).toBe(0);
      }),
      { numRuns },
    );
  });

  it(`(b) structure-breaking damage: exactly the intact PUBLISHes before it are delivered, byte-identical [${numRuns} runs]`, async () => {
    await fc.assert(
      fc.asyncProperty(streamArb(), fc.nat(), fc.constantFrom('truncate', 'badFirstByte', 'garbageTail', 'none'), fc.uint8Array({ minLength: 1, maxLength: 6 }), chunkingArb,
        async (g, pos, kind, junk, sizes) => {
          // Unique QoS 2 ids, each PUBLISH followed by its PUBREL (QoS 2 is delivered there, as
          // paho) and no other PUBREL, so the engine's exactly-once rule drops nothing.
          let nextId = 1;
          const packets = g.packets.filter((p) => p.type !== 'pubrel').flatMap((p): Packet[] => {
            if (p.type === 'publish' && p.qos === 2) {
              const packetId = nextId++;
              return [{ ...p, packetId } as Packet, { type: 'pubrel', packetId }];
            }
            return [p];
          });
          const encoded = packets.map((p) => encode(p, g.level));
          const whole = Buffer.concat(encoded);
          let bytes = whole;
          let damageAt = whole.length;
          let broken = false;
          if (kind === 'truncate' && whole.length > 0) {
            damageAt = pos % whole.length;
            bytes = whole.subarray(0, damageAt);
          } else if (kind === 'badFirstByte' && encoded.length > 0) {
            const k = pos % encoded.length;
            damageAt = encoded.slice(0, k).reduce((n, b) => n + b.length, 0);
            const b = Buffer.from(whole);
            broken = true;
            b[damageAt] = [0x00, 0x01, 0x36, 0x37, 0x60, 0x41][pos % 6]; // reserved type 0, QoS 3, bad flags
            bytes = b;
          } else if (kind === 'garbageTail') {
            bytes = Buffer.concat([whole, Buffer.from([0x00]), Buffer.from(junk)]); // type 0 is reserved in every version
            broken = true;
          }
          const expected: PublishPacket[] = [];
          let at = 0;
          for (let i = 0; i < packets.length; i++) {
            at += encoded[i].length;
            const p = packets[i];
            // Delivered once intact: QoS 0/1 at the PUBLISH, QoS 2 at the PUBREL right after it.
            if (at <= damageAt && p.type === 'publish' && p.qos !== 2) expected.push(p);
            if (at <= damageAt && p.type === 'pubrel') expected.push(packets[i - 1] as PublishPacket);
          }
          const r = await runClient(g.level, chunk(bytes, sizes));
          expect(r.delivered.map((m) => [m.topic, m.payload.toString('hex'), m.qos, m.retain]))
            .toEqual(expected.map((p) => [p.topic, p.payload.toString('hex'), p.qos, p.retain]));
          if (broken) expect(r.disconnectRc).not.toBeNull();
          else expect(r.disconnectRc).toBeNull();
        }),
      { numRuns },
    );
  });
}
