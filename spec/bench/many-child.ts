/**
 * Child process of the many-connections row of spec/bench/run.ts (one per measurement, so the
 * two libraries never share a heap; many.ts starts it):
 *
 *   node --expose-gc --min-semi-space-size=16 --max-semi-space-size=16 --import tsx \
 *     spec/bench/many-child.ts KIND PORT COUNT BATCH KEEPALIVE_S FANOUTS IDLE_PERIODS BROKER_PID [DIR]
 *
 * KIND: mqttloop (Client + loopStart), baseline (the same, build in DIR), mqttjs (mqtt.connect),
 * raw (the reference: bare net.Sockets, hand-written packets, no MQTT library; many-raw.ts).
 * The young generation is pinned at V8's default maximum (16 MiB semi-spaces): a constant,
 * the same for both libraries, instead of growing and shrinking at moments of its own.
 *
 * 1. connect: opens one client first (one-time costs), then COUNT clients, BATCH at a time
 *    (many.ts: no more than mosquitto's listen backlog), each MQTT 3.1.1, clean session, keepalive KEEPALIVE_S,
 *    subscribed at QoS 0 to one topic, the same for all. connectMs: the time until the last
 *    SUBACK, summed over the four quarters (the GC pauses between them excluded).
 * 2. memory: after each quarter, GC and read RSS and the V8 heap (idle.ts's method): bytes per
 *    connection as the least-squares slope through the five points.
 * 3. fan-out: a separate client publishes one QoS 0 message, FANOUTS times, 300 ms apart; each
 *    time, the ms from publish() to the last of the COUNT message callbacks. Every client must
 *    get each message exactly once (payload = round number), or the run fails. Also this
 *    process's CPU time and the broker's (/proc/BROKER_PID/stat) over each of them. (raw: the
 *    publisher is a bare socket too, and "callback" is its 'data' handler framing the PUBLISH.)
 * 4. keepalive: idle for IDLE_PERIODS keepalive periods, this process's user + system CPU over
 *    that time, per connection per keepalive period; every client must still be connected.
 *    (raw: its sockets send PINGREQs from one timer, many-raw.ts, so this is measured too.)
 * Prints one JSON line.
 */
import { readFileSync } from 'fs';
import * as v8 from 'v8';
import { rawSide } from './many-raw';
import { settledMemory as settle, slope } from './readings';

type Kind = 'mqttloop' | 'baseline' | 'mqttjs' | 'raw';
const [kind, portArg, countArg, batchArg, kaArg, fanArg, periodsArg, brokerPid, baselineDir] = process.argv.slice(2) as [Kind, string, string, string, string, string, string, string, string | undefined];
const port = Number(portArg);
const count = Number(countArg);
const keepalive = Number(kaArg);
const fanouts = Number(fanArg);
const periods = Number(periodsArg);
const HOST = '127.0.0.1';
const TOPIC = 'bench/many';
const BATCH = Number(batchArg);
const DEADLINE_MS = 300_000;

