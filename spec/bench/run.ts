/**
 * npm run bench [-- --quick] [-- --json FILE] [-- --only NAME[,NAME]] [-- --lib mqttloop|mqttjs|baseline]
 *               [-- --rounds N] [-- --baseline DIR] [-- --no-c]
 *
 * mqttloop against MQTT.js 5.16, both doing the same work in the same run, each
 * measurement against a fresh mosquitto on a free loopback port (set_tcp_nodelay, unlimited
 * queues), repetitions interleaved (A B A B ...) after one untimed warm-up of each, medians
 * reported, every run checked by sequence numbers in the payload (nothing lost, nothing
 * duplicated: a failed check aborts the bench). Throughput rows also give each side's CPU
 * time per message in this process and how busy the broker was; reference rows ("bare
 * sockets": pre-encoded packets, no client library) show the broker's and the machine's own
 * limits, against which the goals can be judged. Under the QoS 0/1/2 throughput and latency rows,
 * "vs libmosquitto" rows put mqttloop against the C client doing the same work in the same rounds
 * (libmosquitto.ts; ratio > 1: mqttloop better). Under QoS 1/2 the C client runs two ways, its
 * threaded loop and one thread polling both clients' sockets (publishing as the window has room),
 * and mqttloop two ways too (all up front behind its window, and from on_publish as the window has
 * room); the row (and its goal) pairs the faster way of each in that run.
 *
 * With --baseline DIR the other side is not MQTT.js but another build of mqttloop (DIR: a built
 * dist/ directory, e.g. main's before a change) in every row that can run it (Client
 * throughput, latency, idle memory, MQTTClient; dispatch stays this build only): before and
 * after measured in the same run, interleaved. The goals then become the limits a change must
 * hold: each row within the run's noise of the baseline (its best round reaches the baseline's
 * worst), idle heap per connection under a cap.
 *
 *   --quick        a tenth of each N (idle memory: 100 connections; many: 1,000 clients)
 *   --json FILE    every run's raw figures, the table and the goals
 *   --only NAME    scenarios whose id is NAME or starts with NAME- (qos0, qos1, qos1-100, qos2-20,
 *                  latency, idle, mqttclient, payload, dispatch, many); comma-separated list allowed
 *   --lib LIB      run one side only (profiling): mqttloop, mqttjs or baseline
 *   --rounds N     repetitions of each side (default 3 for runs of seconds, 5 for short ones; 3 with --quick)
 *   --baseline DIR compare with the mqttloop build in DIR instead of MQTT.js
 *   --no-c         leave out the libmosquitto (C client) rows (libmosquitto.ts: compiled on first use,
 *                  left out with a note when libmosquitto-dev or a C compiler is missing)
 *
 * Run the built library: `npm run bench` builds first (imports come from dist/).
 */
import * as fs from 'fs';
import * as os from 'os';
import { baselineDir, Lib, useBaseline } from './builds';
import { goalsVsMqttjs, limitsVsBaseline, Noise, pct, Row, spreadOfNoise } from './goals';
import { manyConnections, manyFanoutNote, manyReferenceRow, manySubRows } from './many';
import type { Measure } from './measure';
import { C_SIDE, C_SINGLE_SIDE, cLatency, cSides, cThroughput, cUnavailable } from './libmosquitto';
import { rawLatency, rawQos0, rawQos1, rawQos2 } from './reference';
import { aioThroughput, AioKind, dispatch, idleMemory, IdleKind, latency, throughput, ThroughputOpts } from './scenarios';
import { BenchError, fmtKB, fmtMs, fmtRate, median, mosquittoVersion, PUBLISH_CHUNK } from './support';

