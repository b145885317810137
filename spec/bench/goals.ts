/**
 * The goals `npm run bench` judges at the end of a run (spec/bench/run.ts): against MQTT.js and
 * the C client (the performance issues' targets), or, with --baseline, the limits a change must
 * hold against another build (idle heap under a cap, every row within the run's own noise).
 */
import { MANY_HEAP_GOAL } from './many';
import { fmtKB, fmtMs, median } from './support';

/** A printed row of the table. */
export interface Row {
  id: string;
  scenario: string;
  mqttloop: string;
  /** The other side's figure: MQTT.js, or the baseline build (--baseline). */
  other: string;
  /** > 1: mqttloop (this build) better. */
  ratio: number | null;
  /** Rows that compare the two sides on the same measure: each side's rounds, the run's own noise. */
  noise?: Noise;
  note?: string;
}
export interface Noise {
  mine: number[];
  other: number[];
  /** Latency and memory: a lower figure is better. */
  lowerBetter: boolean;
}

/** (max - min) / median; NaN with fewer than two values. */
function spreadOf(xs: number[]): number {
  if (xs.length < 2) return NaN;
  return (Math.max(...xs) - Math.min(...xs)) / median(xs);
}

/** How far apart the rounds of one side were, the larger of the two sides: (max - min) / median. */
export const spreadOfNoise = (n: Noise): number => Math.max(spreadOf(n.mine), spreadOf(n.other));

/** A fraction as a whole percentage; '-' when unknown. */
export function pct(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '-' : `${Math.round(r * 100)}%`;
}

export interface Goal { goal: string; met: boolean | null; detail: string }

/** What the run measured, as run.ts collected it. */
export interface Results {
  rows: Row[];
  /** `${scenario}/${side}` -> median value (and extras). */
  medians: Map<string, number>;
  /** Which C mode each "vs libmosquitto" throughput row compared with (row id -> label). */
  cModeOf: Map<string, string>;
  /** Bare sockets over the same C side, per "vs libmosquitto" row (row id -> ratio). */
  rawVsC?: Map<string, number>;
  quick: boolean;
}

/** The performance goals against MQTT.js. */
export function goalsVsMqttjs({ rows, medians, cModeOf, rawVsC }: Results): Goal[] {
  const ratio = (id: string) => rows.find((r) => r.id === id)?.ratio ?? null;
  const ceiling = (id: string, what: string) => {
    const r = ratio(id);
    return r === null ? '' : `; ${what} ${r.toFixed(2)}x`;
  };
  const g = (goal: string, id: string, min: number, show: (r: number) => string, context = ''): Goal => {
    const r = ratio(id);
    return { goal, met: r === null ? null : r >= min, detail: r === null ? 'not measured' : show(r) + context };
  };
  const x = (r: number) => `${r.toFixed(2)}x`;
  const rawP99 = ratio('latency-raw');
  const heapVs = (kind: string, what: string): string => {
    const ours = medians.get('idle-heap/mqttloop');
    const theirs = medians.get(`idle-heap/${kind}`);
    return ours && theirs ? `; heap/conn ${(ours / theirs).toFixed(2)}x of ${what}` : '';
  };
  return [
    g('QoS 0 throughput >= 1.3x MQTT.js', 'qos0', 1.3, x, ceiling('qos0-raw', 'bare sockets reach')),
    g('QoS 1, 100 in flight >= 1.2x MQTT.js', 'qos1-100', 1.2, x, ceiling('qos1-100-raw', 'bare sockets reach')),
    g('QoS 2, 100 in flight >= 1.2x MQTT.js', 'qos2-100', 1.2, x),
    ...(['qos1-20', 'qos1-100', 'qos2-20', 'qos2-100'] as const).map((id) =>
      g(`QoS ${id[3]}, ${id.slice(5)} in flight >= 1.0x libmosquitto`, `${id}-c`, 1.0, x,
        (cModeOf.has(`${id}-c`) ? ` of its faster mode (${cModeOf.get(`${id}-c`)})` : '') +
        (rawVsC?.has(`${id}-c`) ? `; bare sockets reach ${rawVsC.get(`${id}-c`)!.toFixed(2)}x` : ''))),
    g('p99 latency <= 0.5x MQTT.js', 'latency-p99', 2, (r) => `${(1 / r).toFixed(2)}x of MQTT.js's p99`,
      rawP99 === null ? '' : `; bare sockets ${(1 / rawP99).toFixed(2)}x`),
    nodeFloorGoal(medians, 'p50'), nodeFloorGoal(medians, 'p99'),
    g('idle RSS/conn <= 0.35x MQTT.js', 'idle', 1 / 0.35, (r) => `${(1 / r).toFixed(2)}x of MQTT.js`, heapVs('mqttjs', 'MQTT.js')),
    g('idle RSS/conn within 1.3x of a bare socket', 'idle-socket', 1 / 1.3, (r) => `${(1 / r).toFixed(2)}x of the socket`, heapVs('socket', 'the socket')),
    g('MQTTClient >= 0.9x Client (QoS 1)', 'mqttclient-client', 0.9, x),
    g('dispatch, 10,000 filters within 2x of 1', 'dispatch-10000', 0.5, (r) => `${(1 / r).toFixed(2)}x the time per message of 1 filter`),
    g('many: fan-out time <= 0.7x MQTT.js', 'many', 1 / 0.7, (r) => `${(1 / r).toFixed(2)}x of MQTT.js's time`, manyFloor(medians)),
    manyHeapGoal(medians),
  ];
}

