/**
 * What every measurement of spec/bench shares: a fresh mosquitto for each run (started before
 * it, killed after it), the clock and the CPU accounting (this process and the broker), and
 * the Measure each run returns to run.ts.
 */
import { readFileSync } from 'fs';
import type { MosquittoBroker } from '../support/mosquitto';
import { percentile, SeqCheck, startBenchBroker } from './support';

/** No new delivery for this long (after publishing ended) fails the run. */
export const STALL_MS = 10_000;
export const ACK_MS = 30_000;
export const now = () => process.hrtime.bigint();
const msBetween = (a: bigint, b: bigint) => Number(b - a) / 1e6;

export interface Measure {
  /** The figure the row reports (msg/s, ms, bytes). */
  value: number;
  ms?: number;
  n?: number;
  extra?: Record<string, unknown>;
}

/** pid of the broker of the measurement in progress (for its CPU time). */
let brokerPid = -1;

export async function withBroker<T>(fn: (b: MosquittoBroker) => Promise<T>): Promise<T> {
  const broker = await startBenchBroker();
  brokerPid = broker.pid;
  try {
    return await fn(broker);
  } finally {
    // No persistence: SIGKILL is safe, and saves the ~100 ms mosquitto takes to exit on SIGTERM.
    // The broker's child handle is unref()ed: hold the event loop open until its exit is seen.
    const hold = setInterval(() => undefined, 1000);
    try {
      await broker.kill9();
      await broker.stop();
    } finally {
      clearInterval(hold);
    }
  }
}

export type QoS = 0 | 1 | 2;

let cpuAtStart: NodeJS.CpuUsage = process.cpuUsage();
let brokerCpuAtStart = 0;
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

/** The broker's user + system CPU time so far, in µs (-1 where /proc is unavailable). */
function brokerCpuUs(): number {
  try {
    const stat = readFileSync(`/proc/${brokerPid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK; // #14 utime, #15 stime
  } catch {
    return -1;
  }
}

/** The clock starts: also notes this process's and the broker's CPU time, to report CPU µs per message. */
export function start(): bigint {
  brokerCpuAtStart = brokerCpuUs();
  cpuAtStart = process.cpuUsage();
  return now();
}

/** The broker's CPU time (µs) since start(): for runs whose client work is another process's (libmosquitto.ts). */
export function brokerUsSinceStart(): number {
  const b = brokerCpuUs();
  return b >= 0 && brokerCpuAtStart >= 0 ? b - brokerCpuAtStart : NaN;
}

/**
 * msg/s from t0 to `end`, plus this process's CPU time per message over the run (publisher
 * and subscriber together; user + system), which contention on the machine disturbs less
 * than the rate.
 */
export function result(n: number, t0: bigint, end: bigint, check: SeqCheck, extra: Record<string, unknown> = {}): Measure {
  const ms = msBetween(t0, end);
  const cpu = process.cpuUsage(cpuAtStart);
  const brokerNow = brokerCpuUs();
  const broker = brokerNow >= 0 && brokerCpuAtStart >= 0 ? brokerNow - brokerCpuAtStart : NaN;
  return {
    value: n / (ms / 1000), ms, n,
    extra: {
      cpuUsPerMsg: (cpu.user + cpu.system) / n, sysUsPerMsg: cpu.system / n,
      /** Fraction of one core this process used over the run. */
      cpuLoad: (cpu.user + cpu.system) / 1000 / ms,
      brokerCpuUsPerMsg: broker / n,
      /** Fraction of one core mosquitto used over the run (~1: the broker is the bottleneck). */
      brokerLoad: broker / 1000 / ms,
      outOfOrder: check.outOfOrder, ...extra,
    },
  };
}

export function latencyMeasure(samples: Float64Array, n: number): Measure {
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  let sum = 0;
  let max = 0;
  for (const s of samples) { sum += s; if (s > max) max = s; }
  return { value: p99, n, extra: { p50, p90: percentile(samples, 90), p95: percentile(samples, 95), p99, p999: percentile(samples, 99.9), max, mean: sum / n } };
}
