/**
 * The C client's two ways of driving its clients, against mqttloop: libmosquitto's threaded loop
 * (the bench's C column), a single thread polling both sockets ('single': publishing whenever the
 * window has room; 'single-queue': all N published up front), and mqttloop, QoS 1/2 throughput
 * with 20 and 100 in flight, the work of run.ts's qosWindow() rows (--qos0: also run.ts's QoS 0
 * row, 200,000 x 64 B, where 'single' publishes up to 500 a turn while the socket takes them).
 * Interleaved rounds, each against a fresh mosquitto, medians.
 *
 *   npm run build && node --expose-gc --import tsx spec/bench/cmodes.ts [--rounds N] [--quick] [--qos0] [--json FILE]
 *     [--sides threaded,single,single-queue,mqttloop] [--rows 1-20,1-100,2-20,2-100]
 */
import * as fs from 'fs';
import * as os from 'os';
import { CMode, cThroughput, cUnavailable } from './libmosquitto';
import type { Measure } from './measure';
import { throughput, ThroughputOpts } from './scenarios';
import { fmtRate, median } from './support';

const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const ROUNDS = Number(opt('--rounds') ?? 3);
const QUICK = argv.includes('--quick');
const JSON_FILE = opt('--json');

const why = cUnavailable();
if (why !== undefined) {
  console.error(`cmodes: no libmosquitto adapter: ${why}`);
  process.exit(2);
}

const modes: CMode[] = ['threaded', 'single', 'single-queue'];
const onlySides = opt('--sides')?.split(',');
const sides: Array<{ name: string; run: (o: ThroughputOpts) => Promise<Measure> }> = [
  ...modes.map((m) => ({ name: `C ${m}`, run: (o: ThroughputOpts) => cThroughput(o, m) })),
  { name: 'mqttloop', run: (o: ThroughputOpts) => throughput('mqttloop', o) },
].filter((s) => onlySides === undefined || onlySides.includes(s.name.replace(/^C /, '')));
const ROWS = [[1, 20], [1, 100], [2, 20], [2, 100]] as const;
const loadNow = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const records: unknown[] = [];
  console.log(`C modes vs mqttloop, ${ROUNDS} interleaved rounds, medians; ${os.cpus().length} CPUs, load at start ${loadNow()}`);
  const onlyRows = opt('--rows')?.split(',');
  const rows = (argv.includes('--qos0') ? [[0, 0], ...ROWS] as const : ROWS)
    .filter(([q, w]) => onlyRows === undefined || onlyRows.includes(`${q}-${w}`));
  for (const [qos, window] of rows) {
    const n = Math.round((qos === 0 ? 200_000 : qos === 1 ? 50_000 : 20_000) / (QUICK ? 10 : 1));
    const o = (k: number): ThroughputOpts => (qos === 0 ? { n: k, size: 64, qos } : { n: k, size: 64, qos, inflight: window, driver: 'window' });
    const got = new Map<string, Measure[]>(sides.map((s) => [s.name, []]));
    for (const s of sides) await s.run(o(Math.round(n / 10))); // untimed warm-up
    const loads: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      loads.push(os.loadavg()[0].toFixed(2));
      for (const s of sides) {
        const m = await s.run(o(n));
        got.get(s.name)!.push(m);
        records.push({ qos, window, n, side: s.name, round, value: m.value, extra: m.extra, load: os.loadavg() });
      }
    }
    const rate = (name: string) => median(got.get(name)!.map((m) => m.value));
    const cpu = (name: string) => median(got.get(name)!.map((m) => Number(m.extra?.cpuUsPerMsg)));
    const broker = (name: string) => median(got.get(name)!.map((m) => Number(m.extra?.brokerLoad)));
    const ml = got.has('mqttloop') ? rate('mqttloop') : NaN;
    console.log(`QoS ${qos}${qos === 0 ? '' : `, ${window} in flight`}, ${n.toLocaleString('en')} x 64 B (load 1-min at each round: ${loads.join(', ')})`);
    for (const s of sides) {
      const r = rate(s.name);
      const each = got.get(s.name)!.map((m) => fmtRate(m.value)).join(' ');
      console.log(`  ${s.name.padEnd(16)} ${fmtRate(r).padStart(9)}  CPU µs/msg ${cpu(s.name).toFixed(1).padStart(5)}  broker ${Math.round(broker(s.name) * 100)}%` +
        `${s.name === 'mqttloop' || Number.isNaN(ml) ? '' : `  mqttloop / this ${(ml / r).toFixed(2)}x`}  rounds: ${each}`);
    }
  }
  console.log(`load at end ${loadNow()}`);
  if (JSON_FILE) fs.writeFileSync(JSON_FILE, JSON.stringify(records, null, 1));
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
