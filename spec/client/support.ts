/*
 * Helpers for the Client integration specs (spec/client/*.spec.ts).
 *
 * - `waitFor`, `nextEvent`, `within`: re-exported from spec/support/wait.ts, where every wait
 *   helper lives.
 * - `BROKER_KINDS` / `describeEachBroker` / `useBroker`: re-exported from spec/support/brokers.ts,
 *   beside `describeEachTransport` (spec/support/transports.ts).
 * - `Clients`: a registry that disconnects, stops and checks every client in afterEach.
 */
import * as net from 'net';
import { Client, ClientOptions, MQTTMessage, MQTTv311 } from '../../lib';
import { BROKER_KINDS, BrokerKind, describeEachBroker, MOSCA, MOSQUITTO, TestBroker, useBroker } from '../support/brokers';
import { nextEvent, waitFor, within } from '../support/wait';
import { debugSizes } from '../support/clientInternals';

export { nextEvent, waitFor, within };
export { BROKER_KINDS, describeEachBroker, MOSCA, MOSQUITTO, useBroker };
export type { BrokerKind, TestBroker };

// ---------------------------------------------------------------------------
// clients

let idCounter = 0;
/** A client id unique in this process, at most 23 characters (MQTT 3.1's limit). */
export function uid(prefix: string): string {
  idCounter++;
  const rnd = Math.random().toString(36).slice(2, 6);
  return `${prefix.slice(0, 12)}-${idCounter}-${rnd}`.slice(0, 23);
}

/**
 * Tracks the clients a spec makes; `cleanup()` (afterEach) disconnects each one, stops its
 * background loop, waits for its socket to close, and fails if a client still holds a timer.
 */
export class Clients {
  private all: Client[] = [];
  /** loopForever promises to await (or swallow) at cleanup, so none rejects unhandled. */
  private forevers: Promise<unknown>[] = [];

  make(opts: ClientOptions = {}): Client {
    const c = new Client({ clientId: uid('c'), protocol: MQTTv311, ...opts });
    this.all.push(c);
    return c;
  }

  /** Starts loopForever and keeps its promise for cleanup; returns it (with a catch attached). */
  forever(c: Client, timeout?: number, retryFirst?: boolean): Promise<number> {
    const p = c.loopForever(timeout, retryFirst);
    p.catch(() => undefined);
    this.forevers.push(p);
    return p;
  }

  async cleanup(): Promise<void> {
    const clients = this.all;
    this.all = [];
    const errors: string[] = [];
    for (const c of clients) {
      try {
        c.disconnect();
      } catch (e) {
        errors.push(`disconnect() threw: ${(e as Error).message}`);
      }
      await c.loopStop();
    }
    for (const c of clients) {
      const sock = c.socket() as net.Socket | null;
      if (sock && !sock.destroyed) {
        try {
          await waitFor(() => sock.destroyed, 2000, 'the socket to close after disconnect()');
        } catch (e) {
          errors.push((e as Error).message);
          sock.destroy();
        }
      }
    }
    const forevers = this.forevers;
    this.forevers = [];
    for (const p of forevers) {
      try {
        await within(p, 3000, 'loopForever() to settle after disconnect()');
      } catch (e) {
        if ((e as Error).message.startsWith('Timed out')) errors.push((e as Error).message);
      }
    }
    for (const c of clients) {
      const timers = debugSizes(c).timers;
      if (timers !== 0) errors.push(`a client still holds ${timers} timer(s) after disconnect() + loopStop()`);
    }
    if (errors.length > 0) throw new Error(`client cleanup: ${errors.join('; ')}`);
  }
}

/** A Clients registry cleaned in afterEach. */
export function useClients(): Clients {
  const clients = new Clients();
  afterEach(async () => {
    await clients.cleanup();
  });
  return clients;
}

/** Resolves on the next on_connect-equivalent ('connect' event) with rc 0; rejects on refusal/timeout. */
export async function connected(c: Client, timeoutMs = 5000): Promise<{ sessionPresent: boolean }> {
  const [flags, rc] = (await nextEvent(c, 'connect', timeoutMs)) as [{ sessionPresent: boolean }, number];
  if (rc !== 0) throw new Error(`connection refused, rc ${rc}`);
  return flags;
}

/**
 * Connects `c` to the broker under loopStart and subscribes to `subs` (if any), resolving once
 * SUBACK arrived. Subscribing in on_connect is left to specs that need it.
 */
export async function startClient(
  c: Client,
  broker: TestBroker,
  subs: Array<[string, number]> = [],
  keepalive = 60,
): Promise<{ sessionPresent: boolean; granted: number[] }> {
  const conn = connected(c);
  await c.connect(broker.host, broker.port, keepalive);
  c.loopStart();
  const flags = await conn;
  let granted: number[] = [];
  if (subs.length > 0) granted = await subscribeAndWait(c, subs);
  return { sessionPresent: flags.sessionPresent, granted };
}

/** subscribe() and wait for its SUBACK; returns the granted QoS list. */
export async function subscribeAndWait(c: Client, subs: Array<[string, number]>, timeoutMs = 5000): Promise<number[]> {
  const [rc, mid] = c.subscribe(subs);
  if (rc !== 0) throw new Error(`subscribe() returned rc ${rc}`);
  for (;;) {
    const [ackMid, granted] = (await nextEvent(c, 'subscribe', timeoutMs)) as [number, number[]];
    if (ackMid === mid) return granted;
  }
}

/** Records every message a client receives ('message' event). */
export function collect(c: Client): MQTTMessage[] {
  const out: MQTTMessage[] = [];
  c.on('message', (m: MQTTMessage) => out.push(m));
  return out;
}

/**
 * Counts messages whose payload is `<prefix><n>` by sequence number; `missing()` and
 * `duplicates()` explain a failure.
 */
export class SeqCounter {
  readonly counts: Uint32Array;
  distinct = 0;
  total = 0;
  readonly strays: string[] = [];

  constructor(readonly n: number, readonly prefix = '') {
    this.counts = new Uint32Array(n);
  }

  add(payload: Buffer): void {
    const s = payload.toString();
    const seq = s.startsWith(this.prefix) ? Number(s.slice(this.prefix.length)) : NaN;
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.n) {
      this.strays.push(s.slice(0, 40));
      return;
    }
    this.total++;
    if (this.counts[seq]++ === 0) this.distinct++;
  }

  missing(limit = 20): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.n && out.length < limit; i++) if (this.counts[i] === 0) out.push(i);
    return out;
  }

  duplicates(limit = 20): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.n && out.length < limit; i++) if (this.counts[i] > 1) out.push([i, this.counts[i]]);
    return out;
  }

  describe(): string {
    return `${this.distinct}/${this.n} distinct, ${this.total} total; missing ${JSON.stringify(this.missing())}; ` +
      `duplicates ${JSON.stringify(this.duplicates())}; strays ${JSON.stringify(this.strays.slice(0, 5))}`;
  }
}

/** Listener counts on a socket for the events a transport may use. */
export function socketListeners(sock: net.Socket): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of ['data', 'error', 'close', 'drain', 'end', 'connect', 'timeout', 'finish', 'readable']) out[e] = sock.listenerCount(e);
  return out;
}

/** How many active handles of each type the process holds (Timeout, TCPSocketWrap, ...). */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