/** The broker's user + system CPU time so far, in µs (NaN without /proc); USER_HZ is 100. */
function brokerCpuUs(): number {
  try {
    const stat = readFileSync(`/proc/${brokerPid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
  } catch {
    return NaN;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => process.hrtime.bigint();

/**
 * The library's side. Subscribers are opened with no per-client object of the harness's own (a
 * closure per client would be counted in the heap per connection as the library's): the
 * clients are kept as they are, and one message handler serves them all, finding the client's
 * number on the client (mqttloop: its userdata, as paho programs do; MQTT.js: a property).
 */
interface Library {
  /** Opens subscriber `i`: connected, subscribed, its messages going to deliver(i, payload). */
  open(i: number): Promise<unknown>;
  connected(client: unknown): boolean;
  publisher(): Promise<{ publish: (p: Buffer) => void }>;
}
type Deliver = (i: number, p: Buffer) => void;

/** fault(what): something no library side reports (the raw side's unexpected packets); fails the run. */
async function library(deliver: Deliver, fault: (what: string) => void): Promise<Library> {
  if (kind === 'mqttloop' || kind === 'baseline') {
    if (kind === 'baseline' && !baselineDir) throw new Error('baseline: the build directory is missing');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const build = kind === 'baseline' ? (require(baselineDir!) as typeof import('../../dist')) : await import('../../dist');
    type C = InstanceType<typeof build.Client>;
    const onMessage = (_c: unknown, i: number, m: { payload: Buffer }) => deliver(i, m.payload);
    const connect = async (id: string, i: number) => {
      const c = new build.Client({ clientId: id, cleanSession: true, protocol: build.MQTTv311, userdata: i });
      const connected = new Promise<void>((resolve, reject) => {
        c.on_connect = (_c: unknown, _u: unknown, _f: unknown, rc: number) => (rc === 0 ? resolve() : reject(new Error(`rc ${rc}`)));
        c.on_connect_fail = () => reject(new Error('connection failed'));
      });
      await c.connect(HOST, port, keepalive);
      c.loopStart();
      await connected;
      c.on_connect = null;
      c.on_connect_fail = null;
      return c;
    };
    return {
      async open(i) {
        const c = await connect(`many-m-${process.pid}-${i}`, i);
        await new Promise<void>((resolve, reject) => {
          c.on_subscribe = (_c: unknown, _u: unknown, _mid: number, granted: number[]) =>
            granted[0] === 0 ? resolve() : reject(new Error(`SUBACK ${granted[0]}`));
          const [rc] = c.subscribe(TOPIC, 0);
          if (rc !== 0) reject(new Error(`subscribe rc ${rc}`));
        });
        c.on_subscribe = null;
        c.on_message = onMessage;
        return c;
      },
      connected: (c) => (c as C).isConnected(),
      async publisher() {
        const c = await connect(`many-m-${process.pid}-pub`, -1);
        return { publish: (p: Buffer) => void c.publish(TOPIC, p, 0) };
      },
    };
  }
  if (kind === 'mqttjs') {
    const mqtt = (await import('mqtt')).default;
    type C = import('mqtt').MqttClient & { benchIndex?: number };
    function onMessage(this: C, _t: string, p: Buffer): void {
      deliver(this.benchIndex!, p);
    }
    const connect = (id: string) => new Promise<C>((resolve, reject) => {
      const c = mqtt.connect(`mqtt://${HOST}:${port}`, { clientId: id, protocolVersion: 4, clean: true, keepalive, reconnectPeriod: 0 });
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
    return {
      async open(i) {
        const c = await connect(`many-j-${process.pid}-${i}`);
        const granted = await c.subscribeAsync(TOPIC, { qos: 0 });
        if (granted[0]?.qos !== 0) throw new Error(`SUBACK ${granted[0]?.qos}`);
        c.benchIndex = i;
        c.on('message', onMessage);
        return c;
      },
      connected: (c) => (c as C).connected,
      async publisher() {
        const c = await connect(`many-j-${process.pid}-pub`);
        return { publish: (p: Buffer) => void c.publish(TOPIC, p, { qos: 0 }) };
      },
    };
  }
  if (kind === 'raw') return rawSide({ host: HOST, port, topic: TOPIC, keepalive }, deliver, fault);
  throw new Error(`unknown kind ${String(kind)}`);
}


async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.log(JSON.stringify({ error: `not done after ${DEADLINE_MS / 1000} s` }));
    process.exit(2);
  }, DEADLINE_MS);

  // Deliveries: round r's payload is r (uint32 BE); got[i] = the last round client i received.
  const got = new Int32Array(count).fill(-1);
  let round = -1;
  let received = 0;
  let bad = 0;
  let lastAt = 0n;
  let onAll: (() => void) | null = null;
  const deliver: Deliver = (i, p) => {
    if (i < 0) return; // the first subscriber, opened for the one-time costs only
    if (i >= count || p.length !== 4 || p.readUInt32BE(0) !== round || got[i] === round) {
      bad++;
      return;
    }
    got[i] = round;
    lastAt = now();
    if (++received === count && onAll !== null) onAll();
  };

  let firstFault = '';
  const fault = (what: string) => {
    bad++;
    firstFault ||= what;
  };
  const lib = await library(deliver, fault);
  const clients: unknown[] = [];
  const first = await lib.open(-1); // one-time costs: a subscriber too, not counted (its deliveries are ignored: i < 0)
  clients.push(first);
  const before = await settle();
  const point = (n: number, m: NodeJS.MemoryUsage) => ({ n, rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal });
  const points = [point(0, before)];
  let connectNs = 0n;
  for (let q = 1; q <= 4; q++) {
    const end = Math.round((count * q) / 4);
    const t0 = now();
    for (let i = clients.length - 1; i < end; ) {
      const batch: Promise<unknown>[] = [];
      for (const stop = Math.min(end, i + BATCH); i < stop; i++) batch.push(lib.open(i));
      clients.push(...(await Promise.all(batch)));
    }
    connectNs += now() - t0;
    points.push(point(clients.length - 1, await settle()));
  }
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, x.space_used_size]));

  // fan-out
  const pub = await lib.publisher();
  await sleep(300);
  const fanMs: number[] = [];
  const fanCpuMs: number[] = [];
  const fanBrokerCpuMs: number[] = [];
  for (round = 0; round < fanouts; round++) {
    received = 0;
    const all = new Promise<void>((resolve) => { onAll = resolve; });
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(round, 0);
    const cpu0 = process.cpuUsage();
    const broker0 = brokerCpuUs();
    const t0 = now();
    pub.publish(payload);
    await Promise.race([all, sleep(30_000)]);
    onAll = null;
    if (received !== count || bad !== 0) throw new Error(`fan-out ${round}: ${received} of ${count} clients got the message, ${bad} bad or duplicate deliveries${firstFault && ` (first fault: ${firstFault})`}`);
    fanMs.push(Number(lastAt - t0) / 1e6);
    const cpu = process.cpuUsage(cpu0);
    fanCpuMs.push((cpu.user + cpu.system) / 1000);
    fanBrokerCpuMs.push((brokerCpuUs() - broker0) / 1000);
    await sleep(300);
  }

  // keepalive: idle for `periods` keepalive periods
  await settle();
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await sleep(periods * keepalive * 1000);
  const cpu = process.cpuUsage(cpu0);
  const idleMs = Number(now() - t0) / 1e6;
  const down = clients.filter((c) => !lib.connected(c)).length;
  if (down > 0) throw new Error(`${down} of ${clients.length} clients disconnected while idle (keepalive ${keepalive} s)`);
  if (bad !== 0) throw new Error(`${bad} bad packets while idle${firstFault && ` (first: ${firstFault})`}`);
  clearTimeout(deadline);
  const periodsMeasured = idleMs / (keepalive * 1000);
  const cpuUs = cpu.user + cpu.system;
  console.log(JSON.stringify({
    kind, count, keepalive, connectMs: Number(connectNs) / 1e6, fanMs, fanCpuMs, fanBrokerCpuMs,
    rssPerConn: slope(points.map((p) => [p.n, p.rss])),
    heapPerConn: slope(points.map((p) => [p.n, p.heap])),
    nativePerConn: slope(points.map((p) => [p.n, p.rss - p.heapTotal])),
    keepaliveCpuUsPerConnPeriod: cpuUs / count / periodsMeasured,
    idleCpuLoad: cpuUs / 1000 / idleMs, idleMs, points, spaces,
  }));
  process.exit(0);
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String((e as Error)?.stack ?? e) }));
  process.exit(1);
});