// ---- arguments -------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`${name} needs a value`);
  return v;
}
function fail(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(2);
}
const known = new Set(['--quick', '--json', '--only', '--lib', '--rounds', '--baseline', '--no-c']);
for (let i = 0; i < argv.length; i++) {
  if (!argv[i].startsWith('--')) continue;
  if (!known.has(argv[i])) fail(`unknown option ${argv[i]} (known: ${[...known].join(' ')})`);
}
const QUICK = argv.includes('--quick');
const WITH_C = !argv.includes('--no-c');
const JSON_FILE = option('--json');
const ONLY = option('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
const BASELINE = option('--baseline');
if (BASELINE !== undefined) {
  try {
    useBaseline(BASELINE);
  } catch (e) {
    fail(`--baseline: ${(e as Error).message}`);
  }
}
/** The side every row compares this build with: MQTT.js, or the baseline build. */
const OTHER: { lib: Lib; label: string } = BASELINE === undefined
  ? { lib: 'mqttjs', label: 'MQTT.js' }
  : { lib: 'baseline', label: `mqttloop (${BASELINE})` };
const LIB = option('--lib');
if (LIB !== undefined && LIB !== 'mqttloop' && LIB !== 'mqttjs' && LIB !== 'baseline') fail('--lib: mqttloop, mqttjs or baseline');
if (LIB !== undefined && LIB !== 'mqttloop' && LIB !== OTHER.lib) fail(`--lib ${LIB}: that side is not in this run`);
const ROUNDS = option('--rounds') !== undefined ? Number(option('--rounds')) : undefined;
if (ROUNDS !== undefined && !(Number.isInteger(ROUNDS) && ROUNDS >= 1)) fail('--rounds: a positive integer');
const scale = (n: number) => (QUICK ? Math.max(1, Math.round(n / 10)) : n);

function selected(id: string): boolean {
  return ONLY === undefined || ONLY.some((name) => id === name || id.startsWith(`${name}-`));
}

// ---- records ---------------------------------------------------------------------------------------

interface RunRecord {
  scenario: string;
  side: string;
  round: number; // 0 = warm-up (untimed in the medians)
  value: number;
  unit: string;
  ms?: number;
  n?: number;
  extra?: Record<string, unknown>;
}
const runs: RunRecord[] = [];
const rows: Row[] = [];
const medians = new Map<string, number>(); // `${scenario}/${side}` -> median value (and extras)
const roundValues = new Map<string, number[]>(); // `${scenario}/${side}` -> the figure of each round

interface Side {
  name: string;
  /** Which --lib this side belongs to; 'reference' sides (bare sockets) run only without --lib. */
  lib: Lib | 'reference';
  run: (n: number) => Promise<Measure>;
}

/**
 * One warm-up of each side (a tenth of n, not counted), then `rounds` rounds of every side in
 * turn (A B A B ...). Returns each side's measures; records every run.
 */
async function series(scenario: string, unit: string, sides: Side[], n: number, rounds: number): Promise<Map<string, Measure[]>> {
  const active = sides.filter((s) => LIB === undefined || s.lib === LIB);
  const out = new Map<string, Measure[]>(active.map((s) => [s.name, []]));
  const r = ROUNDS ?? (QUICK ? 3 : rounds); // --quick: 3 rounds everywhere
  const warmN = Math.max(1, Math.round(n / 10));
  for (const s of active) {
    const m = await s.run(warmN);
    runs.push({ scenario, side: s.name, round: 0, value: m.value, unit, ms: m.ms, n: m.n, extra: m.extra });
  }
  for (let round = 1; round <= r; round++) {
    for (const s of active) {
      const m = await s.run(n);
      out.get(s.name)!.push(m);
      runs.push({ scenario, side: s.name, round, value: m.value, unit, ms: m.ms, n: m.n, extra: m.extra });
      if (process.stdout.isTTY) process.stdout.write('.');
    }
  }
  if (process.stdout.isTTY) process.stdout.write('\r');
  for (const [name, ms] of out) {
    medians.set(`${scenario}/${name}`, median(ms.map((m) => m.value)));
    roundValues.set(`${scenario}/${name}`, ms.map((m) => m.value));
  }
  return out;
}

const med = (scenario: string, side: string): number | undefined => medians.get(`${scenario}/${side}`);
const medOf = (ms: Measure[] | undefined, key: string): number | undefined =>
  ms && ms.length > 0 ? median(ms.map((m) => Number(m.extra?.[key]))) : undefined;
/** The rounds behind a compared row: this build's (side a) and the other side's (b). */
const noiseOf = (key: string, lowerBetter = false, a = 'mqttloop', b: string = OTHER.lib): Noise => ({
  mine: roundValues.get(`${key}/${a}`) ?? [], other: roundValues.get(`${key}/${b}`) ?? [], lowerBetter,
});

const W = 50;
/** Width of the other side's column: its label can be a directory. */
const W2 = Math.max(20, OTHER.label.length);
/** 'CPU µs/msg a vs b' from the runs' extra.cpuUsPerMsg (this process: publisher + subscriber). */
function cpuNote(res: Map<string, Measure[]>, a: string, b: string): string {
  const x = medOf(res.get(a), 'cpuUsPerMsg');
  const y = medOf(res.get(b), 'cpuUsPerMsg');
  const f = (v?: number) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(1));
  const bx = medOf(res.get(a), 'brokerLoad');
  const by = medOf(res.get(b), 'brokerLoad');
  const pc = (v?: number) => (v === undefined || !Number.isFinite(v) ? '-' : `${Math.round(v * 100)}%`);
  return `CPU µs/msg ${f(x)} vs ${f(y)}, broker busy ${pc(bx)} vs ${pc(by)}`;
}

