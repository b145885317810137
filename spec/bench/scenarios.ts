/**
 * One measurement of each kind, for each client: spec/bench/run.ts interleaves them and takes
 * medians. Every measurement starts its own mosquitto (measure.ts) and stops it afterwards,
 * and checks by sequence number that every message arrived exactly once. The bare-socket
 * reference measurements are in reference.ts.
 */
import * as path from 'path';
import type { MqttClient } from 'mqtt';
import type { Client, MQTTMessage } from '../../dist';
import { baselineDir, Build, buildOf, Lib } from './builds';
import { aioClose, aioConnect, mjClose, mjConnect, mjSubscribe, mlClose, mlConnect, mlSubscribe } from './clients';
import { ACK_MS, latencyMeasure, Measure, now, QoS, result, STALL_MS, start, withBroker } from './measure';
import { runMeasuringChild } from './measuringChild';
import {
  BenchError, gc, makePayload, paced, payloadSentAt, payloadSeq, PUBLISH_CHUNK, SeqCheck, withTimeout, yieldNow,
} from './support';

export type { Lib } from './builds';
export type { Measure } from './measure';

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

// ---- idle memory: a child process per measurement -------------------------------------------------

export type IdleKind = 'mqttloop' | 'mqttjs' | 'socket' | 'baseline';

/** value: RSS bytes per connection. */
export function idleMemory(kind: IdleKind, count: number): Promise<Measure> {
  return withBroker(async (b) => {
    const script = path.join(__dirname, 'idle.ts');
    // Young generation pinned (see idle.ts): its growth is per process, not per connection.
    const flags = ['--expose-gc', '--min-semi-space-size=1', '--max-semi-space-size=1', '--import', 'tsx'];
    const args = [kind, String(b.port), String(count)];
    if (kind === 'baseline') args.push(baselineDir() ?? '');
    const r = await runMeasuringChild<{ error?: string; count: number; rssPerConn: number; heapPerConn: number; nativePerConn: number; openMs: number }>(
      `idle ${kind}`, flags, script, args, count);
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
