/**
 * The publisher process of spec/reliability/clientKill.spec.ts (and the soak): a Client with
 * cleanSession false and a fileStore, killed with SIGKILL by the spec and started again.
 *
 *   node --import tsx spec/reliability/child-publisher.ts host=H port=P id=ID dir=DIR run=RUN n=N phase=publish|drain
 *
 * It publishes seq 0..n-1 on rel/RUN/q1 (QoS 1) and rel/RUN/q2 (QoS 2), interleaved, in
 * synchronous batches, keeping at most 10,000 messages unacknowledged (packet ids are 16-bit);
 * after each batch it records the next seq in DIR.cursor. Started again after a SIGKILL, it
 * resends what the store holds and goes on from max(cursor, highest seq in the store + 1): a
 * batch and its cursor update happen in one event-loop turn, before any acknowledgement can be
 * processed, so a kill between them leaves the whole batch in the store. `phase` is only a
 * label (publish: the first life; drain: a restarted one).
 * Exits 0 once everything is published and acknowledged, after disconnect().
 *
 * Output lines (stdout): `L <loaded>` messages found in the store at start; `C <rc> <sessionPresent>`
 * on each CONNACK; `A <acked>` every 25 acknowledgements; `Q` once everything is published;
 * `DONE` at the end. Errors go to stderr.
 */
import * as fs from 'fs';
import { Client, fileStore } from '../../lib';

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) {
  const i = a.indexOf('=');
  if (i > 0) args[a.slice(0, i)] = a.slice(i + 1);
}
for (const k of ['host', 'port', 'id', 'dir', 'run', 'n', 'phase']) {
  if (!(k in args)) {
    process.stderr.write(`child-publisher: missing ${k}=...\n`);
    process.exit(2);
  }
}
const out = (line: string): void => { process.stdout.write(line + '\n'); };

async function main(): Promise<void> {
  const store = fileStore(args.dir);
  out(`L ${store.liveCount}`);
  const c = new Client({ clientId: args.id, cleanSession: false, store });
  c.reconnectDelaySet(0.05, 0.5);
  let acked = 0;
  c.on_publish = () => {
    acked++;
    if (acked % 25 === 0) out(`A ${acked}`);
  };
  c.on_connect = (_c: Client, _u: unknown, flags: { sessionPresent: boolean }, rc: number) => out(`C ${rc} ${flags.sessionPresent ? 1 : 0}`);
  c.on_log = (_c: Client, _u: unknown, level: number, text: string) => {
    if (level <= 2) process.stderr.write(`log ${level}: ${text}\n`); // MQTT_LOG_ERR / WARNING
  };
  c.connectAsync(args.host, Number(args.port), 10);
  c.loopStart();
  const n = Number(args.n);
  const cursorFile = `${args.dir}.cursor`;
  let cursor = 0;
  try { cursor = Number(fs.readFileSync(cursorFile, 'utf8')); } catch { /* first life */ }
  // Per stream: a kill may land between the QoS 1 and the QoS 2 publish of one seq.
  const nextOf = { 1: cursor, 2: cursor };
  for (const m of store.load()) nextOf[m.qos as 1 | 2] = Math.max(nextOf[m.qos as 1 | 2], Number(m.payload.toString()) + 1);
  for (let k = nextOf[2]; k < nextOf[1]; k++) c.publish(`rel/${args.run}/q2`, String(k), 2);
  for (let k = nextOf[1]; k < nextOf[2]; k++) c.publish(`rel/${args.run}/q1`, String(k), 1);
  let next = Math.max(nextOf[1], nextOf[2]);
  const LIMIT = 10_000;
  const BATCH = 500;
  while (next < n) {
    if (store.liveCount + 2 * BATCH > LIMIT) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    const end = Math.min(n, next + BATCH);
    for (let k = next; k < end; k++) {
      const a = c.publish(`rel/${args.run}/q1`, String(k), 1);
      const b = c.publish(`rel/${args.run}/q2`, String(k), 2);
      if (a.rc !== 0 || b.rc !== 0) throw new Error(`publish(${k}) returned rc ${a.rc}/${b.rc}`);
    }
    next = end;
    fs.writeFileSync(cursorFile + '.tmp', String(next));
    fs.renameSync(cursorFile + '.tmp', cursorFile);
    await new Promise((r) => setImmediate(r));
  }
  out('Q');
  while (store.liveCount > 0) await new Promise((r) => setTimeout(r, 10));
  out(`A ${acked}`);
  c.disconnect();
  await c.loopStop();
  store.close();
  out('DONE');
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`child-publisher failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
