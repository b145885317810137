/**
 * Shared pieces of `npm run bench` (spec/bench/run.ts): the broker each measurement runs
 * against, the payload format, the lost/duplicate check, the yielding and pacing policies
 * (the same code drives both clients), and small statistics helpers.
 */
import { execFileSync } from 'child_process';
import { MosquittoBroker, mosquittoBinary, startMosquitto } from '../support/mosquitto';

// ---------------------------------------------------------------------------
// broker

/**
 * Appended to spec/support/mosquitto.ts's config (which already sets `set_tcp_nodelay true`
 * and `persistence false`). Later lines win in mosquitto's parser:
 *  - no per-packet logging (the base config logs everything, which would make the broker's log
 *    file the bottleneck);
 *  - unlimited queues: `max_queued_messages 0` also makes mosquitto 2.0 always forward QoS 0
 *    (db__ready_for_flight), which it otherwise drops once 1,000 packets wait for a client;
 *  - `max_inflight_messages 0`: no limit on QoS 1/2 in flight in either direction;
 *  - `max_connections -1`: no limit (idle-memory scenario).
 */
export const BENCH_BROKER_CONFIG = [
  'log_type none',
  'log_type error',
  'connection_messages false',
  'max_queued_messages 0',
  'max_queued_bytes 0',
  'max_inflight_messages 0',
  'max_inflight_bytes 0',
  'max_connections -1',
].join('\n');

export function startBenchBroker(): Promise<MosquittoBroker> {
  return startMosquitto({ extraConfig: BENCH_BROKER_CONFIG });
}

export function mosquittoVersion(): string {
  const bin = mosquittoBinary();
  if (!bin) return 'not found';
  try {
    execFileSync(bin, ['-h'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return 'unknown';
  } catch (e) {
    // `mosquitto -h` prints its version and exits 3
    const out = String((e as { stdout?: Buffer }).stdout ?? '');
    return /mosquitto version (\S+)/.exec(out)?.[1] ?? 'unknown';
  }
}

// ---------------------------------------------------------------------------
// payloads: [0..3] sequence number (uint32 BE), [4..11] process.hrtime.bigint() (uint64 BE), rest filler

export const MIN_PAYLOAD = 12;

/** A fresh buffer per message: both clients may keep a reference to it until it is written. */
export function makePayload(seq: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size < MIN_PAYLOAD ? MIN_PAYLOAD : size);
  b.writeUInt32BE(seq, 0);
  b.writeBigUInt64BE(process.hrtime.bigint(), 4);
  return b;
}

export function payloadSeq(p: Buffer): number {
  return p.length >= 4 ? p.readUInt32BE(0) : -1;
}

export function payloadSentAt(p: Buffer): bigint {
  return p.readBigUInt64BE(4);
}

export class BenchError extends Error {}

/**
 * Counts deliveries by sequence number: each of 0..n-1 exactly once, with the right length.
 * `onComplete` fires once, on the delivery that completes the set.
 */
export class SeqCheck {
  readonly seen: Uint8Array;
  count = 0;
  duplicates = 0;
  malformed = 0;
  outOfOrder = 0;
  lastAt = 0n;
  private prev = -1;
  private completeFn: (() => void) | null = null;

  constructor(readonly n: number, readonly size: number, readonly who: string) {
    this.seen = new Uint8Array(n);
  }

  add(payload: Buffer): void {
    this.lastAt = process.hrtime.bigint();
    const seq = payloadSeq(payload);
    if (seq < 0 || seq >= this.n || payload.length !== this.size) {
      this.malformed++;
      return;
    }
    if (this.seen[seq] === 1) {
      this.duplicates++;
      return;
    }
    this.seen[seq] = 1;
    if (seq < this.prev) this.outOfOrder++;
    this.prev = seq;
    if (++this.count === this.n && this.completeFn !== null) this.completeFn();
  }

  get complete(): boolean {
    return this.count === this.n;
  }

  /** Resolves when all n arrived; rejects when nothing new arrived for `stallMs` after `armed()` is true. */
  wait(stallMs: number, armed: () => boolean = () => true): Promise<void> {
    if (this.complete) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let lastCount = this.count;
      let quietSince = Date.now();
      const timer = setInterval(() => {
        if (this.count !== lastCount || !armed()) {
          lastCount = this.count;
          quietSince = Date.now();
          return;
        }
        if (Date.now() - quietSince >= stallMs) {
          clearInterval(timer);
          this.completeFn = null;
          reject(new BenchError(`${this.who}: nothing received for ${stallMs / 1000} s; ${this.describe()}`));
        }
      }, 100);
      this.completeFn = () => {
        clearInterval(timer);
        this.completeFn = null;
        resolve();
      };
    });
  }

  describe(): string {
    const missing: number[] = [];
    let nMissing = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.seen[i] === 0) {
        nMissing++;
        if (missing.length < 8) missing.push(i);
      }
    }
    return `received ${this.count} of ${this.n} distinct messages, ${nMissing} lost` +
      (nMissing > 0 ? ` (first missing seq: ${missing.join(', ')})` : '') +
      `, ${this.duplicates} duplicates, ${this.malformed} malformed`;
  }

  /** Throws unless every message arrived exactly once. */
  verify(): void {
    if (this.count !== this.n || this.duplicates !== 0 || this.malformed !== 0) {
      throw new BenchError(`${this.who}: check failed: ${this.describe()}`);
    }
  }
}

// ---------------------------------------------------------------------------
// policies shared by both clients

/**
 * Tight-loop publishers yield to the event loop every PUBLISH_CHUNK messages (one
 * setImmediate), so sockets can drain and the subscriber can read. Same for both clients.
 */
export const PUBLISH_CHUNK = 500;

export const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Calls send(i) for i in 0..total-1 at `rateHz`, drift-corrected: message i is due at
 * start + i/rate, and every turn sends all that are due (a late turn catches up instead of
 * shifting the schedule), then sleeps with setTimeout until the next is due (at least 1 ms:
 * at 2,000 msg/s messages leave in pairs every millisecond). It never spins on setImmediate:
 * a spinning pacer holds one of the two cores and itself inflates the p99 (bare sockets here:
 * ~1.5 ms spinning, ~0.6 ms sleeping). Same code for both clients.
 */
export function paced(total: number, rateHz: number, send: (i: number) => void): Promise<void> {
  return new Promise((resolve) => {
    const intervalNs = BigInt(Math.round(1e9 / rateHz));
    const start = process.hrtime.bigint();
    let i = 0;
    const tick = (): void => {
      const now = process.hrtime.bigint();
      while (i < total && start + BigInt(i) * intervalNs <= now) send(i++);
      if (i >= total) {
        resolve();
        return;
      }
      const waitMs = Number(start + BigInt(i) * intervalNs - process.hrtime.bigint()) / 1e6;
      setTimeout(tick, Math.max(1, Math.floor(waitMs)));
    };
    tick();
  });
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new BenchError(`${what}: no answer within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

// ---------------------------------------------------------------------------
// statistics and formatting

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile of an unsorted sample (q in 0..100). */
export function percentile(xs: Float64Array | number[], q: number): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const rank = Math.ceil((q / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function fmtRate(perSec: number): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)}M/s`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)}k/s`;
  return `${perSec.toFixed(0)}/s`;
}

export function fmtMs(ms: number): string {
  return ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(3)} ms`;
}

export function fmtKB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