function printRow(row: Row): void {
  rows.push(row);
  const ratio = row.ratio === null || !Number.isFinite(row.ratio) ? '-' : `${row.ratio.toFixed(2)}x`;
  const spread = row.noise === undefined || BASELINE === undefined ? '' : `rounds spread ${pct(spreadOfNoise(row.noise))}`;
  const note = [spread, row.note ?? ''].filter(Boolean).join('; ');
  console.log(`${row.scenario.padEnd(W)} | ${row.mqttloop.padStart(20)} | ${row.other.padStart(W2)} | ${ratio.padStart(6)}${note ? `  ${note}` : ''}`);
}

/** A throughput row: msg/s of each side, ratio mqttloop / the other side. */
function rateRow(id: string, label: string, a?: number, b?: number, note?: string, noise?: Noise): void {
  printRow({
    id, scenario: label, mqttloop: a === undefined ? '-' : fmtRate(a), other: b === undefined ? '-' : fmtRate(b),
    ratio: a !== undefined && b !== undefined ? a / b : null, noise, note,
  });
}

const cVersion = (res: Map<string, Measure[]>): string =>
  String((res.get(C_SIDE) ?? res.get(C_SINGLE_SIDE))?.[0]?.extra?.version ?? '');
/** Which C mode each "vs libmosquitto" throughput row compared with (row id -> label), for the goals. */
const cModeOf = new Map<string, string>();
/** The bare-socket reference over the same C side, per "vs libmosquitto" row (row id -> ratio), for the goals. */
const rawVsC = new Map<string, number>();
/** mqttloop publishing from on_publish as the window has room (the 'callbacks' driver), beside the C client's single-thread mode. */
const MQTTLOOP_CB = 'mqttloop-callbacks';
/**
 * Under a throughput row: mqttloop against libmosquitto, the C client, in the same rounds; ratio
 * mqttloop / C. Where both C modes ran (QoS 1/2), against the faster of the two in this run; where
 * mqttloop also ran both ways (all N published up front behind its window, or published from
 * on_publish as the window has room, as the C single-thread mode does), its faster way: each
 * client as a program tuned for throughput would drive it, the note giving all four figures.
 */
