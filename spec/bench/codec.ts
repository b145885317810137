/**
 * npm run bench:codec  [-- --quick] [-- --rounds N]
 *
 * Encodes and decodes 1,000,000 QoS 1 PUBLISH packets (topic 'bench/topic', 64-byte payload)
 * with mqttloop's codec and with mqtt-packet 9.0.2 (MQTT.js's codec), in the same process,
 * rounds interleaved (A B A B ...), and prints the median packets/s of each and the ratio.
 * Decoding is fed the same 64 KiB chunks a socket would deliver, split at arbitrary points.
 * Every round checks that each library produced exactly N packets with the right ids.
 * A second pair of rows rotates over 1,000 topics, so neither side's caching of the last or
 * frequent topics carries the result.
 */
import * as mqttPacket from 'mqtt-packet';
import { encode, Parser } from '../../dist/protocol';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const roundsArg = args.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 7;
const N = quick ? 100_000 : 1_000_000;
const TOPIC = 'bench/topic';
const PAYLOAD = Buffer.alloc(64, 0x61);
const CHUNK = 64 * 1024;

type Runner = () => number; // returns a checksum so the work cannot be optimised away

/** Topic of message i: one topic, or 1,000 in rotation. */
let topicOf: (i: number) => string = () => TOPIC;
const ROTATING = Array.from({ length: 1000 }, (_, k) => `bench/topic/${k}`);

function encodeMqttloop(): number {
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const b = encode({ type: 'publish', topic: topicOf(i), payload: PAYLOAD, qos: 1, retain: false, dup: false, packetId: (i % 65535) + 1 }, 4);
    bytes += b.length;
  }
  return bytes;
}

function encodeMqttPacket(): number {
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const b = mqttPacket.generate({ cmd: 'publish', topic: topicOf(i), payload: PAYLOAD, qos: 1, retain: false, dup: false, messageId: (i % 65535) + 1 });
    bytes += b.length;
  }
  return bytes;
}

/** The wire stream both decoders read: N packets cut into 64 KiB chunks (packets split at the edges). */
function makeChunks(): Buffer[] {
  const packets: Buffer[] = [];
  for (let i = 0; i < N; i++) {
    packets.push(encode({ type: 'publish', topic: topicOf(i), payload: PAYLOAD, qos: 1, retain: false, dup: false, packetId: (i % 65535) + 1 }, 4));
  }
  const stream = Buffer.concat(packets);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += CHUNK) chunks.push(stream.subarray(at, Math.min(at + CHUNK, stream.length)));
  return chunks;
}

function checkIds(count: number, idSum: number, who: string): void {
  let expected = 0;
  for (let i = 0; i < N; i++) expected += (i % 65535) + 1;
  if (count !== N || idSum !== expected) throw new Error(`${who}: decoded ${count} packets (id sum ${idSum}), expected ${N} (${expected})`);
}

function decodeMqttloop(chunks: Buffer[]): Runner {
  return () => {
    const parser = new Parser({ protocolVersion: 4 });
    let count = 0;
    let idSum = 0;
    for (const c of chunks) {
      const packets = parser.feed(c);
      for (let i = 0; i < packets.length; i++) {
        const p = packets[i];
        if (p.type === 'publish') idSum += p.packetId!;
        count++;
      }
    }
    checkIds(count, idSum, 'mqttloop');
    return count;
  };
}

function decodeMqttPacket(chunks: Buffer[]): Runner {
  return () => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let count = 0;
    let idSum = 0;
    parser.on('packet', (p: mqttPacket.Packet) => { idSum += (p as mqttPacket.IPublishPacket).messageId!; count++; });
    parser.on('error', (e: Error) => { throw e; });
    for (const c of chunks) parser.parse(c);
    checkIds(count, idSum, 'mqtt-packet');
    return count;
  };
}

function time(fn: Runner): number {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = process.hrtime.bigint();
  fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return N / s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => `${(n / 1e6).toFixed(2)}M pkt/s`.padStart(14);

function compare(name: string, ours: Runner, theirs: Runner): { ours: number; theirs: number; ratio: number } {
  ours(); theirs(); // warm-up: let both JITs settle before timing
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(time(ours));
    b.push(time(theirs));
  }
  const res = { ours: median(a), theirs: median(b), ratio: median(a) / median(b) };
  console.log(`${name.padEnd(8)} mqttloop ${fmt(res.ours)}   mqtt-packet ${fmt(res.theirs)}   ratio ${res.ratio.toFixed(2)}x`);
  return res;
}

console.log(`codec benchmark: ${N.toLocaleString('en')} QoS 1 PUBLISH, topic '${TOPIC}', ${PAYLOAD.length}-byte payload, ` +
  `median of ${ROUNDS} interleaved rounds, node ${process.version}`);
const enc = compare('encode', encodeMqttloop, encodeMqttPacket);
let chunks = makeChunks();
const dec = compare('decode', decodeMqttloop(chunks), decodeMqttPacket(chunks));
topicOf = (i) => ROTATING[i % 1000];
console.log('with 1,000 topics in rotation:');
const enc2 = compare('encode', encodeMqttloop, encodeMqttPacket);
chunks = makeChunks();
const dec2 = compare('decode', decodeMqttloop(chunks), decodeMqttPacket(chunks));
const goal = [enc, dec, enc2, dec2].every((r) => r.ratio >= 2);
console.log(`goal (>= 2x on each): ${goal ? 'met' : 'NOT met'}`);
