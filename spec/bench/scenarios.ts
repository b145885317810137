/**
 * One measurement of each kind, for each client: spec/bench/run.ts interleaves them and takes
 * medians. Every measurement starts its own mosquitto (support.ts) and stops it afterwards,
 * and checks by sequence number that every message arrived exactly once.
 */
import { spawn } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import type { MqttClient } from 'mqtt';
import type { Client, MQTTMessage } from '../../dist';
import type { MosquittoBroker } from '../support/mosquitto';
import { baselineDir, Build, buildOf, Lib } from './builds';
import { aioClose, aioConnect, mjClose, mjConnect, mjSubscribe, mlClose, mlConnect, mlSubscribe } from './clients';
import {
  BenchError, gc, makePayload, paced, payloadSentAt, payloadSeq, percentile, PUBLISH_CHUNK, SeqCheck, startBenchBroker,
  withTimeout, yieldNow,
} from './support';

/** No new delivery for this long (after publishing ended) fails the run. */
const STALL_MS = 10_000;
const ACK_MS = 30_000;
const now = () => process.hrtime.bigint();
const msBetween = (a: bigint, b: bigint) => Number(b - a) / 1e6;

export type { Lib } from './builds';

export interface Measure {
  /** The figure the row reports (msg/s, ms, bytes). */
  value: number;
  ms?: number;
  n?: number;
  extra?: Record<string, unknown>;
}

/** pid of the broker of the measurement in progress (for its CPU time). */
let brokerPid = -1;

