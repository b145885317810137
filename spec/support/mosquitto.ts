/*
 * Real mosquitto brokers for integration specs: one child process per broker,
 * its own temp dir (config, log, certs, password/ACL files, persistence db)
 * and its own free loopback ports.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { freePorts } from './ports';

export interface MosquittoOptions {
  /** Adds a TLS listener (tlsPort). `requireCertificate` makes it demand a client cert signed by the test CA. */
  tls?: boolean | { requireCertificate?: boolean };
  /** Adds a websockets listener (wsPort) and, with tls, a secure websockets listener (wssPort). */
  websockets?: boolean;
  /** username -> password; turns anonymous access off (on every listener). */
  users?: Record<string, string>;
  /** Contents of an ACL file (mosquitto acl_file syntax). */
  acl?: string;
  /** Persist sessions/retained messages to the temp dir; saved after every change (see below). */
  persistence?: boolean;
  /**
   * Appended verbatim at the end of the config, i.e. after the last listener:
   * global options are fine; listener-scoped options need their own `listener` line.
   */
  extraConfig?: string;
}

export interface MosquittoCerts {
  dir: string;
  /** CA that signed the server and client certificates. */
  caFile: string;
  caPem: string;
  /** An unrelated CA: verifying the server against it must fail. */
  wrongCaFile: string;
  wrongCaPem: string;
  /** Server certificate: CN=localhost, SAN DNS:localhost + IP:127.0.0.1. */
  serverCertFile: string;
  serverKeyFile: string;
  /** Client certificate (CN=mqttloop-client) signed by caFile. */
  clientCertFile: string;
  clientKeyFile: string;
}

export interface MosquittoBroker {
  readonly host: '127.0.0.1';
  /** Plain MQTT over TCP, always present. */
  readonly port: number;
  readonly tlsPort?: number;
  readonly wsPort?: number;
  readonly wssPort?: number;
  readonly certs?: MosquittoCerts;
  /** pid of the current mosquitto process (changes after restart()). */
  readonly pid: number;
  /** The broker's temp dir (removed by stop()). */
  readonly dir: string;
  readonly configFile: string;
  /** mosquitto's own log (log_type all). */
  readonly logFile: string;
  /** SIGTERM (SIGKILL after 5 s), wait for exit, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Stop the process if it is running (SIGTERM), start it again with the same config/ports/dir, wait until ready. */
  restart(): Promise<void>;
  /** SIGKILL the process and wait for its exit; the temp dir (and persistence db) is kept for restart(). */
  kill9(): Promise<void>;
  /** Current contents of the log file ('' if none). */
  log(): string;
}

const READY_DEADLINE_MS = 10_000;
const POLL_INTERVAL_MS = 20;
const STOP_GRACE_MS = 5_000;
const START_ATTEMPTS = 3;

// ---------------------------------------------------------------------------
// binaries

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findExecutable(name: string, preferred: string[] = []): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const candidates = [...preferred, ...dirs.map((d) => path.join(d, name))];
  return candidates.find(isExecutableFile);
}

/** Absolute path of the mosquitto binary: /usr/sbin/mosquitto, else the first one on PATH. */
export function mosquittoBinary(): string | undefined {
  return findExecutable('mosquitto', ['/usr/sbin/mosquitto']);
}

export function mosquittoAvailable(): boolean {
  return mosquittoBinary() !== undefined;
}