function cRow(id: string, res: Map<string, Measure[]>): void {
  const threaded = med(id, C_SIDE);
  const single = med(id, C_SINGLE_SIDE);
  const side = single !== undefined && (threaded === undefined || single > threaded) ? C_SINGLE_SIDE : C_SIDE;
  const c = side === C_SIDE ? threaded : single;
  if (c === undefined) return;
  const upFront = med(id, 'mqttloop');
  const fromCallback = med(id, MQTTLOOP_CB);
  const mine = fromCallback !== undefined && (upFront === undefined || fromCallback > upFront) ? MQTTLOOP_CB : 'mqttloop';
  const a = mine === MQTTLOOP_CB ? fromCallback : upFront;
  const mode = side === C_SIDE ? 'threaded loop' : 'single thread';
  const myWay = mine === MQTTLOOP_CB ? 'from on_publish' : 'all up front';
  cModeOf.set(`${id}-c`, `${mode}; mqttloop publishing ${myWay}`);
  const both = threaded !== undefined && single !== undefined
    ? `the faster C: threaded loop ${fmtRate(threaded)}, single thread ${fmtRate(single)}; ` : '';
  const ways = upFront !== undefined && fromCallback !== undefined
    ? `the faster mqttloop: all up front ${fmtRate(upFront)}, from on_publish ${fmtRate(fromCallback)}; ` : '';
  const raw = med(id, 'raw');
  if (raw !== undefined) rawVsC.set(`${id}-c`, raw / c);
  const floor = raw === undefined ? '' : `; bare sockets ${fmtRate(raw)} (${(raw / c).toFixed(2)}x of C)`;
  printRow({ id: `${id}-c`, scenario: `  vs libmosquitto ${cVersion(res)} (C, ${mode})`, mqttloop: a === undefined ? '-' : fmtRate(a),
    other: `C ${fmtRate(c)}`, ratio: a === undefined ? null : a / c, note: `${both}${ways}ratio = mqttloop / C; ${cpuNote(res, mine, side)}${floor}` });
}

// ---- scenarios ---------------------------------------------------------------------------------------

/** This build and the other side (MQTT.js or the baseline build), doing the same work. */
const bothSides = (run: (lib: Lib, n: number) => Promise<Measure>): Side[] => [
  { name: 'mqttloop', lib: 'mqttloop', run: (n) => run('mqttloop', n) },
  { name: OTHER.lib, lib: OTHER.lib, run: (n) => run(OTHER.lib, n) },
];

async function qos0(): Promise<void> {
  const id = 'qos0';
  if (!selected(id)) return;
  const n = scale(200_000);
  const sides = bothSides((lib, k) => throughput(lib, { n: k, size: 64, qos: 0 }));
  sides.push({ name: 'raw', lib: 'reference', run: (k) => rawQos0(k, 64) }, ...cSides(WITH_C, (k) => cThroughput({ n: k, size: 64, qos: 0 })));
  const res = await series(id, 'msg/s', sides, n, 3);
  rateRow(id, `QoS 0 throughput, ${n.toLocaleString('en')} x 64 B`, med(id, 'mqttloop'), med(id, OTHER.lib),
    cpuNote(res, 'mqttloop', OTHER.lib), noiseOf(id));
  const raw = med(id, 'raw');
  const other = med(id, OTHER.lib);
  if (raw !== undefined) {
    printRow({
      id: 'qos0-raw', scenario: '  reference: raw pre-encoded, bare sockets, eager reads',
      mqttloop: fmtRate(raw), other: other === undefined ? '-' : fmtRate(other), ratio: other === undefined ? null : raw / other,
      note: `the broker's ceiling for a reader woken by every message; ratio = raw / ${OTHER.label}; ${cpuNote(res, 'raw', OTHER.lib)}`,
    });
  }
  cRow(id, res);
}