async function withBroker<T>(fn: (b: MosquittoBroker) => Promise<T>): Promise<T> {
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

type QoS = 0 | 1 | 2;

export interface ThroughputOpts {
  n: number;
  size: number;
  qos: QoS;
  /**
   * QoS 1/2: messages in flight. 'window': mqttloop publishes all n in a tight loop and its
   * in-flight window (maxInflightMessagesSet) paces them; MQTT.js keeps `inflight` publishes
   * outstanding from its callbacks. 'callbacks': both keep `inflight` outstanding from their
   * completion callbacks (on_publish / the publish callback).
   */
  inflight?: number;
  driver?: 'window' | 'callbacks';
  topic?: string;
}

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
function start(): bigint {
  brokerCpuAtStart = brokerCpuUs();
  cpuAtStart = process.cpuUsage();
  return now();
}

/**
 * msg/s from t0 to `end`, plus this process's CPU time per message over the run (publisher
 * and subscriber together; user + system), which contention on the machine disturbs less
 * than the rate.
 */
function result(n: number, t0: bigint, end: bigint, check: SeqCheck, extra: Record<string, unknown> = {}): Measure {
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

// ---- throughput: publisher and subscriber, two connections in this process ----------------------

export function throughput(lib: Lib, o: ThroughputOpts): Promise<Measure> {
  return withBroker((b) => (lib === 'mqttjs' ? mjThroughput(b.port, o) : mlThroughput(buildOf(lib), b.port, o)));
}

async function mlThroughput(build: Build, port: number, o: ThroughputOpts): Promise<Measure> {
  const topic = o.topic ?? `bench/q${o.qos}`;
  const inflight = o.inflight ?? 20;
  const sub = await mlConnect(build, port, 'sub');
  const pub = await mlConnect(build, port, 'pub', o.qos > 0 ? inflight : undefined);
  // The same work as MQTT.js, whose outgoing queue has no bound: a tight loop outruns the broker,
  // so lift mqttloop's QoS 0 bound (default 10,000 messages / 16 MiB, rc MQTT_ERR_QUEUE_SIZE beyond).
  pub.maxQueuedQos0Set(0, 0);
  try {
    const check = new SeqCheck(o.n, o.size, 'mqttloop subscriber');
    sub.on_message = (_c: unknown, _u: unknown, m: MQTTMessage) => check.add(m.payload);
    await mlSubscribe(sub, topic, o.qos);
    let acked = 0;
    let lastAck = 0n;
    let next = 0;
    let ackFailed: Error | null = null;
    const publishOne = (): void => {
      const i = next++;
      const info = pub.publish(topic, makePayload(i, o.size), o.qos);
      if (info.rc !== 0) throw new BenchError(`mqttloop publish ${i}: rc ${info.rc}`);
    };
    const allAcked = o.qos === 0 ? Promise.resolve() : new Promise<void>((resolve) => {
      pub.on_publish = () => {
        if (++acked === o.n) {
          lastAck = now();
          resolve();
        } else if (o.driver === 'callbacks' && next < o.n) {
          try { publishOne(); } catch (e) { ackFailed = e as Error; }
        }
      };
    });
    gc();
    const t0 = start();
    if (o.qos > 0 && o.driver === 'callbacks') {
      while (next < Math.min(inflight, o.n)) publishOne();
    } else {
      while (next < o.n) {
        publishOne();
        if (next % PUBLISH_CHUNK === 0) await yieldNow();
      }
    }
    await check.wait(STALL_MS);
    await withTimeout(allAcked, ACK_MS, `mqttloop publisher: ${acked} of ${o.n} acknowledged`);
    if (ackFailed) throw ackFailed;
    const end = check.lastAt > lastAck ? check.lastAt : lastAck;
    check.verify();
    return result(o.n, t0, end, check);
  } finally {
    await mlClose(pub);
    await mlClose(sub);
  }
}

async function mjThroughput(port: number, o: ThroughputOpts): Promise<Measure> {
  const topic = o.topic ?? `bench/q${o.qos}`;
  const inflight = o.inflight ?? 20;
  const sub = await mjConnect(port, 'sub');
  const pub = await mjConnect(port, 'pub');
  try {
    const check = new SeqCheck(o.n, o.size, 'MQTT.js subscriber');
    sub.on('message', (_t: string, payload: Buffer) => check.add(payload));
    await mjSubscribe(sub, topic, o.qos);
    gc();
    const t0 = start();
    let lastAck = 0n;
    if (o.qos === 0) {
      for (let i = 0; i < o.n; ) {
        pub.publish(topic, makePayload(i, o.size), { qos: 0 });
        if (++i % PUBLISH_CHUNK === 0) await yieldNow();
      }
    } else {
      // Both drivers are the same for MQTT.js: it has no window of its own.
      await withTimeout(new Promise<void>((resolve, reject) => {
        let next = 0;
        let acked = 0;
        const onAck = (err?: Error): void => {
          if (err) return reject(new BenchError(`MQTT.js publish: ${err.message}`));
          if (++acked === o.n) {
            lastAck = now();
            resolve();
          } else if (next < o.n) {
            sendNext();
          }
        };
        const sendNext = (): void => {
          const i = next++;
          pub.publish(topic, makePayload(i, o.size), { qos: o.qos }, onAck);
        };
        while (next < Math.min(inflight, o.n)) sendNext();
      }), ACK_MS + (o.n / 1000) * 1000, 'MQTT.js publisher acknowledgements');
    }
    await check.wait(STALL_MS);
    const end = check.lastAt > lastAck ? check.lastAt : lastAck;
    check.verify();
    return result(o.n, t0, end, check);
  } finally {
    await mjClose(pub);
    await mjClose(sub);
  }
}

// ---- latency: QoS 0 at a paced rate ---------------------------------------------------------------

export interface LatencyOpts {
  n: number;
  warmup: number;
  rateHz: number;
  size: number;
}

/** value: p99 in ms; extra.p50 etc. */
export function latency(lib: Lib, o: LatencyOpts): Promise<Measure> {
  return withBroker(async (b) => {
    const total = o.warmup + o.n;
    const samples = new Float64Array(o.n);
    const check = new SeqCheck(total, o.size, `${lib} subscriber`);
    const onPayload = (p: Buffer): void => {
      const t = now();
      check.add(p);
      const seq = payloadSeq(p);
      if (seq >= o.warmup && seq < total) samples[seq - o.warmup] = Number(t - payloadSentAt(p)) / 1e6;
    };
    const topic = 'bench/latency';
    let send: (i: number) => void;
    let close: () => Promise<void>;
    if (lib !== 'mqttjs') {
      const build = buildOf(lib);
      const sub = await mlConnect(build, b.port, 'lsub');
      const pub = await mlConnect(build, b.port, 'lpub');
      sub.on_message = (_c: unknown, _u: unknown, m: MQTTMessage) => onPayload(m.payload);
      await mlSubscribe(sub, topic, 0);
      send = (i) => { pub.publish(topic, makePayload(i, o.size), 0); };
      close = async () => { await mlClose(pub); await mlClose(sub); };
    } else {
      const sub = await mjConnect(b.port, 'lsub');
      const pub = await mjConnect(b.port, 'lpub');
      sub.on('message', (_t: string, p: Buffer) => onPayload(p));
      await mjSubscribe(sub, topic, 0);
      send = (i) => { pub.publish(topic, makePayload(i, o.size), { qos: 0 }); };
      close = async () => { await mjClose(pub); await mjClose(sub); };
    }
    try {
      gc();
      await paced(total, o.rateHz, send);
      await check.wait(STALL_MS);
      check.verify();
    } finally {
      await close();
    }
    return latencyMeasure(samples, o.n);
  });
}

function latencyMeasure(samples: Float64Array, n: number): Measure {
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  let sum = 0;
  let max = 0;
  for (const s of samples) { sum += s; if (s > max) max = s; }
  return { value: p99, n, extra: { p50, p99, p999: percentile(samples, 99.9), max, mean: sum / n } };
}

// ---- idle memory: a child process per measurement -------------------------------------------------

export type IdleKind = 'mqttloop' | 'mqttjs' | 'socket' | 'baseline';

/** value: RSS bytes per connection. */
export function idleMemory(kind: IdleKind, count: number): Promise<Measure> {
  return withBroker(async (b) => {
    const script = path.join(__dirname, 'idle.ts');
    // Young generation pinned (see idle.ts): its growth is per process, not per connection.
    const flags = ['--expose-gc', '--min-semi-space-size=1', '--max-semi-space-size=1', '--import', 'tsx'];
    const args = [script, kind, String(b.port), String(count)];
    if (kind === 'baseline') args.push(baselineDir() ?? '');
    const child = spawn(process.execPath, [...flags, ...args], {
      cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const line = out.trim().split('\n').pop() ?? '';
    let r: { error?: string; count: number; rssPerConn: number; heapPerConn: number; nativePerConn: number; openMs: number };
    try {
      r = JSON.parse(line);
    } catch {
      throw new BenchError(`idle ${kind}: child exited ${code} without a result\n${out}\n${err}`);
    }
    if (r.error) throw new BenchError(`idle ${kind}: ${r.error}\n${err}`);
    if (r.count !== count) throw new BenchError(`idle ${kind}: ${r.count} of ${count} connections opened`);
    return {
      value: r.rssPerConn, n: count,
      extra: { heapPerConn: r.heapPerConn, nativePerConn: r.nativePerConn, openMs: r.openMs, child: r },
    };
  });
}

// ---- MQTTClient: QoS 1 with k `await publish()` calls outstanding ------------------------------------

export type AioKind = 'MQTTClient' | 'Client' | 'MQTT.js publishAsync';

/** k async workers, each awaiting one publish at a time: k publishes outstanding. */
async function workers(n: number, k: number, publishOne: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await publishOne(next++);
  };
  await Promise.all(Array.from({ length: k }, worker));
}

/**
 * QoS 1, n messages of `size` bytes, k outstanding. The subscriber is a Client for both
 * mqttloop kinds (so MQTTClient and Client do the same work end to end) and MQTT.js for MQTT.js.
 * `lib` picks the mqttloop build of the two mqttloop kinds (this one or the baseline).
 */
export function aioThroughput(kind: AioKind, n: number, k: number, size: number, lib: 'mqttloop' | 'baseline' = 'mqttloop'): Promise<Measure> {
  if (kind === 'Client') return throughput(lib, { n, size, qos: 1, inflight: k, driver: 'window', topic: 'bench/aio' });
  return withBroker(async (b) => {
    const topic = 'bench/aio';
    const check = new SeqCheck(n, size, `${kind} subscriber`);
    let sub: Client | MqttClient;
    let publishOne: (i: number) => Promise<unknown>;
    let close: () => Promise<void>;
    if (kind === 'MQTTClient') {
      const build = buildOf(lib);
      const s = await mlConnect(build, b.port, 'asub');
      s.on_message = (_c: unknown, _u: unknown, m: MQTTMessage) => check.add(m.payload);
      await mlSubscribe(s, topic, 1);
      sub = s;
      const pub = await aioConnect(build, b.port, 'apub', k);
      publishOne = (i) => pub.publish(topic, makePayload(i, size), 1);
      close = async () => { await aioClose(pub); await mlClose(s); };
    } else {
      const s = await mjConnect(b.port, 'asub');
      s.on('message', (_t: string, p: Buffer) => check.add(p));
      await mjSubscribe(s, topic, 1);
      sub = s;
      const pub = await mjConnect(b.port, 'apub');
      publishOne = (i) => pub.publishAsync(topic, makePayload(i, size), { qos: 1 });
      close = async () => { await mjClose(pub); await mjClose(s); };
    }
    void sub;
    try {
      gc();
      const t0 = start();
      await withTimeout(workers(n, k, publishOne), ACK_MS + n, `${kind} publishes`);
      const lastAck = now();
      await check.wait(STALL_MS);
      check.verify();
      const end = check.lastAt > lastAck ? check.lastAt : lastAck;
      return result(n, t0, end, check);
    } finally {
      await close();
    }
  });
}

// ---- dispatch: messages through messageCallbackAdd filters (mqttloop only) -------------------------

/**
 * `filters` distinct filters f/0/# .. f/{filters-1}/#, registered in that order; messages go to
 * f/{filters-1}/x, so only the last registered filter matches (a list scan would try them all).
 */
export function dispatch(filters: number, n: number, size: number): Promise<Measure> {
  return withBroker(async (b) => {
    const build = buildOf('mqttloop');
    const sub = await mlConnect(build, b.port, 'dsub');
    const pub = await mlConnect(build, b.port, 'dpub');
    pub.maxQueuedQos0Set(0, 0); // a tight loop outruns the broker: queue like MQTT.js instead of refusing
    const check = new SeqCheck(n, size, `mqttloop subscriber (${filters} filters)`);
    const topic = `f/${filters - 1}/x`;
    let strays = 0;
    try {
      const noop = (): void => { strays++; };
      for (let i = 0; i < filters - 1; i++) sub.messageCallbackAdd(`f/${i}/#`, noop);
      sub.messageCallbackAdd(`f/${filters - 1}/#`, (_c: unknown, _u: unknown, m: MQTTMessage) => check.add(m.payload));
      sub.on_message = () => { strays++; };
      await mlSubscribe(sub, 'f/#', 0);
      gc();
      const t0 = start();
      for (let i = 0; i < n; ) {
        const info = pub.publish(topic, makePayload(i, size), 0);
        if (info.rc !== 0) throw new BenchError(`mqttloop publish ${i}: rc ${info.rc}`);
        if (++i % PUBLISH_CHUNK === 0) await yieldNow();
      }
      await check.wait(STALL_MS);
      check.verify();
      if (strays !== 0) throw new BenchError(`dispatch: ${strays} messages reached the wrong callback`);
      return result(n, t0, check.lastAt, check, { filters });
    } finally {
      await mlClose(pub);
      await mlClose(sub);
    }
  });
}

// ---- reference: raw pre-encoded QoS 0 PUBLISHes over bare sockets (the broker's ceiling) ----------

function rawConnectPacket(id: string): Buffer {
  const idBytes = Buffer.from(id);
  const varHeader = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60]); // MQTT 3.1.1, clean, keepalive 60
  const b = Buffer.alloc(2 + varHeader.length + 2 + idBytes.length);
  b[0] = 0x10;
  b[1] = b.length - 2;
  varHeader.copy(b, 2);
  b.writeUInt16BE(idBytes.length, 12);
  idBytes.copy(b, 14);
  return b;
}

/** Writes `first` once connected and resolves with the socket once `expect` bytes arrived. */
async function rawSession(port: number, first: Buffer, expect: number): Promise<import('net').Socket> {
  const net = await import('net');
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.setNoDelay(true);
  await withTimeout(new Promise<void>((resolve, reject) => {
    let got = 0;
    sock.once('error', reject);
    sock.once('connect', () => sock.write(first));
    const onData = (d: Buffer): void => {
      got += d.length;
      if (got >= expect) {
        sock.off('data', onData);
        resolve();
      }
    };
    sock.on('data', onData);
  }), 10_000, 'raw socket handshake');
  return sock;
}

/** A bare-socket subscriber: connected as `id`, subscribed to `topic` at `qos` (packet id 1), SUBACK read. */
async function rawSubscriber(port: number, id: string, topic: Buffer, qos: QoS): Promise<import('net').Socket> {
  const sub = await rawSession(port, rawConnectPacket(id), 4);
  const subscribe = Buffer.alloc(2 + 2 + 2 + topic.length + 1);
  subscribe[0] = 0x82;
  subscribe[1] = subscribe.length - 2;
  subscribe.writeUInt16BE(1, 2);
  subscribe.writeUInt16BE(topic.length, 4);
  topic.copy(subscribe, 6);
  subscribe[subscribe.length - 1] = qos;
  await new Promise<void>((resolve) => {
    sub.write(subscribe);
    let got = 0;
    const onData = (d: Buffer): void => {
      got += d.length;
      if (got >= 5) { sub.off('data', onData); resolve(); }
    };
    sub.on('data', onData);
  });
  return sub;
}

/** Encodes a QoS 0 PUBLISH of `payload` to `topic` into `buf` at `at`; `len` is its remaining length (< 128). */
function writeRawPublish0(buf: Buffer, at: number, len: number, topic: Buffer, payload: Buffer): void {
  buf[at] = 0x30;
  buf[at + 1] = len;
  buf.writeUInt16BE(topic.length, at + 2);
  topic.copy(buf, at + 4);
  payload.copy(buf, at + 4 + topic.length);
}

/**
 * A 'data' handler for a QoS 0 subscriber's socket: frames PUBLISHes with one-byte remaining
 * lengths (a packet split across reads is kept for the next) and hands each payload to `onPayload`.
 */
function rawQos0Reader(onPayload: (payload: Buffer) => void): (d: Buffer) => void {
  let rest: Buffer | null = null;
  return (d: Buffer) => {
    const buf = rest === null ? d : Buffer.concat([rest, d]);
    let at = 0;
    while (buf.length - at >= 2 && buf.length - at >= 2 + buf[at + 1]) {
      const l = buf[at + 1];
      const tl = buf.readUInt16BE(at + 2);
      onPayload(buf.subarray(at + 4 + tl, at + 2 + l));
      at += 2 + l;
    }
    rest = at < buf.length ? buf.subarray(at) : null;
  };
}

/**
 * QoS 0, 64-byte-class payloads, as fast as the broker relays them: every PUBLISH encoded
 * before the clock starts, written PUBLISH_CHUNK at a time (one write each), and the
 * subscriber parsing only the fixed header. Shows how close a client can get to mosquitto's
 * own ceiling on this machine.
 */
export function rawQos0(n: number, size: number): Promise<Measure> {
  return withBroker(async (b) => {
    const topic = Buffer.from('bench/q0');
    const sub = await rawSubscriber(b.port, `raw-sub-${process.pid}`, topic, 0);
    const pub = await rawSession(b.port, rawConnectPacket(`raw-pub-${process.pid}`), 4);
    const len = 2 + topic.length + size;
    if (len > 127) throw new BenchError('rawQos0: payload too large for a one-byte remaining length');
    const chunks: Buffer[] = [];
    for (let i = 0; i < n; i += PUBLISH_CHUNK) {
      const k = Math.min(PUBLISH_CHUNK, n - i);
      const c = Buffer.alloc(k * (2 + len));
      for (let j = 0; j < k; j++) {
        writeRawPublish0(c, j * (2 + len), len, topic, makePayload(i + j, size));
      }
      chunks.push(c);
    }
    const check = new SeqCheck(n, size, 'raw subscriber');
    sub.on('data', rawQos0Reader((p) => check.add(p)));
    try {
      gc();
      const t0 = start();
      for (const c of chunks) {
        pub.write(c);
        await yieldNow();
      }
      await check.wait(STALL_MS);
      check.verify();
      return result(n, t0, check.lastAt, check);
    } finally {
      pub.destroy();
      sub.destroy();
    }
  });
}

/**
 * QoS 1 reference over bare sockets: `window` PUBLISHes outstanding (each PUBACK read lets the
 * next ones go, pre-encoded, written together), a subscriber that answers each PUBLISH with a
 * PUBACK (one write per read). Minimal client work: how fast this broker relays QoS 1 here.
 */
export function rawQos1(n: number, size: number, window: number): Promise<Measure> {
  return withBroker(async (b) => {
    const topic = Buffer.from('bench/q1');
    const sub = await rawSubscriber(b.port, `raw1-sub-${process.pid}`, topic, 1);
    const pub = await rawSession(b.port, rawConnectPacket(`raw1-pub-${process.pid}`), 4);
    const len = 2 + topic.length + 2 + size;
    if (len > 127) throw new BenchError('rawQos1: payload too large for a one-byte remaining length');
    const packets: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const p = Buffer.alloc(2 + len);
      p[0] = 0x32;
      p[1] = len;
      p.writeUInt16BE(topic.length, 2);
      topic.copy(p, 4);
      p.writeUInt16BE((i % 65535) + 1, 4 + topic.length);
      makePayload(i, size).copy(p, 6 + topic.length);
      packets.push(p);
    }
    const check = new SeqCheck(n, size, 'raw QoS 1 subscriber');
    // Subscriber: parse PUBLISH (QoS 1, one-byte length), answer all PUBACKs of a read in one write.
    let rest: Buffer | null = null;
    sub.on('data', (d: Buffer) => {
      const buf = rest === null ? d : Buffer.concat([rest, d]);
      let at = 0;
      const acks: number[] = [];
      while (buf.length - at >= 2 && buf.length - at >= 2 + buf[at + 1]) {
        const l = buf[at + 1];
        if ((buf[at] & 0xf0) === 0x30) {
          const tl = buf.readUInt16BE(at + 2);
          acks.push(buf.readUInt16BE(at + 4 + tl));
          check.add(buf.subarray(at + 6 + tl, at + 2 + l));
        }
        at += 2 + l;
      }
      rest = at < buf.length ? buf.subarray(at) : null;
      if (acks.length > 0) {
        const out = Buffer.alloc(4 * acks.length);
        for (let k = 0; k < acks.length; k++) {
          out[4 * k] = 0x40;
          out[4 * k + 1] = 2;
          out.writeUInt16BE(acks[k], 4 * k + 2);
        }
        sub.write(out);
      }
    });
    // Publisher: each read of PUBACKs releases as many new PUBLISHes, in one write.
    let next = 0;
    let acked = 0;
    let lastAck = 0n;
    let pubRest = 0;
    const allAcked = new Promise<void>((resolve) => {
      pub.on('data', (d: Buffer) => {
        const bytes = pubRest + d.length; // PUBACKs are 4 bytes each
        const k = Math.floor(bytes / 4);
        pubRest = bytes % 4;
        acked += k;
        if (acked >= n) {
          lastAck = now();
          resolve();
          return;
        }
        const m = Math.min(k, n - next);
        if (m > 0) {
          pub.write(m === 1 ? packets[next] : Buffer.concat(packets.slice(next, next + m)));
          next += m;
        }
      });
    });
    try {
      gc();
      const t0 = start();
      const first = Math.min(window, n);
      pub.write(Buffer.concat(packets.slice(0, first)));
      next = first;
      await withTimeout(allAcked, ACK_MS + n, 'raw QoS 1 publisher acknowledgements');
      await check.wait(STALL_MS);
      check.verify();
      const end = check.lastAt > lastAck ? check.lastAt : lastAck;
      return result(n, t0, end, check);
    } finally {
      pub.destroy();
      sub.destroy();
    }
  });
}

