/**
 * Runs the child client scripts of spec/reliability/ as real processes and follows their output
 * lines, so a spec can SIGKILL one at a chosen point (by its pid) and start it again.
 */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { performance } from 'perf_hooks';

/**
 * A child client script (spec/reliability/child-*.ts) run with tsx, its stdout followed line by
 * line; ended by its own pid.
 */
export class ChildClientProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private buf = '';

  constructor(scriptName: string, args: Record<string, string | number>) {
    const script = path.join(__dirname, scriptName);
    const argv = Object.entries(args).map(([k, v]) => `${k}=${v}`);
    this.child = spawn(process.execPath, ['--import', 'tsx', script, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        this.lines.push(line);
        this.onLine(line);
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Each output line as it arrives (after it is added to `lines`). */
  protected onLine(_line: string): void {}

  get pid(): number {
    return this.child.pid!;
  }

  /** SIGKILL by pid, and wait until it is gone (reaped). */
  async kill9(): Promise<void> {
    process.kill(this.pid, 'SIGKILL');
    const r = await this.exited;
    if (r.signal !== 'SIGKILL') throw new Error(`child ended with ${JSON.stringify(r)} before the kill; stderr: ${this.stderr}`);
  }

  /** Waits for `cond` (polled), failing early if the process exits. */
  async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => { exited = true; });
    for (;;) {
      if (cond()) return;
      if (exited && !cond()) throw new Error(`child exited before ${what}; last lines ${JSON.stringify(this.lines.slice(-5))}; stderr: ${this.stderr}`);
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last lines ${JSON.stringify(this.lines.slice(-5))}; stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Kills it if it still runs (cleanup). */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** child-publisher.ts: acks (A n), messages loaded from its store (L n), CONNACKs (C rc sp), DONE. */
export class PublisherProcess extends ChildClientProcess {
  acked = 0;
  loaded = -1;
  connacks: Array<{ rc: number; sessionPresent: boolean }> = [];

  constructor(args: Record<string, string | number>) {
    super('child-publisher.ts', args);
  }

  protected override onLine(line: string): void {
    const [kind, a, b] = line.split(' ');
    if (kind === 'A') this.acked = Number(a);
    else if (kind === 'L') this.loaded = Number(a);
    else if (kind === 'C') this.connacks.push({ rc: Number(a), sessionPresent: b === '1' });
  }

  get done(): boolean {
    return this.lines.includes('DONE');
  }
}