async function qosWindow(qos: 1 | 2, window: number): Promise<void> {
  const id = `qos${qos}-${window}`;
  if (!selected(id)) return;
  const n = scale(qos === 1 ? 50_000 : 20_000);
  const o = (k: number): ThroughputOpts => ({ n: k, size: 64, qos, inflight: window, driver: 'window' });
  const sides = bothSides((lib, k) => throughput(lib, o(k)));
  // Bare sockets doing the same flow: the floor a Node client reaches against this broker (and the C client).
  sides.push({ name: 'raw', lib: 'reference', run: (k) => (qos === 1 ? rawQos1 : rawQos2)(k, 64, window) });
  // The C client both ways: libmosquitto's threaded loop, and one thread driving both clients (faster
  // at QoS 1/2: no wake-up of a network thread per publish); cRow() compares with the faster. Its
  // single-thread mode publishes as the window has room, so mqttloop runs that way too (publishing
  // from on_publish: MQTT_SIDE_CB), and cRow() pairs the faster way of each client.
  if (WITH_C && cUnavailable() === undefined) sides.push({ name: MQTTLOOP_CB, lib: 'mqttloop', run: (k) => throughput('mqttloop', { ...o(k), driver: 'callbacks' }) });
  sides.push(...cSides(WITH_C, (k) => cThroughput(o(k))), ...cSides(WITH_C, (k) => cThroughput(o(k), 'single'), C_SINGLE_SIDE));
  const res = await series(id, 'msg/s', sides, n, 5);
  const label = `QoS ${qos} throughput, ${n.toLocaleString('en')} x 64 B, ${window} in flight${window === 20 ? ' (dflt)' : ''}`;
  rateRow(id, label, med(id, 'mqttloop'), med(id, OTHER.lib), cpuNote(res, 'mqttloop', OTHER.lib), noiseOf(id));
  const raw = med(id, 'raw');
  const other = med(id, OTHER.lib);
  if (raw !== undefined) {
    printRow({
      id: `${id}-raw`, scenario: '  reference: raw pre-encoded, bare sockets',
      mqttloop: fmtRate(raw), other: other === undefined ? '-' : fmtRate(other), ratio: other === undefined ? null : raw / other,
      note: `the broker's ceiling; ratio = raw / ${OTHER.label}; ${cpuNote(res, 'raw', OTHER.lib)}`,
    });
  }
  cRow(id, res);
}

async function latencyScenario(): Promise<void> {
  const id = 'latency';
  if (!selected(id)) return;
  const n = scale(5_000);
  // 4 s of the same paced traffic before the 5,000 timed messages, on every side: in the first
  // 2-3 s after a fresh broker and fresh clients, JIT compilation and the young generation's
  // regrowth after gc() lift p99 several-fold (measured per 1,000 messages: 1.5-3 ms, then 0.3-0.5).
  const warmup = scale(8_000);
  const sides = bothSides((lib, k) => latency(lib, { n: k, warmup, rateHz: 2000, size: 64 }));
  sides.push({ name: 'raw', lib: 'reference', run: (k) => rawLatency({ n: k, warmup, rateHz: 2000, size: 64 }) },
    ...cSides(WITH_C, (k) => cLatency({ n: k, warmup, rateHz: 2000, size: 64 })));
  const res = await series(id, 'ms p99', sides, n, 5); // p99 of 5,000 samples is noisy here: 5 rounds
  const a = res.get('mqttloop');
  const b = res.get(OTHER.lib);
  const raw = res.get('raw');
  for (const [key, label] of [['p50', 'p50'], ['p99', 'p99']] as const) {
    const x = medOf(a, key);
    const y = medOf(b, key);
    medians.set(`${id}-${key}/mqttloop`, x ?? NaN);
    medians.set(`${id}-${key}/${OTHER.lib}`, y ?? NaN);
    roundValues.set(`${id}-${key}/mqttloop`, (a ?? []).map((m) => Number(m.extra?.[key])));
    roundValues.set(`${id}-${key}/${OTHER.lib}`, (b ?? []).map((m) => Number(m.extra?.[key])));
    printRow({
      id: `${id}-${key}`, scenario: `QoS 0 latency ${label}, 2,000 msg/s, ${n.toLocaleString('en')} msgs`,
      mqttloop: x === undefined ? '-' : fmtMs(x), other: y === undefined ? '-' : fmtMs(y),
      ratio: x !== undefined && y !== undefined ? y / x : null, noise: noiseOf(`${id}-${key}`, true),
    });
  }
  for (const key of ['p50', 'p99'] as const) medians.set(`latency-${key}/raw`, medOf(raw, key) ?? NaN);
  if (raw !== undefined) {
    const f = (ms?: Measure[]) => `${fmtMs(medOf(ms, 'p50') ?? NaN)} / ${fmtMs(medOf(ms, 'p99') ?? NaN)}`;
    printRow({
      id: 'latency-raw', scenario: '  reference: bare sockets, p50 / p99',
      mqttloop: f(raw), other: b === undefined ? '-' : f(b), ratio: b === undefined ? null : (medOf(b, 'p99') ?? NaN) / (medOf(raw, 'p99') ?? NaN),
      note: `the floor on this machine; ratio = ${OTHER.label} p99 / raw p99`,
    });
  }
  const c = res.get(C_SIDE);
  for (const key of c === undefined ? [] : ['p50', 'p99'] as const) {
    const x = medOf(a, key);
    const y = medOf(c, key);
    printRow({ id: `${id}-${key}-c`, scenario: `  vs libmosquitto ${cVersion(res)} (C, threaded loop), ${key}`, mqttloop: x === undefined ? '-' : fmtMs(x),
      other: `C ${fmtMs(y ?? NaN)}`, ratio: x === undefined || y === undefined ? null : y / x, note: 'ratio = C / mqttloop (> 1: mqttloop faster)' });
  }
}

