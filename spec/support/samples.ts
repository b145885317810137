/** Runs samples/<name>.ts as a program (node --import tsx), for the sample specs. */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

export interface SampleResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `samples/<name>.ts args...` from the repository root. */
export function spawnSample(name: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join('samples', `${name}.ts`), ...args], { cwd: ROOT });
}

/** Resolves with the exit code and output once the process ends (SIGKILL after 20 s). */
export function finished(child: ChildProcess): Promise<SampleResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a sample to its end. */
export function runSample(name: string, args: string[]): Promise<SampleResult> {
  return finished(spawnSample(name, args));
}
