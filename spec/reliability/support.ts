/**
 * Shared pieces of the reliability specs: mosquitto behind two fault proxies, a
 * persistent subscriber that counts two sequence-numbered streams (QoS 1 and QoS 2) by number,
 * connected clients with their connection histories, a paced publisher, and the figures each
 * spec prints (sent, received, lost, duplicated).
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Client, MQTTMessage } from '../../lib';
import { Clients, SeqCounter, uid } from '../client/support';
import { FaultProxy, startFaultProxy } from '../support/faultProxy';
import { MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { sleep, waitFor } from '../support/wait';

export { sleep, uid, waitFor };

/** Topic of stream `qos` in run `run`. */
export function topicOf(run: string, qos: 1 | 2): string {
  return `rel/${run}/q${qos}`;
}

export interface History {
  connects: Array<{ at: number; sessionPresent: boolean; rc: number }>;
  disconnects: Array<{ at: number; rc: number }>;
  fails: number[];
}

export function history(c: Client): History {
  const h: History = { connects: [], disconnects: [], fails: [] };
  c.on('connect', (flags, rc) => h.connects.push({ at: performance.now(), sessionPresent: flags.sessionPresent, rc: rc as number })); // MQTT 3.1.1, VERSION1: a number
  c.on('disconnect', (rc) => h.disconnects.push({ at: performance.now(), rc: rc as number }));
  c.on('connect_fail', () => h.fails.push(performance.now()));
  return h;
}

/** mosquitto (persistence on) with a fault proxy in front of it for each side. */
export interface ProxiedBroker {
  broker: MosquittoBroker;
  /** The publisher's path to the broker. */
  pubProxy: FaultProxy;
  /** The subscriber's path to the broker. */
  subProxy: FaultProxy;
}

/**
 * Starts a ProxiedBroker (`extraConfig` goes into mosquitto's config). `into` is filled as each
 * piece starts, so stopProxiedBroker(into) also cleans up after a start that failed half-way.
 */
export async function startProxiedBroker(into: Partial<ProxiedBroker>, extraConfig?: string): Promise<ProxiedBroker> {
  const broker = (into.broker = await startMosquitto({ persistence: true, extraConfig }));
  into.pubProxy = await startFaultProxy({ targetPort: broker.port });
  into.subProxy = await startFaultProxy({ targetPort: broker.port });
  return into as ProxiedBroker;
}

export async function stopProxiedBroker(p: Partial<ProxiedBroker>): Promise<void> {
  await p.pubProxy?.close();
  await p.subProxy?.close();
  await p.broker?.stop();
}

/** A ProxiedBroker for one describe block: started in beforeAll (its fields are set from then on), stopped in afterAll. */
export function useProxiedBroker(): ProxiedBroker {
  const p: Partial<ProxiedBroker> = {};
  beforeAll(async () => {
    await startProxiedBroker(p);
  });
  afterAll(() => stopProxiedBroker(p));
  return p as ProxiedBroker;
}

export interface StreamClientOptions {
  /** Prefix of the client id (made unique by uid()). */
  id: string;
  cleanSession: boolean;
  /** reconnectDelaySet(min, max), in seconds. */
  delays: [number, number];
  /** Where it connects: the broker or a proxy. */
  at: { host: string; port: number };
  /** Who it is, in the timeout message: 'the publisher', 'the helper'... */
  what: string;
}

/**
 * Makes a Client with `clients` (its history recorded), connects it (keepalive 10 s), starts
 * its loop and waits for its first CONNACK. With `counter` it is that counter's subscriber
 * (it subscribes in on_connect) and the wait is for its SUBACK.
 */