async function idleScenario(): Promise<void> {
  const id = 'idle';
  if (!selected(id)) return;
  const count = QUICK ? 100 : 1000;
  const side = (kind: IdleKind, lib: Lib | 'reference'): Side => ({ name: kind, lib, run: (k) => idleMemory(kind, k) });
  const other = OTHER.lib as IdleKind;
  // Warm-up runs (a tenth) cost little here and keep the series() shape.
  const res = await series(id, 'B RSS/conn', [side('mqttloop', 'mqttloop'), side(other, OTHER.lib), side('socket', 'reference')], count, 5); // RSS moves by MBs: 5 rounds
  const a = med(id, 'mqttloop');
  const b = med(id, other);
  const s = med(id, 'socket');
  // RSS per connection moves with page-level noise; the heap per connection is steadier: both go to the goals.
  for (const kind of ['mqttloop', other, 'socket']) {
    medians.set(`idle-heap/${kind}`, medOf(res.get(kind), 'heapPerConn') ?? NaN);
    roundValues.set(`idle-heap/${kind}`, (res.get(kind) ?? []).map((m) => Number(m.extra?.heapPerConn)));
  }
  printRow({
    id, scenario: `Idle RSS per connection (${count.toLocaleString('en')} held)`,
    mqttloop: a === undefined ? '-' : fmtKB(a), other: b === undefined ? '-' : fmtKB(b),
    ratio: a !== undefined && b !== undefined && a > 0 && b > 0 ? b / a : null, noise: noiseOf(id, true),
    note: `heap/conn: ${fmtKB(medOf(res.get('mqttloop'), 'heapPerConn') ?? NaN)} vs ${fmtKB(medOf(res.get(other), 'heapPerConn') ?? NaN)}` +
      (BASELINE === undefined ? '' : ` (heap rounds spread ${pct(spreadOfNoise(noiseOf('idle-heap', true)))})`),
  });
  // With few connections (--quick) the RSS change can sink below RSS's own noise (MBs).
  const usable = (v?: number): v is number => v !== undefined && v > 0;
  printRow({
    id: 'idle-socket', scenario: '  vs a bare net.Socket (CONNECT + CONNACK)',
    mqttloop: a === undefined ? '-' : fmtKB(a), other: s === undefined ? '-' : `socket ${fmtKB(s)}`,
    ratio: usable(a) && usable(s) ? s / a : null,
    note: `heap/conn: socket ${fmtKB(medOf(res.get('socket'), 'heapPerConn') ?? NaN)}` +
      (usable(a) && (s === undefined || usable(s)) ? '' : '; RSS change below its noise: see heap/conn'),
  });
}

