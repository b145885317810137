/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self and inclusive time per function and
 * self time per file, so the hot spots of a bench scenario read in one screen.
 *
 *   node --cpu-prof --cpu-prof-dir /tmp/prof --expose-gc --import tsx spec/bench/run.ts --only qos0 --lib mqttloop
 *   npx tsx spec/bench/cpuprofile.ts /tmp/prof/*.cpuprofile [--top 40] [--match dist/]
 *
 * --match TEXT keeps only functions whose file contains TEXT in the function tables (the
 * percentages stay relative to the whole profile). Paths are shown relative to the repo.
 */
import * as fs from 'fs';
import * as path from 'path';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const TOP = Number(opt('--top') ?? 30);
const MATCH = opt('--match');
const files = args;
if (files.length === 0) {
  console.error('usage: tsx spec/bench/cpuprofile.ts FILE.cpuprofile... [--top N] [--match TEXT]');
  process.exit(2);
}
const root = path.resolve(__dirname, '..', '..');

function where(cf: CallFrame): string {
  let u = cf.url.replace(/^file:\/\//, '');
  if (u.startsWith(root)) u = u.slice(root.length + 1);
  if (u === '') return '(native)';
  return `${u}:${cf.lineNumber + 1}`;
}
function fileOf(cf: CallFrame): string {
  const w = where(cf);
  const i = w.lastIndexOf(':');
  return i > 0 && w !== '(native)' ? w.slice(0, i) : w;
}
const keyOf = (cf: CallFrame) => `${cf.functionName || '(anonymous)'} ${where(cf)}`;

/** Coarse buckets: where a sample's leaf function lives. */
function category(cf: CallFrame): string {
  const u = cf.url;
  const name = cf.functionName;
  if (u === '') {
    if (name === '(idle)') return 'idle';
    if (name === '(garbage collector)') return 'GC';
    if (name === '(program)') return 'V8/native (program)';
    if (/^(writev|writeBuffer|writeUtf8String|writeLatin1String|readStart|readStop|close|shutdown)$/.test(name)) return 'socket syscalls (writev/writeBuffer/...)';
    return `native: other`;
  }
  if (u.includes('/dist/')) return 'mqttloop (dist/)';
  if (/node_modules\/(mqtt|mqtt-packet|bl|readable-stream|duplexify|number-allocator|debug|worker-timers|rfdc|commist|help-me|split2|ws)\//.test(u)) return 'MQTT.js and its deps';
  if (u.includes('node_modules/eventemitter3')) return 'mqttloop deps (eventemitter3)';
  if (u.includes('/spec/')) return 'bench harness (spec/)';
  if (/node:internal\/(modules|bootstrap|source_map)|tsx\//.test(u)) return 'module loading';
  if (/node:internal\/streams|node:net|node:internal\/stream_base_commons|node:stream/.test(u)) return 'node streams/net';
  if (/node:internal\/timers|node:timers|task_queues|node:events/.test(u)) return 'node timers/ticks/events';
  if (/node:internal\/buffer|node:buffer/.test(u)) return 'node Buffer';
  if (/child_process/.test(u)) return 'child processes (broker start)';
  return 'node: other';
}

const cats = new Map<string, number>();
const self = new Map<string, number>();
const incl = new Map<string, number>();
const fileSelf = new Map<string, number>();
const keyFile = new Map<string, string>();
let total = 0;

for (const f of files) {
  const p = JSON.parse(fs.readFileSync(f, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample i lasts until sample i+1: attribute timeDeltas[i+1] (µs) to it.
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    total += dt;
    const leaf = byId.get(p.samples[i])!;
    const cat = category(leaf.callFrame);
    cats.set(cat, (cats.get(cat) ?? 0) + dt);
    const k = keyOf(leaf.callFrame);
    keyFile.set(k, fileOf(leaf.callFrame));
    self.set(k, (self.get(k) ?? 0) + dt);
    fileSelf.set(fileOf(leaf.callFrame), (fileSelf.get(fileOf(leaf.callFrame)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      const key = keyOf(n.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      keyFile.set(key, fileOf(n.callFrame));
      incl.set(key, (incl.get(key) ?? 0) + dt);
    }
  }
}

const pct = (ms: number) => `${((100 * ms) / total).toFixed(1).padStart(5)}%`;
const show = (title: string, m: Map<string, number>, filter: boolean) => {
  console.log(`\n${title}`);
  const rows = [...m.entries()]
    .filter(([k]) => !filter || MATCH === undefined || (keyFile.get(k) ?? k).includes(MATCH))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP);
  for (const [k, ms] of rows) console.log(`${ms.toFixed(0).padStart(8)} ms ${pct(ms)}  ${k}`);
};

console.log(`${files.length} profile(s), ${(total / 1000).toFixed(1)} s sampled`);
const busy = total - (cats.get('idle') ?? 0);
console.log('\nself time by category (% of busy = not idle)');
for (const [k, ms] of [...cats.entries()].sort((a, b) => b[1] - a[1])) {
  console.log(`${ms.toFixed(0).padStart(8)} ms ${pct(ms)}  ${k === 'idle' ? '' : `${((100 * ms) / busy).toFixed(1).padStart(5)}% of busy  `}${k}`);
}
show('self time by file', fileSelf, false);
show(`self time by function${MATCH ? ` (files matching '${MATCH}')` : ''}`, self, true);
show(`inclusive time by function${MATCH ? ` (files matching '${MATCH}')` : ''}`, incl, true);