/** Latency reference over bare sockets: same pacing, each PUBLISH encoded and written at its due time. */
export function rawLatency(o: LatencyOpts): Promise<Measure> {
  return withBroker(async (b) => {
    const topic = Buffer.from('bench/latency');
    const sub = await rawSubscriber(b.port, `rawl-sub-${process.pid}`, topic, 0);
    const pub = await rawSession(b.port, rawConnectPacket(`rawl-pub-${process.pid}`), 4);
    const len = 2 + topic.length + o.size;
    if (len > 127) throw new BenchError('rawLatency: payload too large for a one-byte remaining length');
    const total = o.warmup + o.n;
    const samples = new Float64Array(o.n);
    const check = new SeqCheck(total, o.size, 'raw subscriber');
    let t = 0n; // when the read being framed arrived
    const read = rawQos0Reader((p) => {
      check.add(p);
      const seq = payloadSeq(p);
      if (seq >= o.warmup && seq < total) samples[seq - o.warmup] = Number(t - payloadSentAt(p)) / 1e6;
    });
    sub.on('data', (d: Buffer) => {
      t = now();
      read(d);
    });
    try {
      gc();
      await paced(total, o.rateHz, (i) => {
        const p = Buffer.allocUnsafe(2 + len);
        writeRawPublish0(p, 0, len, topic, makePayload(i, o.size));
        pub.write(p);
      });
      await check.wait(STALL_MS);
      check.verify();
    } finally {
      pub.destroy();
      sub.destroy();
    }
    return latencyMeasure(samples, o.n);
  });
}