async function mqttclientScenario(): Promise<void> {
  const id = 'mqttclient';
  if (!selected(id)) return;
  const n = scale(50_000);
  const k = 100;
  const side = (name: string, kind: AioKind, lib: Lib): Side => ({
    name, lib, run: (m) => aioThroughput(kind, m, k, 64, lib === 'baseline' ? 'baseline' : 'mqttloop'),
  });
  // The other side: MQTT.js's publishAsync, or the baseline build's MQTTClient.
  const otherName = BASELINE === undefined ? 'MQTT.js publishAsync' : 'MQTTClient (baseline)';
  const otherSide = side(otherName, BASELINE === undefined ? 'MQTT.js publishAsync' : 'MQTTClient', OTHER.lib);
  const res = await series(id, 'msg/s', [side('MQTTClient', 'MQTTClient', 'mqttloop'), side('Client', 'Client', 'mqttloop'), otherSide], n, 5);
  const aio = med(id, 'MQTTClient');
  const cl = med(id, 'Client');
  const other = med(id, otherName);
  rateRow(id, `MQTTClient QoS 1, ${n.toLocaleString('en')}, ${k} awaits outstanding`, aio, other,
    `${BASELINE === undefined ? 'MQTT.js: publishAsync' : 'both MQTTClient'}; ${cpuNote(res, 'MQTTClient', otherName)}`,
    noiseOf(id, false, 'MQTTClient', otherName));
  printRow({
    id: 'mqttclient-client', scenario: '  MQTTClient vs Client, same QoS 1 work',
    mqttloop: aio === undefined ? '-' : `${fmtRate(aio)} aio`, other: cl === undefined ? '-' : `Client ${fmtRate(cl)}`,
    ratio: aio !== undefined && cl !== undefined ? aio / cl : null, note: `ratio = MQTTClient / Client; ${cpuNote(res, 'MQTTClient', 'Client')}`,
  });
}

async function payloadScenario(): Promise<void> {
  const sizes: Array<[string, number, number]> = [
    ['16b', 16, 20_000], ['1k', 1024, 20_000], ['64k', 65536, 3_000], ['1m', 1 << 20, 200],
  ];
  for (const [tag, size, n0] of sizes) {
    const id = `payload-${tag}`;
    if (!selected(id)) continue;
    const n = scale(n0);
    const o = (k: number): ThroughputOpts => ({ n: k, size, qos: 1, inflight: 100, driver: 'callbacks', topic: 'bench/size' });
    const res = await series(id, 'msg/s', bothSides((lib, k) => throughput(lib, o(k))), n, 3);
    const a = med(id, 'mqttloop');
    const b = med(id, OTHER.lib);
    const mb = (r?: number) => (r === undefined ? '' : `${((r * size) / 1e6).toFixed(size >= 65536 ? 0 : 1)} MB/s`);
    rateRow(id, `QoS 1 x100 in flight, ${n.toLocaleString('en')} x ${tag.toUpperCase().replace('B', ' B')}`, a, b,
      `${size >= 1024 ? `${mb(a)} vs ${mb(b)}; ` : ''}${cpuNote(res, 'mqttloop', OTHER.lib)}`, noiseOf(id));
  }
}

async function dispatchScenario(): Promise<void> {
  const id = 'dispatch';
  if (!selected(id)) return;
  const n = scale(100_000);
  const counts = [1, 100, 10_000];
  const sides: Side[] = counts.map((f) => ({ name: `${f}`, lib: 'mqttloop', run: (k) => dispatch(f, k, 64) }));
  const res = await series(id, 'msg/s', sides, n, 5);
  const base = med(id, '1');
  for (const f of counts.slice(1)) {
    const r = med(id, `${f}`);
    printRow({
      id: `dispatch-${f}`, scenario: `Dispatch QoS 0 x ${n.toLocaleString('en')}: ${f.toLocaleString('en')} filters vs 1`,
      mqttloop: r === undefined ? '-' : fmtRate(r), other: base === undefined ? '-' : `1 filter ${fmtRate(base)}`,
      ratio: r !== undefined && base !== undefined ? r / base : null, note: `mqttloop only; ratio = N filters / 1; ${cpuNote(res, `${f}`, '1')}`,
    });
  }
}

