/**
 * The libmosquitto (C client) side of `npm run bench`: QoS 0/1/2 throughput and QoS 0 latency,
 * the same work as the Node sides (spec/bench/c/mosq_bench.c says how), as a child process
 * against the measurement's own fresh mosquitto. The adapter is compiled on first use with
 * `cc -O2 ... -lmosquitto` into .cache/bench-c/ (git-ignored; the binary's name carries a hash
 * of the source, so an edited or checked-out source is compiled again);
 * without a compiler or libmosquitto-dev the side is left out, with a note printed once.
 *
 * The child prints "ready" once connected and subscribed; the clock and the broker's CPU
 * accounting start when it is told to go (measure.ts start()). Its figures come back as one
 * JSON line: elapsed time and its own CPU time (getrusage, all threads), and its subscriber's
 * sequence-number check, which fails the bench like the other sides' SeqCheck.
 */
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ACK_MS, brokerUsSinceStart, Measure, start, withBroker } from './measure';
import type { LatencyOpts, ThroughputOpts } from './scenarios';
import { BenchError } from './support';

/** The side's name in series() and the JSON records. */
export const C_SIDE = 'libmosquitto';
/** The single-threaded C side (throughput only): one thread polls both clients' sockets. */
export const C_SINGLE_SIDE = 'libmosquitto-single';

/**
 * How the adapter drives its two clients (mosq_bench.c): 'threaded', each its own network
 * thread (mosquitto_loop_start), the main thread publishing; 'single', one thread, poll() on
 * both sockets with mosquitto_loop_read/write/misc, publishing whenever the window has room;
 * 'single-queue', the same loop with all N published up front (the library queues the rest).
 */
export type CMode = 'threaded' | 'single' | 'single-queue';

const SRC = path.join(__dirname, 'c', 'mosq_bench.c');
const BIN = path.join(__dirname, '..', '..', '.cache', 'bench-c',
  `mosq_bench-${createHash('sha256').update(fs.readFileSync(SRC)).digest('hex').slice(0, 12)}`);
let state: { ok: true } | { ok: false; why: string } | undefined;

/** Compiles the adapter if needed; undefined when usable, else why not. */
export function cUnavailable(): string | undefined {
  if (state === undefined) {
    if (fs.existsSync(BIN)) {
      state = { ok: true };
    } else {
      fs.mkdirSync(path.dirname(BIN), { recursive: true });
      const cc = process.env.CC ?? 'cc';
      const tmp = `${BIN}.${process.pid}.tmp`; // renamed into place: a half-written binary is never run
      const r = spawnSync(cc, ['-O2', '-o', tmp, SRC, '-lmosquitto', '-lpthread'], { encoding: 'utf8' });
      if (r.status === 0) fs.renameSync(tmp, BIN);
      state = r.status === 0 ? { ok: true }
        : { ok: false, why: r.error ? `${cc}: ${r.error.message}` : (r.stderr.trim().split('\n')[0] || `${cc} exited ${r.status}`) };
    }
  }
  return state.ok ? undefined : state.why;
}

let noted = false;
/** The libmosquitto side for series(), or none (a note printed once) when it cannot be built or --no-c. */
export function cSides(enabled: boolean, run: (n: number) => Promise<Measure>, name = C_SIDE): Array<{ name: string; lib: 'reference'; run: (n: number) => Promise<Measure> }> {
  const why = enabled ? cUnavailable() : '--no-c';
  if (why === undefined) return [{ name, lib: 'reference', run }];
  if (!noted) console.log(`(note: no libmosquitto (C client) rows: ${why}; apt-get install libmosquitto-dev and a C compiler)`);
  noted = true;
  return [];
}

/** Runs the adapter against a fresh broker; returns its JSON figures once its check passed. */
function runC(args: string[], n: number): Promise<{ r: Record<string, number>; brokerUs: number }> {
  return withBroker(async (b) => {
    const child = spawn(BIN, [String(b.port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let brokerUs = NaN;
    let started = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!started && out.startsWith('ready\n')) {
        started = true;
        start();
        child.stdin.write('go\n');
      } else if (started && out.endsWith('}\n') && Number.isNaN(brokerUs)) {
        brokerUs = brokerUsSinceStart();
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.stdin.on('error', () => undefined); // a child that died early: its output says why
    const limit = setTimeout(() => child.kill('SIGKILL'), ACK_MS + n);
    child.on('error', (e) => { err += `${e.message}\n`; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(limit);
    const line = out.trim().split('\n').pop() ?? '';
    let r: Record<string, number> & { error?: string };
    try {
      r = JSON.parse(line);
    } catch {
      throw new BenchError(`libmosquitto: adapter exited ${code} without a result\n${out}\n${err}`);
    }
    if (r.error) throw new BenchError(`libmosquitto: ${r.error}`);
    if (r.lost !== 0 || r.duplicates !== 0 || r.malformed !== 0) {
      throw new BenchError(`libmosquitto subscriber: check failed: received ${r.received} of ${r.n} distinct messages, ` +
        `${r.lost} lost, ${r.duplicates} duplicates, ${r.malformed} malformed (${r.acked} acknowledged)`);
    }
    return { r, brokerUs };
  });
}

/** Throughput as scenarios.ts throughput() with the 'window' driver: msg/s, CPU per message. */
export async function cThroughput(o: ThroughputOpts, mode: CMode = 'threaded'): Promise<Measure> {
  const { r, brokerUs } = await runC(['throughput', String(o.qos), String(o.n), String(o.size), String(o.inflight ?? 20), mode], o.n);
  if (String(r.mode) !== mode) throw new BenchError(`libmosquitto: asked for the ${mode} mode, the adapter ran ${String(r.mode)}`);
  return {
    value: o.n / (r.ms / 1000), ms: r.ms, n: o.n,
    extra: {
      cpuUsPerMsg: r.cpuUs / o.n, sysUsPerMsg: r.sysUs / o.n, cpuLoad: r.cpuUs / 1000 / r.ms,
      brokerCpuUsPerMsg: brokerUs / o.n, brokerLoad: brokerUs / 1000 / r.ms, outOfOrder: r.outOfOrder, version: r.version,
    },
  };
}

/** QoS 0 latency as scenarios.ts latency(): value p99 in ms; extra.p50 etc. */
export async function cLatency(o: LatencyOpts): Promise<Measure> {
  const { r } = await runC(['latency', '0', String(o.n), String(o.size), String(o.warmup), String(o.rateHz)], o.n + o.warmup);
  return { value: r.p99, n: o.n, extra: { p50: r.p50, p99: r.p99, p999: r.p999, max: r.max, mean: r.mean, version: r.version } };
}
