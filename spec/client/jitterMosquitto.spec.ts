/**
 * The fleet measure of jittered reconnects on a real broker: 1,000 clients (loopStart, minDelay
 * 1 s) connected to mosquitto, which is restarted (SIGTERM, then started again on the same
 * port). Each client's first attempt after it lost the connection is timed (on_pre_connect,
 * real clock), and every client must be connected to the restarted broker again.
 * spec/client/jitter.spec.ts measures the same on the in-memory broker with a fake clock.
 */
import { performance } from 'node:perf_hooks';
import { Client, MQTTv311 } from '../../lib';
import type { Jitter } from '../../lib/client/backoff';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

const FLEET = 1000;
/** reconnectDelaySet's minDelay: the window of the first attempts, in ms. */
const WINDOW_MS = 1000;

describeWithMosquitto('a fleet of 1,000 clients after a mosquitto restart', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto({ extraConfig: 'max_connections -1\n' });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  /** ms from each client's loss of the connection to its first new attempt. */
  async function firstAttempts(jitter: Jitter): Promise<number[]> {
    const clients: Client[] = [];
    const lostAt: number[] = new Array(FLEET).fill(NaN);
    const first: number[] = new Array(FLEET).fill(NaN);
    let up = 0;
    try {
      for (let i = 0; i < FLEET; i++) {
        const c = new Client({ clientId: `fleet-${jitter}-${i}`, protocol: MQTTv311 });
        c.reconnectDelaySet(WINDOW_MS / 1000, 2, { jitter });
        c.on_connect = () => { up++; };
        c.on_disconnect = () => { up--; if (Number.isNaN(lostAt[i])) lostAt[i] = performance.now(); };
        c.on_pre_connect = () => { if (!Number.isNaN(lostAt[i]) && Number.isNaN(first[i])) first[i] = performance.now() - lostAt[i]; };
        clients.push(c);
        c.connectAsync('127.0.0.1', broker.port, 60);
        c.loopStart();
      }
      await waitFor(() => up === FLEET, 30_000, 'the fleet connected');

      await broker.restart();
      await waitFor(() => first.every((t) => !Number.isNaN(t)), 30_000, 'every client tried again');
      await waitFor(() => up === FLEET, 30_000, 'the fleet reconnected to the restarted broker');
    } finally {
      for (const c of clients) c.disconnect();
      await Promise.all(clients.map((c) => c.loopStop()));
    }
    return first;
  }

  function spreadOf(times: number[]): number {
    return Math.max(...times) - Math.min(...times);
  }

  test("'full': the first attempts spread over at least 80% of the 1 s window; 'none': none before 1 s", async () => {
    const full = await firstAttempts('full');
    const none = await firstAttempts('none');
    const buckets = new Array(10).fill(0);
    for (const t of full) buckets[Math.min(9, Math.floor((t / WINDOW_MS) * 10))]++;
    console.log(
      `mosquitto restart, ${FLEET} clients: full jitter: first attempts over ${spreadOf(full).toFixed(0)} ms of ${WINDOW_MS}` +
        ` (per tenth ${buckets.join(' ')}); none: over ${spreadOf(none).toFixed(0)} ms, from ${Math.min(...none).toFixed(0)} ms`,
    );
    expect(spreadOf(full)).toBeGreaterThanOrEqual(0.8 * WINDOW_MS);
    // Uniform in [0, 1 s]: about half before 500 ms. A loaded machine only makes attempts later
    // (timers fire late), so the bound is loose; without jitter none comes that early. How evenly
    // they spread is measured on the fake clock (jitter.spec.ts): the real one lumps late timers.
    expect(full.filter((t) => t < WINDOW_MS / 2).length).toBeGreaterThanOrEqual(FLEET * 0.25);
    // Without jitter the fleet comes back in lockstep: no first attempt before a whole minDelay
    // (how long after it depends on how fast one event loop opens 1,000 sockets).
    expect(none.every((t) => t >= WINDOW_MS - 5)).toBe(true);
  });
});