async function manyScenario(): Promise<void> {
  const id = 'many';
  if (!selected(id)) return;
  const count = scale(10_000);
  const sides = bothSides((lib, k) => manyConnections(lib, k));
  // The reference: the same fan-out over bare sockets, no MQTT library (many-raw.ts), in the same rounds.
  sides.push({ name: 'raw', lib: 'reference', run: (k) => manyConnections('raw', k) });
  const res = await series(id, 'ms fan-out', sides, count, 3);
  const [a, b] = [med(id, 'mqttloop'), med(id, OTHER.lib)];
  printRow({
    id, scenario: `Fan-out, 1 msg to ${count.toLocaleString('en')} clients in 1 process`, mqttloop: a === undefined ? '-' : fmtMs(a),
    other: b === undefined ? '-' : fmtMs(b), ratio: a !== undefined && b !== undefined ? b / a : null, noise: noiseOf(id, true),
    note: manyFanoutNote(res.get('mqttloop'), res.get(OTHER.lib)),
  });
  const ref = manyReferenceRow(res.get('raw'), res.get(OTHER.lib), OTHER.label);
  if (ref !== undefined) printRow(ref);
  medians.set('many-heap/mqttloop', medOf(res.get('mqttloop'), 'heapPerConn') ?? NaN);
  for (const row of manySubRows(res.get('mqttloop'), res.get(OTHER.lib), count)) printRow(row);
}

// ---- main -------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const against = BASELINE === undefined ? `MQTT.js ${require('mqtt/package.json').version}` : OTHER.label;
  const meta = {
    date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
    loadavg: os.loadavg(), mosquitto: mosquittoVersion(), quick: QUICK, only: ONLY ?? null, lib: LIB ?? null,
    publishChunk: PUBLISH_CHUNK, against, baseline: baselineDir() ?? null,
  };
  if (!(globalThis as { gc?: unknown }).gc) console.log('(note: run with --expose-gc for a GC before each run)');
  console.log(`mqttloop vs ${against} — mosquitto ${meta.mosquitto}, node ${meta.node}, ` +
    `${meta.cpus} CPUs, load ${meta.loadavg.map((l) => l.toFixed(2)).join(' ')}${QUICK ? ', --quick (N/10)' : ''}`);
  console.log('each figure: median of interleaved runs, each against a fresh mosquitto, all messages checked by sequence number');
  const mine = BASELINE === undefined ? 'mqttloop' : 'mqttloop (dist/)';
  const better = BASELINE === undefined ? 'mqttloop better' : 'this build better';
  console.log(`${'scenario'.padEnd(W)} | ${mine.padStart(20)} | ${OTHER.label.padStart(W2)} | ${'ratio'.padStart(6)}  (ratio > 1: ${better})`);
  const rule = '-'.repeat(W + W2 + 38);
  console.log(rule);
  const parts = [qos0, () => qosWindow(1, 20), () => qosWindow(1, 100), () => qosWindow(2, 20), () => qosWindow(2, 100),
    latencyScenario, idleScenario, mqttclientScenario, payloadScenario, dispatchScenario, manyScenario];
  for (const part of parts) await part();
  console.log(rule);
  const results = { rows, medians, cModeOf, rawVsC, quick: QUICK };
  const gs = BASELINE === undefined ? goalsVsMqttjs(results) : limitsVsBaseline(results);
  console.log(BASELINE === undefined ? 'goals against MQTT.js:' : `limits against ${OTHER.label}:`);
  for (const goal of gs) {
    const mark = goal.met === null ? (goal.detail === 'not measured' ? 'not run' : 'unknown') : goal.met ? 'met' : 'NOT met';
    console.log(`  ${goal.goal.padEnd(BASELINE === undefined ? 46 : 80)} ${mark.padEnd(8)} ${goal.detail}`);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`(${seconds.toFixed(0)} s)`);
  if (JSON_FILE) {
    fs.writeFileSync(JSON_FILE, JSON.stringify({ meta: { ...meta, seconds }, rows, goals: gs, runs }, null, 2) + '\n');
    console.log(`raw figures: ${JSON_FILE}`);
  }
}

main().then(() => process.exit(0), (e) => {
  process.stdout.write('\n');
  if (e instanceof BenchError) console.error(`bench FAILED: ${e.message}`);
  else console.error('bench FAILED:', e);
  process.exit(1);
});
