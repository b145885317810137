/**
 * The published package, checked the way a user meets it. The repository's files (what a git
 * clone holds: `npm install <git url>` starts there) are copied to a temporary directory and
 * packed with `npm pack`, which runs `prepare` and so builds dist/ from nothing. The tarball is
 * then installed into a fresh project, where CommonJS `require`, ESM `import` of the root and of
 * every sub-path in "exports", the bin, and a strict TypeScript program compiled against the
 * shipped .d.ts must all work. Packing a copy keeps the repository's own dist/ (which other specs
 * run) untouched while this runs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const MODULES = fs.realpathSync(path.join(ROOT, 'node_modules'));
const TSC = path.join(MODULES, 'typescript', 'bin', 'tsc');

interface Manifest {
  exports: Record<string, unknown>;
  bin: Record<string, string>;
  scripts: Record<string, string>;
}
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
/** Every sub-path "exports" names, as a user imports it: 'mqttloop', 'mqttloop/protocol', ... */
const SPECIFIERS = Object.keys(manifest.exports).map((key) => (key === '.' ? 'mqttloop' : `mqttloop${key.slice(1)}`));

/** Runs a command; its output on success, or a failure that shows what it printed. */
function run(cmd: string, args: string[], cwd: string): string {
  // npm_config_* from an `npm test` parent (a --json, a prefix) must not reach the npm run here.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  try {
    return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${err.status}:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** The files a clone of the repository holds (tracked, and new ones not ignored), copied to `dir`. */
function copyCheckout(dir: string): void {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT).split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    if (!fs.existsSync(from) || file === 'node_modules') continue; // deleted in the worktree; the symlink
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, file));
  }
  // prepare's tsc and @types come from the repository's install (as after `npm install` in a clone).
  fs.symlinkSync(MODULES, path.join(dir, 'node_modules'), 'dir');
}

/** Checks shared by the TypeScript programs: exact types, and "not any". */
const PRELUDE = `
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
export function expectType<T>() { return <A,>(value: A, ok: Equal<A, T>): void => { void value; void ok; }; }
type IsAny<T> = 0 extends 1 & T ? true : false;
export function notAny<T>(value: T, ok: IsAny<T> extends true ? never : true): void { void value; void ok; }
`;

/** An ES module program that uses both APIs and the sub-paths, with typed callbacks. */
const ESM_PROGRAM = `
import { Client, MQTTClient, MQTTMessage, CallbackAPIVersion, MQTTv5, QOS_1, ConnectError, fileStore } from 'mqttloop';
import type { ClientOptions, PacketProperties } from 'mqttloop';
import { encode, Parser } from 'mqttloop/protocol';
import { single, multiple } from 'mqttloop/publish';
import { simple, callback } from 'mqttloop/subscribe';
import { expectType, notAny } from './prelude.mjs';

const opts: ClientOptions = { clientId: 'pack-check', cleanSession: true };
notAny(opts, true);
const v1 = new Client({ clientId: 'pack-check', cleanSession: true });
v1.on_connect = (client, userdata, flags, rc) => {
  notAny(client, true);
  expectType<number>()(rc, true);
  expectType<boolean>()(flags.sessionPresent, true);
  client.subscribe('a/#', 1);
};
v1.on_message = (client, userdata, msg) => {
  expectType<MQTTMessage>()(msg, true);
  expectType<Buffer>()(msg.payload, true);
  msg.topic.toUpperCase();
};

const v2 = new Client({ callbackApiVersion: CallbackAPIVersion.VERSION2, protocol: MQTTv5, userdata: { n: 0 } });
v2.on_connect = (client, userdata, flags, reasonCode, properties) => {
  expectType<{ n: number }>()(userdata, true);
  notAny(reasonCode, true); notAny(properties, true);
  userdata.n += 1;
};
v2.on_message = (client, userdata, msg) => { notAny(msg.properties, true); };
notAny(fileStore, true);

const aio = new MQTTClient('pack-check', { keepAlive: 10, autoReconnect: false });
export async function useAio(): Promise<void> {
  try {
    const rc: number = await aio.connect('mqtt://localhost:1883/');
    void rc;
    await aio.publish('a/b', Buffer.from('x'), QOS_1);
    const m = await aio.deliverMessage(1);
    expectType<string>()(m.topic, true);
  } catch (e) {
    if (e instanceof ConnectError) return;
    throw e;
  }
}

const props: PacketProperties = {};
notAny(props, true);
notAny(encode, true);
const parser = new Parser();
notAny(parser, true);

export async function useHelpers(): Promise<void> {
  await single('a/b', 'payload', { hostname: 'localhost', port: 1883, qos: 1 });
  await multiple([{ topic: 'a/b', payload: 'x' }], { hostname: 'localhost' });
  const one = await simple('a/#', { hostname: 'localhost', msgCount: 1 });
  expectType<MQTTMessage>()(one, true);
  const many = await simple('a/#', { hostname: 'localhost', msgCount: 2 });
  expectType<MQTTMessage[]>()(many, true);
  await callback((client, userdata, msg) => { msg.topic.toUpperCase(); }, 'a/#', { hostname: 'localhost' });
}
`;

/** The same package from a CommonJS module (require), under the same strict options. */
const CJS_PROGRAM = `
import mqttloop = require('mqttloop');
import protocol = require('mqttloop/protocol');
import publish = require('mqttloop/publish');
import subscribe = require('mqttloop/subscribe');

const client = new mqttloop.Client('pack-cjs');
client.on_message = (c, userdata, msg) => { const t: string = msg.topic; void t; };
const aio: mqttloop.MQTTClient = new mqttloop.MQTTClient();
void aio;
const encodeFn: typeof protocol.encode = protocol.encode;
void encodeFn;
const send: typeof publish.single = publish.single;
const receive: typeof subscribe.simple = subscribe.simple;
void send; void receive;
`;

