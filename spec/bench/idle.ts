/**
 * Child process of the idle-memory scenario of spec/bench/run.ts (one per measurement, so
 * the libraries never share a heap):
 *
 *   node --expose-gc --min-semi-space-size=1 --max-semi-space-size=1 --import tsx spec/bench/idle.ts KIND PORT COUNT [DIR]
 *
 * The semi-space flags pin V8's young generation (by default it grows with the allocation
 * rate up to 2 x 16 MiB and shrinks later, at moments of its own: whichever library allocated
 * more garbage before or during the run would show MBs that no connection holds). Pinned, it
 * is the same constant for every kind. The old generation and native memory are untouched.
 *
 * KIND: mqttloop (Client + loopStart), baseline (the same with the build in DIR: run.ts's
 * --baseline), mqttjs (mqtt.connect), socket (a bare net.Socket that writes a pre-encoded
 * CONNECT and reads the CONNACK). Opens one connection first (one-time
 * costs: modules, lazily built internals) and measures the baseline after it, then opens
 * COUNT more, all held open (CONNECT sent, CONNACK read), collecting garbage and reading
 * RSS and heap after each quarter, and prints one JSON line: bytes per connection as the
 * least-squares slope through those five points (and the plain before/after deltas).
 */
import * as net from 'net';
import * as v8 from 'v8';
import { settledMemory, slope } from './readings';

type Kind = 'mqttloop' | 'baseline' | 'mqttjs' | 'socket';
const [kind, portArg, countArg, baselineDir] = process.argv.slice(2) as [Kind, string, string, string | undefined];
const port = Number(portArg);
const count = Number(countArg);
const HOST = '127.0.0.1';
const BATCH = 50; // connections opened concurrently (mosquitto's listen backlog is not the test)
const DEADLINE_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keep: unknown[] = [];

/** MQTT 3.1.1 CONNECT, clean session, keepalive 60, client id `id`. */
function connectPacket(id: string): Buffer {
  const idBytes = Buffer.from(id);
  const varHeader = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60]);
  const len = varHeader.length + 2 + idBytes.length;
  const b = Buffer.alloc(2 + len);
  b[0] = 0x10;
  b[1] = len; // ids here are short: one length byte
  varHeader.copy(b, 2);
  b.writeUInt16BE(idBytes.length, 12);
  idBytes.copy(b, 14);
  return b;
}

async function openSocket(i: number): Promise<void> {
  const sock = net.connect({ host: HOST, port });
  sock.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    let got = Buffer.alloc(0);
    sock.once('error', reject);
    sock.on('connect', () => sock.write(connectPacket(`idle-s-${process.pid}-${i}`)));
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length < 4) return;
      sock.off('data', onData);
      if (got[0] !== 0x20 || got[3] !== 0) reject(new Error(`bad CONNACK ${got.toString('hex')}`));
      else resolve();
    };
    sock.on('data', onData);
  });
  sock.on('data', () => undefined); // keep reading (PINGRESP would land here)
  keep.push(sock);
}

async function main(): Promise<void> {
  let open: (i: number) => Promise<void>;
  if (kind === 'mqttloop' || kind === 'baseline') {
    if (kind === 'baseline' && !baselineDir) throw new Error('baseline: the build directory is missing');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const build = kind === 'baseline' ? (require(baselineDir!) as typeof import('../../dist')) : await import('../../dist');
    const { Client, MQTTv311 } = build;
    open = async (i) => {
      const c = new Client({ clientId: `idle-m-${process.pid}-${i}`, cleanSession: true, protocol: MQTTv311 });
      const connected = new Promise<void>((resolve, reject) => {
        c.on_connect = (_c: unknown, _u: unknown, _f: unknown, rc: number) => (rc === 0 ? resolve() : reject(new Error(`rc ${rc}`)));
        c.on_connect_fail = () => reject(new Error('connection failed'));
      });
      await c.connect(HOST, port, 60);
      c.loopStart();
      await connected;
      c.on_connect = null;
      c.on_connect_fail = null;
      keep.push(c);
    };
  } else if (kind === 'mqttjs') {
    const mqtt = (await import('mqtt')).default;
    open = async (i) => {
      const c = mqtt.connect(`mqtt://${HOST}:${port}`, {
        clientId: `idle-j-${process.pid}-${i}`, protocolVersion: 4, clean: true, keepalive: 60, reconnectPeriod: 0,
      });
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('error', reject);
      });
      keep.push(c);
    };
  } else if (kind === 'socket') {
    open = openSocket;
  } else {
    throw new Error(`unknown kind ${String(kind)}`);
  }

  const settle = settledMemory;
  const spaces = () => Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, x.space_size]));

  await open(-1); // one-time costs stay out of the per-connection figure
  const before = await settle();
  const spacesBefore = spaces();
  const t0 = Date.now();
  let opened = 0;
  const deadline = setTimeout(() => {
    console.log(JSON.stringify({ error: `only ${opened} of ${count} connections open after ${DEADLINE_MS / 1000} s` }));
    process.exit(2);
  }, DEADLINE_MS);
  // RSS moves by whole MBs for reasons of its own (allocator arenas, V8 committing pages): one
  // before/after difference over 1,000 connections is noisy. Measure after every quarter and
  // take the least-squares slope (bytes per connection) through the five points.
  const point = (n: number, m: NodeJS.MemoryUsage) => ({ n, rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal });
  const points = [point(0, before)];
  const marks = new Set([1, 2, 3, 4].map((q) => Math.round((count * q) / 4)));
  let openMs = 0;
  for (let i = 0; i < count; ) {
    const batch: Promise<void>[] = [];
    const end = Math.min(count, i + BATCH, ...[...marks].filter((m) => m > i));
    for (let j = i; j < end; j++) batch.push(open(j).then(() => { opened++; }));
    await Promise.all(batch);
    i = end;
    if (marks.has(i)) {
      openMs = Date.now() - t0;
      const m = await settle();
      points.push(point(opened, m));
    }
  }
  clearTimeout(deadline);
  await sleep(300);
  const after = await settle();
  const spacesAfter = spaces();
  points[points.length - 1] = point(opened, after);
  console.log(JSON.stringify({
    kind, count: opened, openMs,
    rssPerConn: slope(points.map((p) => [p.n, p.rss])),
    heapPerConn: slope(points.map((p) => [p.n, p.heap])),
    /** Outside the V8 heap: RSS minus the heap's committed pages. */
    nativePerConn: slope(points.map((p) => [p.n, p.rss - p.heapTotal])),
    rssDeltaPerConn: (after.rss - before.rss) / opened,
    heapDeltaPerConn: (after.heapUsed - before.heapUsed) / opened,
    externalPerConn: (after.external - before.external) / opened,
    points, before, after,
    newSpaceGrowthPerConn: (spacesAfter.new_space - spacesBefore.new_space) / opened,
    oldSpaceGrowthPerConn: (spacesAfter.old_space - spacesBefore.old_space) / opened,
  }));
  process.exit(0);
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String((e as Error)?.stack ?? e) }));
  process.exit(1);
});
