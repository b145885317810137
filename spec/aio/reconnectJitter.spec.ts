/**
 * MQTTClient's reconnectJitter: amqtt's backoff waits (2**n s, at most reconnectMaxInterval)
 * spread as the Client's reconnectDelaySet() jitter. The loop itself on jest's fake clock with
 * a scripted random source, and the config key's checks.
 */
import { MQTTClient, ValueError } from '../../lib';
import type { Jitter } from '../../lib/client/backoff';
import { Reconnection } from '../../lib/aio/reconnect';
import { advance, settle, useFakeClock } from '../support/wait';

useFakeClock();

/** The ms between the attempts of a loop whose first `failures` attempts fail. */
async function gaps(jitter: Jitter | undefined, random: () => number, failures: number): Promise<number[]> {
  const r = jitter === undefined ? new Reconnection(-1, 10) : new Reconnection(-1, 10, jitter, random);
  const at: number[] = [];
  const done = r.loop({
    attempt: async () => {
      at.push(Date.now());
      if (at.length <= failures) throw new Error('refused');
      return 0;
    },
    stopped: () => false,
    giveUp: () => undefined,
    log: () => undefined,
  });
  await settle();
  while (at.length <= failures) await advance(250);
  await expect(done).resolves.toBe(0);
  return at.slice(1).map((t, i) => t - at[i]);
}

/** A random source that returns `values` in turn. */
const scripted = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

describe('MQTTClient reconnectJitter', () => {
  test("the default and 'none' wait amqtt's 2, 4, 8, 10 s", async () => {
    expect(await gaps(undefined, Math.random, 4)).toEqual([2000, 4000, 8000, 10000]);
    expect(await gaps('none', scripted([0.1]), 4)).toEqual([2000, 4000, 8000, 10000]);
  });

  test("'full' waits uniform in [0, wait]; 'equal' wait/2 plus uniform in [0, wait/2]", async () => {
    // Timers fire at their own time within each 250 ms step of the fake clock: the gaps are the waits.
    expect(await gaps('full', scripted([0.25, 0.5, 0.75, 0.1]), 4)).toEqual([500, 2000, 6000, 1000]);
    expect(await gaps('equal', scripted([0, 0.5, 0.75]), 3)).toEqual([1000, 3000, 7000]);
  });

  test('the config key: checked at construction, misspellings named', () => {
    expect(() => new MQTTClient('jitter', { reconnectJitter: 'full' })).not.toThrow();
    expect(() => new MQTTClient('jitter', { reconnectJitter: 'ful' as never })).toThrow(ValueError);
    expect(() => new MQTTClient('jitter', { reconnectJitter: 'ful' as never })).toThrow(/reconnectJitter: must be 'full', 'equal' or 'none', got 'ful'/);
    expect(() => new MQTTClient('jitter', { reconnectJiter: 'full' } as never)).toThrow(/reconnectJitter/);
  });

  test('MQTTClient hands its reconnectJitter to the loop', () => {
    const loopOf = (c: MQTTClient) => (c as unknown as { reconnection: { jitter: Jitter } }).reconnection;
    expect(loopOf(new MQTTClient('jitter', { reconnectJitter: 'equal' })).jitter).toBe('equal');
    expect(loopOf(new MQTTClient('jitter')).jitter).toBe('none');
  });
});
