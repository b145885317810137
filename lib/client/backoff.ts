/**
 * The reconnect backoff as pure functions: paho's doubling delay, the jitter spread over it, and
 * the check of reconnectDelaySet()'s options; and the settings they read. The Connector
 * (reconnect.ts) keeps the current delay.
 */
import { didYouMean } from '../closestName';
import { ValueError } from '../errors';

/**
 * How a reconnect delay `d` (paho's: min, doubled per failed attempt up to max) is spread:
 * - 'none': exactly `d`, as paho (the default: ported paho programs keep paho's timing);
 * - 'full': uniform in [0, d] (AWS's "full jitter": the widest spread, so a fleet cut off
 *   together does not come back together);
 * - 'equal': d/2 + uniform in [0, d/2] (never sooner than half the delay).
 */
export type Jitter = 'full' | 'equal' | 'none';

/** reconnectDelaySet()'s third argument. */
export interface ReconnectDelayOptions {
  /** Default 'none' (paho's exact delays). */
  jitter?: Jitter;
}

/** reconnectDelaySet()'s values and the constructor's random source, as the Connector reads them. */
export interface BackoffSettings {
  readonly minDelay: number;
  readonly maxDelay: number;
  readonly jitter: Jitter;
  /** A number in [0, 1), as Math.random (the constructor's `random`). */
  readonly random: () => number;
}

/** paho's defaults, one object shared by every client that keeps them: an idle client holds no settings of its own. */
export const DEFAULT_BACKOFF: BackoffSettings = Object.freeze({ minDelay: 1, maxDelay: 120, jitter: 'none', random: Math.random });

/** Settings with these values: the shared defaults when they are the defaults. */
export function backoffSettings(minDelay: number, maxDelay: number, jitter: Jitter, random: () => number): BackoffSettings {
  const d = DEFAULT_BACKOFF;
  if (minDelay === d.minDelay && maxDelay === d.maxDelay && jitter === d.jitter && random === d.random) return d;
  return { minDelay, maxDelay, jitter, random };
}

const JITTERS: ReadonlySet<string> = new Set<Jitter>(['full', 'equal', 'none']);
const OPTION_KEYS: ReadonlySet<string> = new Set<keyof ReconnectDelayOptions>(['jitter']);

/** paho's backoff: `min` for the first attempt after a loss (`previous` null), then doubled up to `max`. */
export function nextDelay(previous: number | null, min: number, max: number): number {
  return previous === null ? min : Math.min(previous * 2, max);
}

/** The wait for a delay `d` under `jitter`; `random` returns a number in [0, 1), as Math.random. */
export function jittered(d: number, jitter: Jitter, random: () => number): number {
  if (jitter === 'full') return d * random();
  if (jitter === 'equal') return d / 2 + (d / 2) * random();
  return d;
}

/** reconnectDelaySet()'s options checked: the jitter, or a ValueError naming what is wrong. */
export function checkReconnectDelayOptions(options: unknown): Jitter {
  if (options === undefined || options === null) return 'none';
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(`options: must be an object such as { jitter: 'full' }, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new ValueError(`options: unknown option '${key}'${didYouMean(key, OPTION_KEYS)}`);
  }
  const jitter = (options as ReconnectDelayOptions).jitter;
  return jitter === undefined ? 'none' : checkJitter(jitter, 'jitter');
}

/** A jitter setting checked (reconnectDelaySet's, MQTTClient's reconnectJitter): a ValueError naming `name` otherwise. */
export function checkJitter(jitter: unknown, name: string): Jitter {
  if (typeof jitter !== 'string' || !JITTERS.has(jitter)) {
    throw new ValueError(`${name}: must be 'full', 'equal' or 'none', got ${typeof jitter === 'string' ? `'${jitter}'` : String(jitter)}`);
  }
  return jitter as Jitter;
}