/** Latency at the Node floor: mqttloop's p50 or p99 within 1.1x of the bare-socket row's in the same run. */
function nodeFloorGoal(medians: Map<string, number>, key: 'p50' | 'p99'): Goal {
  const ours = medians.get(`latency-${key}/mqttloop`);
  const raw = medians.get(`latency-${key}/raw`);
  const goal = `latency ${key} within 1.1x of bare sockets`;
  if (ours === undefined || raw === undefined || !Number.isFinite(ours) || !Number.isFinite(raw)) return { goal, met: null, detail: 'not measured' };
  return { goal, met: ours <= 1.1 * raw, detail: `${(ours / raw).toFixed(2)}x (${fmtMs(ours)} vs ${fmtMs(raw)})` };
}

/** The fan-out goal's context: the bare-socket reference's time (many.ts, side raw), the floor this broker allows. */
function manyFloor(medians: Map<string, number>): string {
  const raw = medians.get('many/raw');
  const other = medians.get('many/mqttjs');
  if (raw === undefined || !Number.isFinite(raw)) return '';
  const vs = other === undefined || !Number.isFinite(other) ? '' : ` (${(raw / other).toFixed(2)}x of MQTT.js's)`;
  return `; bare sockets take ${fmtMs(raw)}${vs}: the broker's floor`;
}

/** The many-connections row's idle V8 heap per connection, against its goal (many.ts). */
function manyHeapGoal(medians: Map<string, number>): Goal {
  const heap = medians.get('many-heap/mqttloop');
  const goal = `many: idle heap/conn <= ${(MANY_HEAP_GOAL / 1024).toFixed(0)} KB`;
  return heap === undefined || !Number.isFinite(heap) ? { goal, met: null, detail: 'not measured' } : { goal, met: heap <= MANY_HEAP_GOAL, detail: `${(heap / 1024).toFixed(2)} KB` };
}

/** Idle V8 heap per connection a change may not exceed: a measured limit (shared/DESIGN.md, idle memory). */
const IDLE_HEAP_CAP = 4.0 * 1024;

/**
 * Whether this build's rounds reach the baseline's: its best round at least as good as the
 * baseline's worst. If they do, the two cannot be told apart in this run (or this build is
 * better); if not, `gap` says by how much its best round falls short. null: fewer than two
 * rounds a side, no noise to judge by.
 */
function withinNoise(n: Noise): { met: boolean; gap: number } | null {
  if (n.mine.length < 2 || n.other.length < 2) return null;
  if (n.lowerBetter) {
    const best = Math.min(...n.mine);
    const worst = Math.max(...n.other);
    return { met: best <= worst, gap: (best - worst) / worst };
  }
  const best = Math.max(...n.mine);
  const worst = Math.min(...n.other);
  return { met: best >= worst, gap: (worst - best) / worst };
}

/**
 * The limits against the baseline build: idle heap per connection under the cap, and every
 * compared row within the run's noise of the baseline (withinNoise: the two sides' rounds overlap).
 */
export function limitsVsBaseline({ rows, medians, quick }: Results): Goal[] {
  const heap = medians.get('idle-heap/mqttloop');
  const before = medians.get('idle-heap/baseline');
  const kb2 = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`; // the cap is close: show what decides it
  // One-time costs weigh on 100 connections: the cap is for the full run's 1,000.
  const few = quick ? '; --quick holds 100 connections, too few for this figure: judge a full run' : '';
  const out: Goal[] = [{
    goal: `idle heap/conn <= ${fmtKB(IDLE_HEAP_CAP)}`,
    met: heap === undefined || !Number.isFinite(heap) ? null : heap <= IDLE_HEAP_CAP,
    detail: heap === undefined || !Number.isFinite(heap) ? 'not measured' : `${kb2(heap)} (baseline ${kb2(before ?? NaN)})${few}`,
  }];
  for (const row of rows) {
    if (row.noise === undefined) continue;
    const { ratio } = row;
    const judged = withinNoise(row.noise);
    const how = judged === null ? 'one round a side: no noise to judge by'
      : judged.met ? `rounds overlap (spread ${pct(spreadOfNoise(row.noise))})`
      : `best round ${pct(judged.gap)} short of the baseline's worst`;
    out.push({
      goal: `${row.scenario.trim()}: within noise of baseline`,
      met: ratio === null || !Number.isFinite(ratio) ? null : judged?.met ?? null,
      detail: ratio === null || !Number.isFinite(ratio) ? 'not measured' : `${ratio.toFixed(2)}x of baseline; ${how}`,
    });
  }
  return out;
}