function ciIsSet(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * `describe` for suites that need mosquitto. Without the binary the suite is
 * skipped locally, but under CI it fails (CI must install mosquitto, a
 * silently skipped integration suite would look green).
 */
export function describeWithMosquitto(name: string, fn: () => void): void {
  if (mosquittoAvailable()) {
    describe(name, fn);
  } else if (ciIsSet()) {
    describe(name, () => {
      test('mosquitto is installed', () => {
        throw new Error('mosquitto binary not found (/usr/sbin/mosquitto or PATH); .ci/run must install it');
      });
    });
  } else {
    describe.skip(name, fn);
  }
}

// ---------------------------------------------------------------------------
// orphan protection

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort outside jest. NB: inside a jest test file `process` is a
  // sandboxed copy whose 'exit' never fires; the watchdog below covers that.
  process.on('exit', () => {
    for (const child of live) {
      try {
        if (child.pid) process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * A tiny `sh` per broker that blocks reading a pipe from this process. When
 * this process dies for any reason (jest force-killing a worker, SIGKILL,
 * process.exit) the pipe reaches EOF and the watchdog SIGKILLs the broker,
 * provided that pid still runs our config (guards against pid reuse), and
 * removes the broker's temp dir. It is dismissed (SIGKILLed by its own pid) as soon as the broker exits normally.
 */
function startWatchdog(brokerPid: number, configFile: string): ChildProcess | undefined {
  const script =
    'read _ignored; ' +
    'if [ ! -r "/proc/$1/cmdline" ] || grep -qF -- "$2" "/proc/$1/cmdline" 2>/dev/null; then kill -KILL "$1" 2>/dev/null; fi; ' +
    'rm -rf -- "$3"';
  try {
    const args = [String(brokerPid), configFile, path.dirname(configFile)];
    const wd = spawn('/bin/sh', ['-c', script, 'mqttloop-mosquitto-watchdog', ...args], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true, // own process group: a Ctrl-C to jest's group does not fire it early
    });
    wd.on('error', () => undefined);
    wd.stdin?.on('error', () => undefined);
    wd.unref();
    (wd.stdin as unknown as net.Socket | null)?.unref?.();
    return wd;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// certificates

const OPENSSL_CNF = `# generated by spec/support/mosquitto.ts
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_cert]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[client_cert]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
`;

function run(file: string, args: string[], cwd: string): void {
  try {
    execFileSync(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(
      `${path.basename(file)} ${args.join(' ')} failed: ${e.message}\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`,
    );
  }
}

/** CA, server (localhost/127.0.0.1) and client certs plus an unrelated CA; EC P-256 keys, valid 1 day. */
export function generateCerts(dir: string): MosquittoCerts {
  const openssl = findExecutable('openssl', ['/usr/bin/openssl']);
  if (!openssl) throw new Error('openssl CLI not found on PATH; .ci/run installs it');
  fs.mkdirSync(dir, { recursive: true });
  const cnf = path.join(dir, 'openssl.cnf');
  fs.writeFileSync(cnf, OPENSSL_CNF);
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const serial = () => '0x' + randomBytes(8).toString('hex');

  const makeCa = (name: string, cn: string) =>
    run(openssl, ['req', '-x509', '-new', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.crt`,
      '-days', '1', '-subj', `/CN=${cn}`, '-config', cnf, '-extensions', 'v3_ca'], dir);
  const makeLeaf = (name: string, cn: string, ext: string) => {
    run(openssl, ['req', '-new', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`,
      '-subj', `/CN=${cn}`, '-config', cnf], dir);
    run(openssl, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial(),
      '-days', '1', '-out', `${name}.crt`, '-extfile', cnf, '-extensions', ext], dir);
  };

  makeCa('ca', 'mqttloop test CA');
  makeCa('wrong-ca', 'mqttloop wrong CA');
  makeLeaf('server', 'localhost', 'server_cert');
  makeLeaf('client', 'mqttloop-client', 'client_cert');

  const f = (name: string) => path.join(dir, name);
  return {
    dir,
    caFile: f('ca.crt'),
    caPem: fs.readFileSync(f('ca.crt'), 'utf8'),
    wrongCaFile: f('wrong-ca.crt'),
    wrongCaPem: fs.readFileSync(f('wrong-ca.crt'), 'utf8'),
    serverCertFile: f('server.crt'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.crt'),
    clientKeyFile: f('client.key'),
  };
}

// ---------------------------------------------------------------------------
// config

interface Ports {
  port: number;
  tlsPort?: number;
  wsPort?: number;
  wssPort?: number;
}

function buildConfig(
  dir: string,
  opts: MosquittoOptions,
  ports: Ports,
  certs: MosquittoCerts | undefined,
  passwordFile: string | undefined,
  aclFile: string | undefined,
): string {
  const requireCert = typeof opts.tls === 'object' && opts.tls.requireCertificate === true;
  const tlsLines = certs
    ? [
        `cafile ${certs.caFile}`,
        `certfile ${certs.serverCertFile}`,
        `keyfile ${certs.serverKeyFile}`,
        ...(requireCert ? ['require_certificate true', 'use_identity_as_username false'] : []),
      ]
    : [];
  const lines = [
    '# generated by spec/support/mosquitto.ts',
    // mosquitto 2.0 started as root otherwise drops to the `mosquitto` user,
    // which cannot read this root-owned temp dir.
    'user root',
    // security settings are global: every listener gets the same ones
    'per_listener_settings false',
    `log_dest file ${path.join(dir, 'mosquitto.log')}`,
    'log_type all',
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
    'connection_messages true',
    'set_tcp_nodelay true',
    passwordFile ? `password_file ${passwordFile}` : '',
    `allow_anonymous ${passwordFile ? 'false' : 'true'}`,
    aclFile ? `acl_file ${aclFile}` : '',
    ...(opts.persistence
      ? [
          'persistence true',
          `persistence_location ${dir}/`, // must end with a slash: mosquitto concatenates it with the file name
          'persistence_file mosquitto.db',
          // with autosave_on_changes, autosave_interval counts changes: save
          // at the end of every main-loop iteration that changed anything.
          'autosave_on_changes true',
          'autosave_interval 1',
        ]
      : ['persistence false']),
    '',
    `listener ${ports.port} 127.0.0.1`,
    ...(ports.tlsPort !== undefined ? ['', `listener ${ports.tlsPort} 127.0.0.1`, ...tlsLines] : []),
    ...(ports.wsPort !== undefined ? ['', `listener ${ports.wsPort} 127.0.0.1`, 'protocol websockets'] : []),
    ...(ports.wssPort !== undefined
      ? ['', `listener ${ports.wssPort} 127.0.0.1`, 'protocol websockets', ...tlsLines]
      : []),
    '',
    opts.extraConfig ?? '',
    '',
  ];
  return lines.join('\n');
}

function writePasswordFile(dir: string, users: Record<string, string>): string {
  const bin = findExecutable('mosquitto_passwd', ['/usr/bin/mosquitto_passwd', '/usr/sbin/mosquitto_passwd']);
  if (!bin) throw new Error('mosquitto_passwd not found; install mosquitto (it ships with the broker package)');
  const file = path.join(dir, 'passwd');
  const entries = Object.entries(users);
  if (entries.length === 0) throw new Error('startMosquitto: `users` must name at least one user');
  entries.forEach(([user, password], i) => {
    run(bin, i === 0 ? ['-b', '-c', file, user, password] : ['-b', file, user, password], dir);
  });
  return file;
}

// ---------------------------------------------------------------------------
// process handling

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function readOr(file: string, fallback = ''): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

class StartError extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

class MosquittoProcess implements MosquittoBroker {
  readonly host = '127.0.0.1' as const;
  readonly port: number;
  readonly tlsPort?: number;
  readonly wsPort?: number;
  readonly wssPort?: number;
  readonly logFile: string;
  readonly outputFile: string;

  private child?: ChildProcess;
  private exited: Promise<void> = Promise.resolve();
  private running = false;
  private stopping?: Promise<void>;

  constructor(
    private readonly binary: string,
    readonly dir: string,
    readonly configFile: string,
    ports: Ports,
    readonly certs: MosquittoCerts | undefined,
  ) {
    this.port = ports.port;
    this.tlsPort = ports.tlsPort;
    this.wsPort = ports.wsPort;
    this.wssPort = ports.wssPort;
    this.logFile = path.join(dir, 'mosquitto.log');
    this.outputFile = path.join(dir, 'mosquitto.out');
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  log(): string {
    return readOr(this.logFile);
  }

  /** Spawn mosquitto and wait until every listener accepts TCP connections. */
  async launch(): Promise<void> {
    installExitHook();
    const out = fs.openSync(this.outputFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.binary, ['-c', this.configFile], { cwd: this.dir, stdio: ['ignore', out, out] });
    } finally {
      fs.closeSync(out);
    }
    this.child = child;
    this.running = true;
    let exitInfo: string | undefined;
    let watchdog: ChildProcess | undefined;
    this.exited = new Promise<void>((resolve) => {
      let settled = false;
      const done = (info: string) => {
        if (settled) return;
        settled = true;
        exitInfo = info;
        live.delete(child);
        if (this.child === child) this.running = false;
        try {
          watchdog?.kill('SIGKILL'); // the watchdog's own pid; the broker is gone
        } catch {
          // already gone
        }
        resolve();
      };
      child.once('exit', (code, signal) => done(signal ? `signal ${signal}` : `exit code ${code}`));
      // a failed spawn (ENOENT, EACCES) emits 'error' and possibly no 'exit'
      child.once('error', (err) => done(`spawn error: ${err.message}`));
    });
    child.unref(); // a forgotten stop() must not keep jest alive; the watchdog still reaps the broker
    if (child.pid !== undefined) {
      live.add(child);
      watchdog = startWatchdog(child.pid, this.configFile);
    }

    const ports = [this.port, this.tlsPort, this.wsPort, this.wssPort].filter((p): p is number => p !== undefined);
    const deadline = Date.now() + READY_DEADLINE_MS;
    const pending = new Set(ports);
    while (pending.size > 0) {
      if (!this.running) break;
      for (const port of [...pending]) {
        if (await tryConnect(port)) pending.delete(port);
      }
      if (pending.size === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS)); // retry back-off, not synchronisation
    }
    if (pending.size === 0 && this.running) return;

    const why = !this.running
      ? `exited early (${exitInfo ?? 'unknown'})`
      : `not accepting connections on port(s) ${[...pending].join(', ')} after ${READY_DEADLINE_MS} ms`;
    await this.terminate('SIGKILL');
    const log = this.log();
    const output = readOr(this.outputFile);
    throw new StartError(
      `mosquitto ${why}\n--- ${this.configFile} ---\n${readOr(this.configFile)}\n` +
        `--- ${this.logFile} ---\n${log}\n--- stdout/stderr ---\n${output}`,
      /address already in use/i.test(log + output),
    );
  }

  private async terminate(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return this.exited;
    child.kill(signal);
    if (signal === 'SIGKILL') return this.exited;
    const escalate = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(escalate);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.terminate('SIGTERM');
      fs.rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  async kill9(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.stopping) throw new Error('restart() after stop(): the broker and its temp dir are gone');
    await this.terminate('SIGTERM');
    await this.launch();
  }
}

/**
 * Start a mosquitto broker on free 127.0.0.1 ports in a fresh temp dir and
 * wait until every listener accepts connections. Always `await broker.stop()`.
 */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const binary = mosquittoBinary();
  if (!binary) throw new Error('mosquitto binary not found (/usr/sbin/mosquitto or PATH)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-mosq-'));
  try {
    const certs = opts.tls ? generateCerts(path.join(dir, 'certs')) : undefined;
    const passwordFile = opts.users ? writePasswordFile(dir, opts.users) : undefined;
    let aclFile: string | undefined;
    if (opts.acl !== undefined) {
      aclFile = path.join(dir, 'acl');
      fs.writeFileSync(aclFile, opts.acl.endsWith('\n') ? opts.acl : opts.acl + '\n');
    }
    const configFile = path.join(dir, 'mosquitto.conf');

    for (let attempt = 1; ; attempt++) {
      const wanted = 1 + (opts.tls ? 1 : 0) + (opts.websockets ? 1 : 0) + (opts.tls && opts.websockets ? 1 : 0);
      const free = await freePorts(wanted);
      const ports: Ports = { port: free.shift()! };
      if (opts.tls) ports.tlsPort = free.shift();
      if (opts.websockets) ports.wsPort = free.shift();
      if (opts.tls && opts.websockets) ports.wssPort = free.shift();
      fs.writeFileSync(configFile, buildConfig(dir, opts, ports, certs, passwordFile, aclFile));
      const broker = new MosquittoProcess(binary, dir, configFile, ports, certs);
      try {
        await broker.launch();
        return broker;
      } catch (err) {
        // Another process grabbed one of the ports between freePorts() and bind: retry with new ones.
        if (err instanceof StartError && err.addressInUse && attempt < START_ATTEMPTS) {
          fs.rmSync(broker.logFile, { force: true });
          fs.rmSync(broker.outputFile, { force: true });
          continue;
        }
        throw err;
      }
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
