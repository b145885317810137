/*
 * Runs a paho program (spec/paho/programs/NAME.py) and its port (spec/paho/ports/NAME.ts) as
 * child processes against the same broker, each with its own topic prefix, and normalises their
 * output for a line-by-line comparison.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../..');
const PROGRAMS_DIR = path.join(__dirname, 'programs');
const PORTS_DIR = path.join(__dirname, 'ports');

/** A program outlives this only by a bug (a missed disconnect): it is killed and the run fails. */
const RUN_DEADLINE_MS = 20_000;

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code, or the signal's name when it was killed. */
  exit: number | string;
}

/** Runs argv[0] with the rest; after the deadline SIGKILLs its process group (by the child's pid). */
function run(argv: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    // Its own process group, so that the deadline ends it and anything it started.
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => {
      stderr += `\n[runner: killed after ${RUN_DEADLINE_MS} ms]`;
      if (child.pid !== undefined) {
        try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }, RUN_DEADLINE_MS);
    child.on('error', (e) => { stderr += `\n[runner: ${e.message}]`; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exit: code ?? signal ?? 'unknown' });
    });
  });
}

/** The broker and topic prefix a program gets as argv: HOST PORT PREFIX. */
export interface Target { host: string; port: number; prefix: string }

export function runPython(python: string, name: string, t: Target): Promise<RunResult> {
  // -u: unbuffered, so output written before a crash is not lost.
  return run([python, '-u', path.join(PROGRAMS_DIR, `${name}.py`), t.host, String(t.port), t.prefix], { PYTHONWARNINGS: 'ignore::DeprecationWarning' });
}

export function runPort(name: string, t: Target): Promise<RunResult> {
  // tsx as a loader in this one process (the tsx binary would start a second one); it reads
  // tsconfig.json's paths, which map 'mqttloop' to lib/.
  return run([process.execPath, '--import', 'tsx', path.join(PORTS_DIR, `${name}.ts`), t.host, String(t.port), t.prefix], {});
}

export function programNames(): string[] {
  return fs.readdirSync(PROGRAMS_DIR).filter((f) => f.endsWith('.py')).map((f) => f.slice(0, -3)).sort();
}

export function portExists(name: string): boolean {
  return fs.existsSync(path.join(PORTS_DIR, `${name}.ts`));
}

/**
 * The lines to compare: stdout, then the exit code. Only what differs by design between two runs
 * is replaced: the run's topic prefix (it also makes client ids) and client ids the library
 * generated (paho 2.x's 22 base62 characters, mqttloop's `mqttloop-...`).
 */
export function normalise(r: RunResult, prefix: string): string[] {
  const text = r.stdout.split(prefix).join('<prefix>')
    .replace(/\bmqttloop-[0-9A-Za-z]{8,}\b/g, '<generated-id>');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return [...lines, `exit ${r.exit}`];
}

/** paho's version as `import paho.mqtt` reports it, or null when that Python has no paho. */
export function pahoVersion(python: string): string | null {
  const r = spawnSync(python, ['-c', 'import paho.mqtt; print(paho.mqtt.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Runs `jobs` with at most `limit` at a time; each promise settles with its own job. */
export function limited<T>(limit: number): (job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