const STRICT = {
  strict: true,
  noImplicitAny: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'ES2022',
  // The shipped declarations are checked too, as for a user without skipLibCheck.
  skipLibCheck: false,
  noEmit: true,
  types: ['node'],
};

describe('the packed package', () => {
  let work: string;
  let tarball: string;
  let app: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-pack-'));
    const checkout = path.join(work, 'checkout');
    fs.mkdirSync(checkout);
    copyCheckout(checkout);
    expect(fs.existsSync(path.join(checkout, 'dist'))).toBe(false);
    // npm pack runs prepare, which must build dist/ in a checkout that has none.
    run('npm', ['pack', '--pack-destination', work, '--silent'], checkout);
    const packed = fs.readdirSync(work).filter((f) => f.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = path.join(work, packed[0]!);

    app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-check', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--silent', tarball], app);
  }, 240_000);

  afterAll(() => {
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  it('has a prepare script that builds', () => {
    expect(manifest.scripts['prepare']).toMatch(/\bbuild\b/);
  });

  it('ships dist/, bin/ and the docs, and no specs, TypeScript sources or build info', () => {
    const files = run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'bin/mqttloop.js', 'dist/index.js', 'dist/index.d.ts']));
    expect(files.filter((f) => /^(spec|lib|samples|tools|\.ci)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f))).toEqual([]);
    expect(files.filter((f) => /tsbuildinfo|tsconfig/.test(f))).toEqual([]);
    // Every file "exports" and "bin" name is in the tarball.
    const named = [...Object.values(manifest.exports).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v as Record<string, string>))),
      ...Object.values(manifest.bin)].map((f) => f.replace(/^\.\//, ''));
    expect(named.filter((f) => !files.includes(f))).toEqual([]);
  });

  it('loads with require() at the root and every sub-path', () => {
    const script = `
      const out = {};
      for (const s of ${JSON.stringify(SPECIFIERS)}) out[s] = Object.keys(require(s)).sort();
      console.log(JSON.stringify(out));`;
    const out = JSON.parse(run(process.execPath, ['-e', script], app)) as Record<string, string[]>;
    expect(out['mqttloop']).toEqual(expect.arrayContaining(['Client', 'MQTTClient', 'CallbackAPIVersion', 'fileStore', 'MQTTMessage']));
    expect(out['mqttloop/protocol']).toEqual(expect.arrayContaining(['encode', 'Parser']));
    expect(out['mqttloop/publish']).toEqual(expect.arrayContaining(['single', 'multiple']));
    expect(out['mqttloop/subscribe']).toEqual(expect.arrayContaining(['simple', 'callback']));
    expect(out['mqttloop/package.json']).toEqual(expect.arrayContaining(['name', 'version']));
    // Sub-paths not in "exports" stay private.
    expect(() => run(process.execPath, ['-e', "require('mqttloop/dist/client.js')"], app)).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  it('loads with ESM import at the root and every sub-path, named exports included', () => {
    const script = `
      const { Client, MQTTClient } = await import('mqttloop');
      const { encode, Parser } = await import('mqttloop/protocol');
      const { single } = await import('mqttloop/publish');
      const { simple } = await import('mqttloop/subscribe');
      const pkg = await import('mqttloop/package.json', { with: { type: 'json' } });
      const c = new Client('esm-check');
      console.log(JSON.stringify({
        named: [typeof Client, typeof MQTTClient, typeof encode, typeof Parser, typeof single, typeof simple],
        client: typeof c.connect, name: pkg.default.name,
        specifiers: await Promise.all(${JSON.stringify(SPECIFIERS.filter((s) => !s.endsWith('.json')))}.map(async (s) => Object.keys(await import(s)).length)),
      }));`;
    fs.writeFileSync(path.join(app, 'check.mjs'), script);
    const out = JSON.parse(run(process.execPath, ['check.mjs'], app)) as { named: string[]; client: string; name: string; specifiers: number[] };
    expect(out.named).toEqual(['function', 'function', 'function', 'function', 'function', 'function']);
    expect(out.client).toBe('function');
    expect(out.name).toBe('mqttloop');
    for (const n of out.specifiers) expect(n).toBeGreaterThan(1);
  });

  it('runs the bin, which prints its usage', () => {
    const bin = path.join(app, 'node_modules', '.bin', 'mqttloop');
    const out = run(bin, ['--help'], app);
    expect(out).toMatch(/usage/i);
    expect(out).toMatch(/\bpub\b/);
    expect(out).toMatch(/\bsub\b/);
  });

  it('compiles a strict TypeScript program (nodenext, ESM and CommonJS) against the shipped .d.ts', () => {
    // dist/transport/websocket.d.ts imports 'ws': its types come with the package (@types/ws is a
    // dependency, which brings @types/node), so the user's project adds none of the repository's
    // devDependencies. Without it, skipLibCheck: false fails with TS7016.
    const types = path.join(app, 'node_modules', '@types');
    expect(fs.existsSync(path.join(types, 'ws', 'index.d.ts'))).toBe(true);
    if (!fs.existsSync(path.join(types, 'node'))) fs.symlinkSync(path.join(MODULES, '@types', 'node'), path.join(types, 'node'), 'dir');
    fs.writeFileSync(path.join(app, 'prelude.mts'), PRELUDE);
    fs.writeFileSync(path.join(app, 'program.mts'), ESM_PROGRAM);
    fs.writeFileSync(path.join(app, 'program.cts'), CJS_PROGRAM);
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: STRICT, files: ['prelude.mts', 'program.mts', 'program.cts'] }));
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
  }, 120_000);
});
