/**
 * The many-connections measurement of spec/bench/run.ts: COUNT clients of one library in one
 * process, all subscribed to the same topic. Each measurement starts a fresh mosquitto
 * (measure.ts, `max_connections -1`) and a child process (many-child.ts: what it measures and
 * how), so neither library's heap or sockets weigh on the other's figures. The Measure's value
 * is the median fan-out time (ms from publish() to the last of COUNT message callbacks); the
 * connect time, memory and keepalive CPU ride in `extra`. Besides the two libraries, side 'raw'
 * is the reference: the same work over bare sockets with no MQTT library (many-raw.ts), the
 * floor any Node client can reach against this broker.
 */
import * as path from 'path';
import { baselineDir, Lib } from './builds';
import { Measure, withBroker } from './measure';
import { runMeasuringChild } from './measuringChild';
import { fmtMs, median } from './support';

/** Keepalive of every client (s), and how many keepalive periods the idle phase lasts. */
export const MANY_KEEPALIVE_S = 5;
export const MANY_IDLE_PERIODS = 3;
/**
 * Clients connecting at once: mosquitto 2.0 listens with a backlog of 100, and more at once
 * overflow it (the kernel drops the handshake, the client retries after 1 s: connect time
 * would measure the retransmission timer).
 */
export const MANY_BATCH = 100;
/** Publishes timed per measurement (their median is the measurement's fan-out time). */
export const MANY_FANOUTS = 7;

/** A side of the row: one of the two libraries, or the bare-socket reference. */
export type ManyKind = Lib | 'raw';

export function manyConnections(lib: ManyKind, count: number): Promise<Measure> {
  return withBroker(async (b) => {
    const script = path.join(__dirname, 'many-child.ts');
    const flags = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16', '--import', 'tsx'];
    const args = [lib, String(b.port), String(count), String(MANY_BATCH), String(MANY_KEEPALIVE_S), String(MANY_FANOUTS), String(MANY_IDLE_PERIODS), String(b.pid)];
    if (lib === 'baseline') args.push(baselineDir() ?? '');
    const r = await runMeasuringChild<{ error?: string; count: number; connectMs: number; fanMs: number[]; fanCpuMs: number[]; fanBrokerCpuMs: number[]; rssPerConn: number; heapPerConn: number; keepaliveCpuUsPerConnPeriod: number }>(
      `many ${lib}`, flags, script, args, count);
    return {
      value: median(r.fanMs), n: count,
      extra: {
        /** Per fan-out, medians: this process's CPU per delivery (µs), the broker's CPU (ms). */
        fanCpuUsPerDelivery: (median(r.fanCpuMs) * 1000) / count, fanBrokerCpuMs: median(r.fanBrokerCpuMs),
        connectMs: r.connectMs, rssPerConn: r.rssPerConn, heapPerConn: r.heapPerConn,
        keepaliveCpuUs: r.keepaliveCpuUsPerConnPeriod, child: r,
      },
    };
  });
}

/** One line of the table, in run.ts's Row shape (ratio > 1: mqttloop better). */
export interface ManyRow { id: string; scenario: string; mqttloop: string; other: string; ratio: number | null; note?: string }

/** The goal on idle V8 heap per connection with COUNT clients held (bytes). */
export const MANY_HEAP_GOAL = 3 * 1024;

/**
 * The rows under the fan-out row (which run.ts prints itself, with the rounds' noise): connect
 * time, memory and keepalive CPU, each the median over the rounds of each side.
 */
export function manySubRows(mine: Measure[] | undefined, other: Measure[] | undefined, count: number): ManyRow[] {
  const m = (ms: Measure[] | undefined, key: string) => (ms && ms.length > 0 ? median(ms.map((x) => Number(x.extra?.[key]))) : undefined);
  const row = (id: string, scenario: string, key: string, fmt: (v: number) => string, note?: string): ManyRow => {
    const a = m(mine, key);
    const b = m(other, key);
    return {
      id, scenario, mqttloop: a === undefined ? '-' : fmt(a), other: b === undefined ? '-' : fmt(b),
      ratio: a !== undefined && b !== undefined && a > 0 ? b / a : null, note,
    };
  };
  const kb = (v: number) => `${(v / 1024).toFixed(2)} KB`;
  const rss = `RSS/conn ${[mine, other].map((x) => { const v = m(x, 'rssPerConn'); return v === undefined ? '-' : kb(v); }).join(' vs ')}`;
  return [
    row('many-connect', `  connect + SUBACK, ${count.toLocaleString('en')} clients, ${MANY_BATCH} at a time`, 'connectMs', (v) => `${(v / 1000).toFixed(2)} s`),
    row('many-heap', `  idle V8 heap per connection (${count.toLocaleString('en')} held)`, 'heapPerConn', kb, rss),
    row('many-keepalive', `  keepalive CPU per conn per ${MANY_KEEPALIVE_S} s period`, 'keepaliveCpuUs', (v) => `${v.toFixed(1)} µs`,
      `this process's user+system over ${MANY_IDLE_PERIODS} idle periods`),
  ];
}

/** The fan-out row's note: what is timed, and the CPU of each side's process and of the broker per fan-out. */
export function manyFanoutNote(mine: Measure[] | undefined, other: Measure[] | undefined): string {
  const m = (ms: Measure[] | undefined, key: string, digits: number) =>
    ms && ms.length > 0 ? median(ms.map((x) => Number(x.extra?.[key]))).toFixed(digits) : '-';
  return `publish to the last callback, median of ${MANY_FANOUTS} a run; ` +
    `CPU µs/delivery ${m(mine, 'fanCpuUsPerDelivery', 1)} vs ${m(other, 'fanCpuUsPerDelivery', 1)}, ` +
    `broker CPU ms/fan-out ${m(mine, 'fanBrokerCpuMs', 0)} vs ${m(other, 'fanBrokerCpuMs', 0)}`;
}

/**
 * The sub-row under the fan-out row for the reference side (bare sockets, no MQTT library: the
 * floor against this broker), against the other side; ratio = the other side's time / raw's
 * (> 1: bare sockets faster). undefined when the raw side did not run (--lib).
 */
export function manyReferenceRow(raw: Measure[] | undefined, other: Measure[] | undefined, otherLabel: string): ManyRow | undefined {
  if (raw === undefined || raw.length === 0) return undefined;
  const m = (ms: Measure[] | undefined, key: string, digits: number, scale = 1) => {
    const v = ms && ms.length > 0 ? median(ms.map((x) => Number(x.extra?.[key]))) / scale : NaN;
    return Number.isFinite(v) ? v.toFixed(digits) : '-';
  };
  const r = median(raw.map((x) => x.value));
  const o = other && other.length > 0 ? median(other.map((x) => x.value)) : undefined;
  return {
    id: 'many-raw', scenario: '  reference: bare sockets, fan-out', mqttloop: fmtMs(r), other: o === undefined ? '-' : fmtMs(o),
    ratio: o === undefined ? null : o / r,
    note: `the broker's floor; ratio = ${otherLabel} / raw; CPU µs/delivery ${m(raw, 'fanCpuUsPerDelivery', 1)} vs ` +
      `${m(other, 'fanCpuUsPerDelivery', 1)}, broker CPU ms/fan-out ${m(raw, 'fanBrokerCpuMs', 0)} vs ${m(other, 'fanBrokerCpuMs', 0)}; ` +
      `raw heap/conn ${m(raw, 'heapPerConn', 2, 1024)} KB, keepalive ${m(raw, 'keepaliveCpuUs', 1)} µs/conn/period (raw PINGREQs)`,
  };
}
