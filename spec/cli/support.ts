/*
 * Running `mqttloop` and mosquitto_pub / mosquitto_sub side by side: processes ended by their own
 * pid after each test, output collected as bytes, and a describe() that needs the mosquitto
 * client tools (skipped locally without them, failing under CI, as describeWithMosquitto).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough } from 'stream';
import { main } from '../../lib/cli/main';
import { mosquittoAvailable } from '../support/mosquitto';

export const ROOT = path.resolve(__dirname, '../..');
/**
 * Per-test limit: a node process with tsx takes seconds to start on a loaded machine, and some
 * scenarios run several one after the other.
 */
export const SLOW_TEST_MS = 120_000;
const CLI = ['--import', 'tsx', path.join(ROOT, 'lib/cli/main.ts')];

function findTool(name: string): string | undefined {
  const dirs = ['/usr/bin', ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  return dirs.map((d) => path.join(d, name)).find((f) => fs.existsSync(f));
}
export const MOSQUITTO_SUB = findTool('mosquitto_sub') ?? 'mosquitto_sub';
export const MOSQUITTO_PUB = findTool('mosquitto_pub') ?? 'mosquitto_pub';

function ciIsSet(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** describe() for specs comparing with mosquitto_pub / mosquitto_sub (and a mosquitto broker). */
export function describeWithMosquittoClients(name: string, fn: () => void): void {
  const have = mosquittoAvailable() && findTool('mosquitto_sub') !== undefined && findTool('mosquitto_pub') !== undefined;
  if (have) describe(name, fn);
  else if (ciIsSet()) {
    describe(name, () => {
      test('mosquitto, mosquitto_pub and mosquitto_sub are installed', () => {
        throw new Error('mosquitto_pub / mosquitto_sub not found: .ci/run must install mosquitto-clients');
      });
    });
  } else describe.skip(name, fn);
}

export interface Proc {
  child: ChildProcess;
  stdout: () => Buffer;
  stderr: () => string;
  exit: Promise<number | null>;
}

const live: Proc[] = [];

/** Ends every process a test left running (by its pid), after each test of the file. */
export function endProcessesAfterEach(): void {
  afterEach(async () => {
    for (const p of live.splice(0)) {
      p.child.kill('SIGKILL');
      await p.exit;
    }
  });
}

export function start(file: string, args: string[], input?: string | Buffer): Proc {
  const child = spawn(file, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000); // never outlive the test
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    resolve(code);
  }));
  child.stdin!.on('error', () => undefined);
  if (input !== undefined) child.stdin!.end(input);
  else child.stdin!.end();
  const p: Proc = { child, stdout: () => Buffer.concat(out), stderr: () => err, exit };
  live.push(p);
  return p;
}

export const mqttloop = (args: string[], input?: string | Buffer): Proc => start(process.execPath, [...CLI, ...args], input);

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function outcome(p: Proc, ms = 45_000): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    p.exit,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`process ${p.child.pid} did not exit in ${ms} ms; stderr: ${p.stderr()}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
  return { code, stdout: p.stdout().toString('latin1'), stderr: p.stderr() };
}

/** main() in this process (parsing needs no process of its own). */
export async function inProcess(args: string[]): Promise<Outcome> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (d) => (out += d));
  stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr, signals: null });
  return { code, stdout: out, stderr: err };
}
