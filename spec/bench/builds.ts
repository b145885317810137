/**
 * The builds of mqttloop a bench run drives: this checkout's dist/ (side 'mqttloop') and, with
 * `--baseline DIR`, another build of it (side 'baseline', e.g. main's dist/ before a change), so
 * that before and after are measured in the same run, on the same machine, interleaved.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as current from '../../dist';

/** One build's public exports (the public API does not change between builds). */
export type Build = typeof current;

/** A side of a comparison: this build, MQTT.js, or the baseline build. */
export type Lib = 'mqttloop' | 'mqttjs' | 'baseline';

let baseline: { dir: string; build: Build } | null = null;

/** Loads the build in `dir` (a directory holding index.js, as dist/ does); throws if it is not one. */
export function useBaseline(dir: string): void {
  const abs = path.resolve(dir);
  if (!fs.existsSync(path.join(abs, 'index.js'))) throw new Error(`${dir}: no index.js there (a built dist/ directory is needed)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const build = require(abs) as Build;
  if (typeof build.Client !== 'function' || typeof build.MQTTClient !== 'function') {
    throw new Error(`${dir}: does not export Client and MQTTClient`);
  }
  baseline = { dir: abs, build };
}

/** The baseline build's directory (absolute), if one was loaded. */
export function baselineDir(): string | undefined {
  return baseline?.dir;
}

/** The exports of the build that plays side `lib`. */
export function buildOf(lib: 'mqttloop' | 'baseline'): Build {
  if (lib === 'mqttloop') return current;
  if (baseline === null) throw new Error('no baseline build loaded (--baseline DIR)');
  return baseline.build;
}
