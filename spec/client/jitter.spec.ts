/**
 * Jittered reconnects (reconnectDelaySet's third argument): the pure delay functions, one
 * client's waits with a scripted random source, the argument checks, and the fleet measure:
 * 1,000 clients on the in-memory broker lose it together, and the spec records when each one
 * tries again. All on jest's fake clock, with seeded random sources: deterministic.
 */
import { Client, ValueError } from '../../lib';
import { checkReconnectDelayOptions, Jitter, jittered, nextDelay } from '../../lib/client/backoff';
import { MemoryBroker } from '../support/memoryBroker';
import { advance, settle, useFakeClock } from '../support/wait';
import { seeded } from '../support/random';

useFakeClock();

/** The real monotonic clock, taken before the fake one replaces performance.now: what the fleet costs. */
const realNow = performance.now.bind(performance);

/** A random source that returns `values` in turn. */
function scripted(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

describe('the backoff functions', () => {
  test("nextDelay is paho's: min first, then doubled up to max", () => {
    const delays: number[] = [];
    let d: number | null = null;
    for (let i = 0; i < 6; i++) delays.push((d = nextDelay(d, 1, 8)));
    expect(delays).toEqual([1, 2, 4, 8, 8, 8]);
  });

  test("jittered: 'none' is the delay, 'full' uniform in [0, d], 'equal' d/2 + uniform in [0, d/2]", () => {
    for (const r of [0, 0.25, 0.999]) {
      expect(jittered(8, 'none', () => r)).toBe(8);
      expect(jittered(8, 'full', () => r)).toBe(8 * r);
      expect(jittered(8, 'equal', () => r)).toBe(4 + 4 * r);
    }
  });

  test('the options: absent or null is none; anything else names what is wrong', () => {
    expect(checkReconnectDelayOptions(undefined)).toBe('none');
    expect(checkReconnectDelayOptions(null)).toBe('none');
    expect(checkReconnectDelayOptions({})).toBe('none');
    for (const j of ['full', 'equal', 'none'] as const) expect(checkReconnectDelayOptions({ jitter: j })).toBe(j);
  });
});

describe('reconnectDelaySet(min, max, { jitter })', () => {
  /** The waits between a lost connection and each of 6 attempts (5 refused), in ms. */
  async function waits(jitter: Jitter | undefined, random: () => number): Promise<number[]> {
    const broker = new MemoryBroker(4, { clientId: 'jitter', clock: () => Date.now(), random });
    const c = broker.client();
    c.reconnectDelaySet(1, 8, jitter === undefined ? undefined : { jitter });
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    expect(c.isConnected()).toBe(true);
    broker.refuseSockets = 5;
    const lostAt = Date.now();
    broker.peer.close();
    await settle();
    for (let i = 0; i < 6; i++) await advance(8000);
    expect(c.isConnected()).toBe(true);
    c.disconnect();
    await c.loopStop();
    return broker.attempts.slice(1).map((t, i, a) => t - (i === 0 ? lostAt : a[i - 1]));
  }
  const r = [0.25, 0.5, 0.75, 0.125, 0.875, 0.375];

  test("'full' waits the doubling delay times the random number", async () => {
    expect(await waits('full', scripted(r))).toEqual([250, 1000, 3000, 1000, 7000, 3000]);
  });

  test("'equal' waits half the delay plus the random part of the other half", async () => {
    expect(await waits('equal', scripted(r))).toEqual([625, 1500, 3500, 4500, 7500, 5500]);
  });

  test("'none', and no options, are paho's exact delays whatever the random source", async () => {
    expect(await waits('none', scripted(r))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(await waits(undefined, scripted(r))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  test('a later call without options goes back to no jitter', async () => {
    const broker = new MemoryBroker(4, { clientId: 'jitter', clock: () => Date.now(), random: () => 0.5 });
    const c = broker.client();
    c.reconnectDelaySet(1, 8, { jitter: 'full' });
    c.reconnectDelaySet(2, 8);
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    const lostAt = Date.now();
    broker.peer.close();
    await settle();
    await advance(2000);
    expect(broker.attempts.slice(1)).toEqual([lostAt + 2000]);
    c.disconnect();
    await c.loopStop();
  });

  test('reinitialise() goes back to no jitter, with the random source its options give', async () => {
    const broker = new MemoryBroker(4, { clientId: 'jitter', clock: () => Date.now(), random: () => 0.5 });
    const c = broker.client();
    c.reconnectDelaySet(1, 8, { jitter: 'full' });
    c.reinitialise({ ...broker.clientDefaults, createTransport: () => broker.listener.createTransport() });
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    let lostAt = Date.now();
    broker.peer.close();
    await settle();
    await advance(1000);
    expect(broker.attempts.slice(1)).toEqual([lostAt + 1000]);

    // The random source came through reinitialise(): 'full' now waits half of min.
    c.reconnectDelaySet(1, 8, { jitter: 'full' });
    lostAt = Date.now();
    broker.peer.close();
    await settle();
    await advance(1000);
    expect(broker.attempts.slice(2)).toEqual([lostAt + 500]);
    c.disconnect();
    await c.loopStop();
  });

  test('bad options throw ValueError naming them, at the call', () => {
    const c = new Client('bad');
    const bad: Array<[unknown, RegExp]> = [
      [{ jitter: 'ful' }, /^jitter: must be 'full', 'equal' or 'none', got 'ful'/],
      [{ jitter: 1 }, /^jitter: .* got 1/],
      ['full', /^options: must be an object .* got string/],
      [['full'], /^options: must be an object .* got an array/],
      [{ jiter: 'full' }, /^options: unknown option 'jiter' \(did you mean 'jitter'\?\)/],
    ];
    for (const [options, message] of bad) {
      expect(() => c.reconnectDelaySet(1, 2, options as never)).toThrow(ValueError);
      expect(() => c.reconnectDelaySet(1, 2, options as never)).toThrow(message);
    }
    expect(() => new Client({ random: 0.5 as never })).toThrow(/^random: must be a function/);
  });
});

describe('a fleet after a broker restart', () => {
  const FLEET = 1000;

  /**
   * FLEET clients connected with loopStart (minDelay 1 s), every connection closed by the
   * broker at once: the ms after the loss at which each client makes its first new attempt.
   */
  async function firstAttempts(jitter: Jitter): Promise<number[]> {
    const broker = new MemoryBroker(4, { clientId: 'fleet', clock: () => Date.now(), random: seeded(16) });
    const clients: Client[] = [];
    const first: number[] = new Array(FLEET).fill(NaN);
    let lostAt = NaN;
    for (let i = 0; i < FLEET; i++) {
      const c = broker.client({ clientId: `fleet-${i}` });
      c.reconnectDelaySet(1, 120, { jitter });
      c.on_pre_connect = () => { if (Number.isNaN(first[i]) && !Number.isNaN(lostAt)) first[i] = Date.now() - lostAt; };
      await c.connect('broker', 1883, 0);
      c.loopStart();
      clients.push(c);
    }
    await settle();
    expect(clients.every((c) => c.isConnected())).toBe(true);

    // The restart: every connection closed at once; the new sockets are answered.
    lostAt = Date.now();
    for (const peer of broker.listener.peers) if (!peer.closed) peer.close();
    await settle();
    await advance(1000);
    await settle();
    expect(clients.every((c) => c.isConnected())).toBe(true);
    for (const c of clients) c.disconnect();
    for (const c of clients) await c.loopStop();
    return first;
  }

  /** How many of `times` fall in each tenth of [0, windowMs]. */
  function tenths(times: number[], windowMs: number): number[] {
    const buckets = new Array(10).fill(0);
    for (const t of times) buckets[Math.min(9, Math.floor((t / windowMs) * 10))]++;
    return buckets;
  }

  test("'full': the first attempts spread over at least 80% of the 1 s window, no tenth holding over 20%", async () => {
    const started = realNow();
    const first = await firstAttempts('full');
    const spent = realNow() - started;
    expect(first.every((t) => t >= 0 && t <= 1000)).toBe(true);
    const spread = Math.max(...first) - Math.min(...first);
    expect(spread).toBeGreaterThanOrEqual(800);
    const buckets = tenths(first, 1000);
    expect(Math.max(...buckets)).toBeLessThanOrEqual(FLEET * 0.2);
    console.log(`full jitter, ${FLEET} clients: first attempts over ${spread.toFixed(0)} ms of 1000; per tenth ${buckets.join(' ')}; ${spent.toFixed(0)} ms of real time`);
  });

  test("'equal': the first attempts spread over at least 80% of the window [0.5 s, 1 s]", async () => {
    const first = await firstAttempts('equal');
    expect(first.every((t) => t >= 500 && t <= 1000)).toBe(true);
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...tenths(first.map((t) => t - 500), 500))).toBeLessThanOrEqual(FLEET * 0.2);
  });

  test("'none': every client tries again at exactly minDelay, in lockstep", async () => {
    const first = await firstAttempts('none');
    expect(new Set(first)).toEqual(new Set([1000]));
  });
});
