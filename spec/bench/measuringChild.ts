/**
 * A measuring child process (idle.ts, many-child.ts): each side of a memory measurement runs in a
 * process of its own so the two never share a heap. The child prints one JSON line last: its
 * figures, or `{ error }`; it must report `count` connections.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { BenchError } from './support';

/** Runs `node <flags> <script> <args>` from the repository root and returns its checked result. */
export async function runMeasuringChild<T extends { error?: string; count: number }>(
  what: string, flags: string[], script: string, args: string[], count: number,
): Promise<T> {
  const child = spawn(process.execPath, [...flags, script, ...args], {
    cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  let r: T;
  try {
    r = JSON.parse(out.trim().split('\n').pop() ?? '') as T;
  } catch {
    throw new BenchError(`${what}: child exited ${code} without a result\n${out}\n${err}`);
  }
  if (r.error) throw new BenchError(`${what}: ${r.error}\n${err}`);
  if (r.count !== count) throw new BenchError(`${what}: ${r.count} of ${count} connections opened`);
  return r;
}