export async function startStreamClient(clients: Clients, o: StreamClientOptions, counter?: StreamCounter): Promise<{ client: Client; h: History }> {
  const client: Client = clients.make({ clientId: uid(o.id), cleanSession: o.cleanSession });
  client.reconnectDelaySet(o.delays[0], o.delays[1]);
  counter?.attach(client);
  const h = history(client);
  await client.connect(o.at.host, o.at.port, 10);
  client.loopStart();
  if (counter !== undefined) await waitFor(() => counter.subacks >= 1, 5000, `${o.what} SUBACK`);
  else await waitFor(() => h.connects.length === 1, 5000, `${o.what} connected`);
  return { client, h };
}

/** Counts the two streams of one run; subscribes (QoS 2) in on_connect so it survives any reconnect. */
export class StreamCounter {
  readonly q1: SeqCounter;
  readonly q2: SeqCounter;
  subacks = 0;

  constructor(readonly run: string, readonly n: number) {
    this.q1 = new SeqCounter(n);
    this.q2 = new SeqCounter(n);
  }

  attach(sub: Client): void {
    const t1 = topicOf(this.run, 1);
    const t2 = topicOf(this.run, 2);
    sub.on_connect = (c: Client) => { c.subscribe([[t1, 2], [t2, 2]]); };
    sub.on_subscribe = () => { this.subacks++; };
    sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
      if (m.topic === t1) this.q1.add(m.payload);
      else if (m.topic === t2) this.q2.add(m.payload);
    };
  }

  get complete(): boolean {
    return this.q1.distinct === this.n && this.q2.distinct === this.n;
  }

  describe(): string {
    return `QoS 1: ${this.q1.describe()} | QoS 2: ${this.q2.describe()}`;
  }

  /** The figures: per QoS, sent / received / lost / duplicated. */
  figures(): Record<string, { sent: number; received: number; lost: number; duplicated: number }> {
    const f = (c: SeqCounter) => ({ sent: this.n, received: c.total, lost: this.n - c.distinct, duplicated: c.total - c.distinct });
    return { qos1: f(this.q1), qos2: f(this.q2) };
  }
}

/** Prints the figures of one fault kind (sent, received, lost, duplicated: what a reliability report quotes). */
export function report(kind: string, counter: StreamCounter, extra: Record<string, unknown> = {}): void {
  const f = counter.figures();
  // eslint-disable-next-line no-console
  console.log(`[reliability] ${kind}: ${JSON.stringify({ ...f, ...extra })}`);
}

/**
 * Publishes seq 0..n-1 on both streams of `run`, `batch` of each at a time, one batch per
 * `everyMs` (pacing, so faults land mid-stream; not synchronisation).
 */
export async function publishPaced(pub: Client, run: string, n: number, batch: number, everyMs: number, onBatch?: (sent: number) => void): Promise<void> {
  const t1 = topicOf(run, 1);
  const t2 = topicOf(run, 2);
  for (let i = 0; i < n; i += batch) {
    for (let k = i; k < Math.min(n, i + batch); k++) {
      const a = pub.publish(t1, String(k), 1);
      const b = pub.publish(t2, String(k), 2);
      if (a.rc !== 0 || b.rc !== 0) throw new Error(`publish(${k}) returned rc ${a.rc}/${b.rc}`);
    }
    onBatch?.(Math.min(n, i + batch));
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Makes mosquitto save everything it has answered so far and waits for the save to finish:
 * a helper client (connected directly, not through the stalled proxies) publishes a retained
 * QoS 1 message, a change that makes mosquitto save at the end of that main-loop turn; done
 * when a "Saving" line follows that PUBLISH in its log and no save is in progress.
 */
export async function brokerSaved(broker: MosquittoBroker, helper: Client, n: number): Promise<void> {
  const marker = `rel/sync/${n}`;
  const info = helper.publish(marker, String(n), 1, true);
  await info.waitForPublish(5);
  await waitFor(() => {
    const log = broker.log();
    const at = log.lastIndexOf(`'${marker}'`);
    return at >= 0 && log.indexOf('Saving in-memory database', at) > at && !fs.existsSync(path.join(broker.dir, 'mosquitto.db.new'));
  }, 5000, 'mosquitto to save its database');
}
