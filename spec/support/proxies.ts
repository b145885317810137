/*
 * Real proxies for the proxySet specs, each a child process in the foreground on a free
 * loopback port, with its own temp dir (config, log), ended by its pid:
 * - dante (danted): SOCKS4 and SOCKS5 without authentication; a `blockedPort` it refuses;
 * - tinyproxy: HTTP CONNECT to the listed ports only; optional Basic authentication;
 * - microsocks: SOCKS5 with username/password authentication (dante's needs system users).
 *
 * Each proxy makes its outgoing connections from its own loopback address (127.0.0.3, .4, .5),
 * so mosquitto's log ("New client connected from 127.0.0.3:...") proves that a client went
 * through that proxy and not around it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { mosquittoAvailable } from './mosquitto';
import { freePort } from './ports';

export type ProxyKind = 'dante' | 'tinyproxy' | 'microsocks';

export interface RunningProxy {
  readonly kind: ProxyKind;
  /** Where clients reach the proxy. */
  readonly host: string;
  readonly port: number;
  /** The address the proxy's connections to the broker come from. */
  readonly outgoing: string;
  readonly pid: number;
  /** The proxy's own log ('' for microsocks, which keeps none). */
  log(): string;
  /** SIGTERM (SIGKILL after 5 s), wait for the exit, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const BINARIES: Record<ProxyKind, string[]> = {
  dante: ['/usr/sbin/danted'],
  tinyproxy: ['/usr/bin/tinyproxy', '/usr/sbin/tinyproxy'],
  microsocks: ['/usr/bin/microsocks'],
};

/** The outgoing address of each kind: distinct, so the broker's log tells them apart. */
export const OUTGOING: Record<ProxyKind, string> = { dante: '127.0.0.3', tinyproxy: '127.0.0.4', microsocks: '127.0.0.5' };

function binary(kind: ProxyKind): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const name = path.basename(BINARIES[kind][0]);
  return [...BINARIES[kind], ...dirs.map((d) => path.join(d, name))].find((f) => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function proxiesAvailable(): boolean {
  return (['dante', 'tinyproxy', 'microsocks'] as ProxyKind[]).every((k) => binary(k) !== undefined);
}

function ciIsSet(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * `describe` for suites that need mosquitto, danted, tinyproxy and microsocks. Without them
 * the suite is skipped locally; under CI it fails (.ci/run installs them).
 */
export function describeWithProxies(name: string, fn: () => void): void {
  if (mosquittoAvailable() && proxiesAvailable()) {
    describe(name, fn);
  } else if (ciIsSet()) {
    describe(name, () => {
      test('mosquitto, danted, tinyproxy and microsocks are installed', () => {
        throw new Error('need mosquitto, dante-server (danted), tinyproxy and microsocks; .ci/run must install them');
      });
    });
  } else {
    describe.skip(name, fn);
  }
}

/** Resolves once host:port accepts a TCP connection; rejects when the child exits or after 10 s. */
async function waitListening(child: ChildProcess, host: string, port: number, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited at start: ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${host}:${port} within 10 s: ${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function launch(kind: ProxyKind, host: string, port: number, dir: string, args: string[], logFile: string | null): Promise<RunningProxy> {
  const bin = binary(kind);
  if (bin === undefined) throw new Error(`${kind} is not installed`);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('error', (e) => (output += String(e)));
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    await waitListening(child, host, port, kind, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    kind, host, port, outgoing: OUTGOING[kind], pid: child.pid as number,
    log: () => (logFile !== null && fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    stop,
  };
}

export interface DanteOptions {
  /** Listening address (default 127.0.0.1); another loopback address shows which name TLS checks. */
  listen?: string;
  /** Connections to this port are refused by a `socks block` rule. */
  blockedPort?: number;
}

/** danted -N 1 in the foreground: SOCKS4 and SOCKS5, no authentication. */
export async function startDante(opts: DanteOptions = {}): Promise<RunningProxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-dante-'));
  const host = opts.listen ?? '127.0.0.1';
  const port = await freePort();
  const logFile = path.join(dir, 'danted.log');
  const root = process.getuid?.() === 0;
  const conf = [
    `logoutput: ${logFile}`,
    `internal: ${host} port = ${port}`,
    `external: ${OUTGOING.dante}`,
    'clientmethod: none',
    'socksmethod: none',
    // As root, dante insists on dropping privileges to named users.
    ...(root ? ['user.privileged: root', 'user.unprivileged: nobody'] : []),
    'client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 log: connect disconnect error }',
    ...(opts.blockedPort !== undefined ? [`socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 port = ${opts.blockedPort} log: connect error }`] : []),
    'socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 log: connect disconnect error }',
    '',
  ].join('\n');
  const confFile = path.join(dir, 'danted.conf');
  fs.writeFileSync(confFile, conf);
  // -p: its pid file in the temp dir, not /var/run/danted.pid (shared by every dante running).
  return launch('dante', host, port, dir, ['-f', confFile, '-N', '1', '-p', path.join(dir, 'danted.pid')], logFile);
}

export interface TinyproxyOptions {
  /** The only ports CONNECT may reach (tinyproxy allows every port when none is listed). */
  connectPorts: number[];
  /** Demand Basic proxy authentication with these credentials. */
  basicAuth?: { username: string; password: string };
}

/** tinyproxy -d in the foreground: HTTP CONNECT. */
export async function startTinyproxy(opts: TinyproxyOptions): Promise<RunningProxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-tinyproxy-'));
  const host = '127.0.0.1';
  const port = await freePort();
  const logFile = path.join(dir, 'tinyproxy.log');
  const conf = [
    `Port ${port}`,
    `Listen ${host}`,
    `Bind ${OUTGOING.tinyproxy}`,
    'Timeout 60',
    `LogFile "${logFile}"`,
    'LogLevel Info',
    'MaxClients 50',
    'Allow 127.0.0.0/8',
    ...opts.connectPorts.map((p) => `ConnectPort ${p}`),
    ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.username} ${opts.basicAuth.password}`] : []),
    '',
  ].join('\n');
  const confFile = path.join(dir, 'tinyproxy.conf');
  fs.writeFileSync(confFile, conf);
  return launch('tinyproxy', host, port, dir, ['-d', '-c', confFile], logFile);
}

/** microsocks: SOCKS5 with username/password authentication. */
export async function startMicrosocks(auth: { username: string; password: string }): Promise<RunningProxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-microsocks-'));
  const host = '127.0.0.1';
  const port = await freePort();
  return launch('microsocks', host, port, dir,
    ['-i', host, '-p', String(port), '-u', auth.username, '-P', auth.password, '-b', OUTGOING.microsocks], null);
}
