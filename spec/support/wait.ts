/**
 * Every way a spec waits, in one place.
 *
 * Real time (integration specs, real sockets):
 * - `waitFor(cond, ms, what)`: polls a condition on short timers; on timeout it fails naming
 *   `what` (a string, or a function describing the current state), never with a bare timeout.
 * - `nextEvent(emitter, event)`: the arguments of the next event.
 * - `within(p, ms, what)`: `p`, or a rejection naming `what` if it hangs.
 * - `outcome(p)`: a promise's result or error as a value.
 * - `sleep(ms)`: a fixed pause, for pacing traffic; never to wait for a condition (waitFor).
 *
 * Turns, not time (memory transport; also under jest's fake clock, which keeps setImmediate real):
 * - `settle()`: lets promise jobs and pump turns run without moving the clock.
 * - `promiseJobs()`: microtasks only, no setImmediate turn.
 * - `until(cond, what)`: settles turn by turn until `cond()` holds.
 * - `settled(p)`: whether `p` settled by now, and how.
 * - `deferred()`: a promise a spec settles by hand.
 *
 * The fake clock (Client specs on the memory transport):
 * - `useFakeClock()`: jest's fake timers from 1,000,000 ms for each test of the file.
 * - `advance(ms)`: moves the fake clock (timers fire), then settles.
 * - `started(c)`: connect() with loopStart(), settled, and connected.
 */
import { performance } from 'perf_hooks';
import type { Client } from '../../lib';

// ---- real time ---------------------------------------------------------------------------------

const POLL_MS = 2;

/**
 * Resolves once `cond()` is true; polls every few ms (an immediate check first). Rejects
 * after `timeoutMs` with `Timed out after N ms waiting for <what>`.
 */
export async function waitFor(
  cond: () => boolean,
  timeoutMs = 5000,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (cond()) return;
    if (performance.now() > deadline) {
      const desc = typeof what === 'function' ? what() : what;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${desc}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Resolves with the arguments of the next `event` on `emitter`; rejects after `timeoutMs`. */
export async function nextEvent(emitter: { once: Function; off: Function }, event: string, timeoutMs = 5000): Promise<unknown[]> {
  let timer: NodeJS.Timeout | undefined;
  let listener: ((...args: unknown[]) => void) | undefined;
  try {
    return await new Promise<unknown[]>((resolve, reject) => {
      listener = (...args: unknown[]) => resolve(args);
      emitter.once(event, listener);
      timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for '${event}'`)), timeoutMs);
    });
  } finally {
    if (timer) clearTimeout(timer);
    if (listener) emitter.off(event, listener);
  }
}

/** Settles as `p`, or rejects after `timeoutMs` naming `what` (so a hung promise fails the test fast and clearly). */
export async function within<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The outcome of a promise, for asserting on rejections without unhandled-rejection noise. */
export async function outcome<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: e as Error };
  }
}

/** A fixed pause, for pacing (publishers, faults); to wait for something, use waitFor. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- turns -------------------------------------------------------------------------------------

/**
 * Lets promise jobs and pump turns (setImmediate) run without moving the clock. setImmediate
 * stays real under the fake clock: a pump turn is not time, and the fake one would be pushed
 * 1 ms ahead when scheduled during a fake tick.
 */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Runs promise jobs and microtasks only: no timer, no setImmediate turn. */
export async function promiseJobs(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Resolves once `cond()` holds, letting memory deliveries and pump turns run (at most 500 turns). */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

/** Whether a promise settled by now (after pending microtasks run), and how. */
export async function settled(p: Promise<unknown>): Promise<'pending' | 'resolved' | { rejected: unknown }> {
  let state: 'pending' | 'resolved' | { rejected: unknown } = 'pending';
  p.then(() => { state = 'resolved'; }, (e) => { state = { rejected: e }; });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return state;
}

/** A promise with its resolve/reject, for handlers a spec settles by hand. */
export function deferred(): { promise: Promise<void>; resolve(): void; reject(e: unknown): void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

// ---- the fake clock ----------------------------------------------------------------------------

/** The fake clock's start, in ms since the epoch. */
export const FAKE_T0 = 1_000_000;

/** Fake timers from FAKE_T0 in each test of the calling file (setImmediate, nextTick, microtasks stay real). */
export function useFakeClock(): void {
  beforeEach(() => jest.useFakeTimers({ now: FAKE_T0, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());
}

/** Moves the fake clock (timers fire), then lets the turns it caused run. */
export async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
  await settle();
}

/** connect() (keepalive in s), loopStart(), and the CONNACK handled: the client is connected. */
export async function started(c: Client, keepalive = 0): Promise<void> {
  await c.connect('broker', 1883, keepalive);
  c.loopStart();
  await settle();
  expect(c.isConnected()).toBe(true);
}
