/*
 * The `mqttloop` command line, spawned as a process (node --import tsx lib/cli/main.ts: the
 * TypeScript source, so the spec does not depend on a build in dist/), checked against
 * mosquitto_sub / mosquitto_pub on the other side.
 */
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { unique, useMosquitto, waitFor, within } from '../aio/support';
import type { MosquittoBroker } from '../support/mosquitto';
import { describeWithMosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { inProcess, start as startProcess } from './support';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--import', 'tsx', path.join(ROOT, 'lib/cli/main.ts')];

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** A process of the suite's shared runner (support.ts), its stdout read as text. */
function start(file: string, args: string[], input?: string | Buffer): Proc {
  const p = startProcess(file, args, input);
  return { child: p.child, stdout: () => p.stdout().toString('utf8'), stderr: p.stderr, exit: p.exit };
}

const live: Proc[] = [];
afterEach(async () => {
  for (const p of live.splice(0)) {
    p.child.kill('SIGKILL');
    await p.exit;
  }
});

function mqttloop(args: string[], input?: string | Buffer): Proc {
  const p = start(process.execPath, [...CLI, ...args], input);
  live.push(p);
  return p;
}

async function run(args: string[], input?: string | Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = mqttloop(args, input);
  const code = await within(p.exit, 20_000, `mqttloop ${args.join(' ')}`);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

describeWithMosquitto('mqttloop CLI', () => {
  const broker = useMosquitto({ users: { u: 'p' }, tls: true, websockets: true });
  const conn = (b: MosquittoBroker, port = b.port) => ['-h', '127.0.0.1', '-p', String(port), '-u', 'u', '-P', 'p'];

  /** mosquitto_sub on `topic`, printing `format`, started and subscribed (SUBACK sent) before this resolves. */
  async function mosquittoSub(topic: string, count: number, format = '%t %q %r %p'): Promise<Proc> {
    const b = broker();
    const id = unique('msub');
    const p = start('/usr/bin/mosquitto_sub', [...conn(b), '-i', id, '-q', '2', '-t', topic, '-C', String(count), '-W', '15', '-F', format]);
    live.push(p);
    await waitFor(() => b.log().includes(`Sending SUBACK to ${id}`), 5000, `mosquitto_sub ${id} to subscribe`);
    return p;
  }

  async function finished(p: Proc): Promise<string> {
    const code = await within(p.exit, 15_000, 'mosquitto_sub to finish');
    expect(p.stderr()).toBe('');
    expect(code).toBe(0);
    return p.stdout();
  }

  function mosquittoPub(args: string[]): Promise<number | null> {
    const p = start('/usr/bin/mosquitto_pub', [...conn(broker()), ...args]);
    live.push(p);
    return within(p.exit, 10_000, 'mosquitto_pub');
  }

  describe('pub', () => {
    test('-t -m -q 2: mosquitto_sub gets it; exit 0, no output', async () => {
      const topic = unique('cli/pub');
      const sub = await mosquittoSub(topic, 1);
      const r = await run(['pub', ...conn(broker()), '-t', topic, '-m', 'hello world', '-q', '2']);
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await finished(sub)).toBe(`${topic} 2 0 hello world\n`);
    });

    test('-r retains; -n sends a null message (which clears it)', async () => {
      const topic = unique('cli/ret');
      expect((await run(['pub', ...conn(broker()), '-t', topic, '-m', 'kept', '-r', '-q', '1'])).code).toBe(0);
      const sub = await mosquittoSub(topic, 1);
      expect(await finished(sub)).toBe(`${topic} 1 1 kept\n`);
      const sub2 = await mosquittoSub(topic, 2, '%t %r %l');
      expect((await run(['pub', ...conn(broker()), '-t', topic, '-n', '-r', '-q', '1'])).code).toBe(0);
      expect(await finished(sub2)).toBe(`${topic} 1 4\n${topic} 0 0\n`); // the retained one, then the null message
    });

    test('-f sends a file, byte for byte; -s sends stdin', async () => {
      const topic = unique('cli/file');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-cli-'));
      try {
        const file = path.join(dir, 'payload.bin');
        const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
        fs.writeFileSync(file, bytes);
        const sub = await mosquittoSub(topic, 2, '%x');
        expect((await run(['pub', ...conn(broker()), '-t', topic, '-f', file, '-q', '1'])).code).toBe(0);
        expect((await run(['pub', ...conn(broker()), '-t', topic, '-s', '-q', '1'], 'from stdin\n')).code).toBe(0);
        expect(await finished(sub)).toBe(`${bytes.toString('hex')}\n${Buffer.from('from stdin\n').toString('hex')}\n`);
        const missing = await run(['pub', ...conn(broker()), '-t', topic, '-f', path.join(dir, 'nope')]);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toMatch(/^Error: Unable to read file ".*nope": ENOENT\.\n$/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('-l sends one message per stdin line (blank lines skipped)', async () => {
      const topic = unique('cli/lines');
      const sub = await mosquittoSub(topic, 3, '%p');
      const r = await run(['pub', ...conn(broker()), '-t', topic, '-l', '-q', '1'], 'first\n\nsecond\r\nthird');
      expect(r.code).toBe(0);
      expect(await finished(sub)).toBe('first\nsecond\nthird\n');
    });

    test('-L mqtt://user:pass@host:port/topic', async () => {
      const b = broker();
      const topic = unique('cli/url');
      const sub = await mosquittoSub(topic, 1, '%t %p');
      expect((await run(['pub', '-L', `mqtt://u:p@127.0.0.1:${b.port}/${topic}`, '-m', 'via url'])).code).toBe(0);
      expect(await finished(sub)).toBe(`${topic} via url\n`);
    });

    test('--cafile (mqtts), --ws and --ws --cafile (wss)', async () => {
      const b = broker();
      const topic = unique('cli/tls');
      const sub = await mosquittoSub(topic, 3, '%p');
      const ca = b.certs!.caFile;
      expect((await run(['pub', ...conn(b, b.tlsPort), '--cafile', ca, '-t', topic, '-m', 'mqtts', '-q', '1'])).code).toBe(0);
      expect((await run(['pub', ...conn(b, b.wsPort), '--ws', '-t', topic, '-m', 'ws', '-q', '1'])).code).toBe(0);
      expect((await run(['pub', ...conn(b, b.wssPort), '--ws', '--cafile', ca, '--insecure', '-t', topic, '-m', 'wss', '-q', '1'])).code).toBe(0);
      expect(await finished(sub)).toBe('mqtts\nws\nwss\n');
      const wrong = await run(['pub', ...conn(b, b.tlsPort), '--cafile', b.certs!.wrongCaFile, '-t', topic, '-m', 'x']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^Error: .*certificate/i);
    });

    test('-i -c -k -V and the will reach the broker in CONNECT', async () => {
      const b = broker();
      const id = unique('cli-id');
      const r = await run(['pub', ...conn(b), '-i', id, '-c', '-k', '33', '-V', 'mqttv5', '-t', unique('t'), '-m', 'x',
        '--will-topic', 'cli/will', '--will-payload', 'bye', '--will-qos', '1', '--will-retain']);
      expect(r.code).toBe(0);
      const log = b.log();
      expect(log).toContain(`as ${id} (p5, c0, k33, u'u').`);
      expect(log.slice(log.indexOf(`as ${id} `))).toMatch(/Will message specified \(3 bytes\) \(r1, q1\)\.\n\S+ \tcli\/will\n/);
    });

    test('a refused connection prints the CONNACK reason and exits with its code', async () => {
      const r = await run(['pub', '-h', '127.0.0.1', '-p', String(broker().port), '-u', 'u', '-P', 'wrong', '-t', 'a', '-m', 'x']);
      expect(r).toEqual({ code: 5, stdout: '', stderr: 'Connection error: Connection Refused: not authorised.\n' });
      const anon = await run(['pub', '-h', '127.0.0.1', '-p', String(broker().port), '-t', 'a', '-m', 'x', '--quiet']);
      expect(anon).toEqual({ code: 5, stdout: '', stderr: '' });
    });
  });

  describe('sub', () => {
    /** Starts `mqttloop sub -d ...` and resolves once it has its SUBACK. */
    async function startSub(args: string[]): Promise<Proc> {
      const p = mqttloop(['sub', ...conn(broker()), '-d', ...args]);
      await waitFor(() => p.stderr().includes('received SUBACK'), 10_000, () => `mqttloop sub to subscribe; stderr: ${p.stderr()}`);
      return p;
    }

    test('-t -t -v -C: prints "topic payload" for each message, exits 0 after the count', async () => {
      const t = unique('cli/sub');
      const p = await startSub(['-t', `${t}/a`, '-t', `${t}/b/#`, '-v', '-q', '1', '-C', '3']);
      expect(await mosquittoPub(['-t', `${t}/a`, '-m', 'one', '-q', '1'])).toBe(0);
      expect(await mosquittoPub(['-t', `${t}/b/c`, '-m', 'two words', '-q', '1'])).toBe(0);
      expect(await mosquittoPub(['-t', `${t}/a`, '-m', 'three', '-q', '2'])).toBe(0);
      expect(await within(p.exit, 10_000, 'mqttloop sub to exit')).toBe(0);
      expect(p.stdout()).toBe(`${t}/a one\n${t}/b/c two words\n${t}/a three\n`);
    });

    test('-N prints payloads without a newline; -R skips stale retained messages', async () => {
      const t = unique('cli/nr');
      expect(await mosquittoPub(['-t', t, '-m', 'stale', '-r', '-q', '1'])).toBe(0);
      const p = await startSub(['-t', t, '-N', '-R', '-C', '2']);
      expect(await mosquittoPub(['-t', t, '-m', 'AB', '-q', '1'])).toBe(0);
      expect(await mosquittoPub(['-t', t, '-m', 'CD', '-q', '1'])).toBe(0);
      expect(await within(p.exit, 10_000, 'mqttloop sub to exit')).toBe(0);
      expect(p.stdout()).toBe('ABCD');
      expect(await mosquittoPub(['-t', t, '-n', '-r', '-q', '1'])).toBe(0);
    });

    test('-W: prints "Timed out" and exits 27 when no -C count is reached in time', async () => {
      const r = await run(['sub', ...conn(broker()), '-t', unique('cli/quiet'), '-W', '1', '-C', '1']);
      expect(r).toEqual({ code: 27, stdout: '', stderr: 'Timed out\n' });
    });

    test('-L with --ws and --cafile (wss); SIGTERM ends it with exit 0', async () => {
      const b = broker();
      const t = unique('cli/wss');
      const p = mqttloop(['sub', '-L', `wss://u:p@127.0.0.1:${b.wssPort}/${t}`, '--cafile', b.certs!.caFile, '-d']);
      await waitFor(() => p.stderr().includes('received SUBACK'), 10_000, () => `mqttloop sub to subscribe; stderr: ${p.stderr()}`);
      expect(await mosquittoPub(['-t', t, '-m', 'secure', '-q', '1'])).toBe(0);
      await waitFor(() => p.stdout() === 'secure\n', 5000, () => `the message; stdout: ${JSON.stringify(p.stdout())}`);
      p.child.kill('SIGTERM');
      expect(await within(p.exit, 5000, 'mqttloop sub to exit')).toBe(0);
    });

    test('reconnects and subscribes again when the broker restarts, as mosquitto_sub', async () => {
      const b = broker();
      const t = unique('cli/again');
      const p = await startSub(['-t', t, '-q', '1', '-C', '1']);
      await b.kill9();
      await waitFor(() => p.stderr().includes('reconnecting.'), 5000, () => `the reconnection; stderr: ${p.stderr()}`);
      await b.restart();
      await waitFor(() => p.stderr().split('received SUBACK').length === 3, 10_000, () => `a second SUBACK; stderr: ${p.stderr()}`);
      expect(await mosquittoPub(['-t', t, '-m', 'after the restart', '-q', '1'])).toBe(0);
      expect(await within(p.exit, 10_000, 'mqttloop sub to exit')).toBe(0);
      expect(p.stdout()).toBe('after the restart\n');
    });

    test('a refused connection prints the CONNACK reason and exits with its code', async () => {
      const r = await run(['sub', '-h', '127.0.0.1', '-p', String(broker().port), '-u', 'u', '-P', 'bad', '-t', 'a']);
      expect(r).toEqual({ code: 5, stdout: '', stderr: 'Connection error: Connection Refused: not authorised.\n' });
    });

    test('MQTT 5: a refused connection prints the reason and exits with the reason code, as mosquitto_sub', async () => {
      const args = ['-h', '127.0.0.1', '-p', String(broker().port), '-u', 'u', '-P', 'bad', '-t', 'a', '-V', 'mqttv5'];
      const theirs = start('/usr/bin/mosquitto_sub', args);
      live.push(theirs);
      const theirCode = await within(theirs.exit, 10_000, 'mosquitto_sub');
      expect({ code: theirCode, stderr: theirs.stderr() }).toEqual({ code: 135, stderr: 'Connection error: Not authorized\n' });
      const r = await run(['sub', ...args]);
      expect(r).toEqual({ code: 135, stdout: '', stderr: 'Connection error: Not authorized\n' });
      // -d: the CONNACK line carries the reason code's number (mosquitto_sub writes it to stdout, mqttloop to stderr).
      const theirDebug = start('/usr/bin/mosquitto_sub', [...args, '-d', '-i', 'refused-d']);
      live.push(theirDebug);
      await within(theirDebug.exit, 10_000, 'mosquitto_sub -d');
      const ourDebug = await run(['sub', ...args, '-d', '-i', 'refused-d']);
      const connack = (text: string) => text.split('\n').filter((l) => l.includes('CONNACK'));
      expect(connack(theirDebug.stdout())).toEqual(['Client refused-d received CONNACK (135)']);
      expect(connack(ourDebug.stderr)).toEqual(connack(theirDebug.stdout()));
    });
  });

  test('nothing listening: "Error: ..." and exit 1', async () => {
    const port = await freePort();
    const r = await run(['pub', '-h', '127.0.0.1', '-p', String(port), '-t', 'a', '-m', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });
});

describe('mqttloop CLI usage', () => {

  test.each([
    [['pub', '--bogus'], /^Error: Unknown option '--bogus'\.\n\nmqttloop pub: /],
    [['pub', '-t', 'a'], /^Error: Both topic and message must be supplied\.\n/],
    [['pub', '-t', 'a', '-m', 'x', '-q', '3'], /^Error: Invalid QoS given with -q: 3\.\n/],
    [['pub', '-t', 'a', '-m', 'x', '-n'], /^Error: Only one type of message can be sent at once/],
    [['pub', '-t', 'a', '-m', 'x', '-c'], /^Error: You must provide a client id with -i/],
    [['pub', '-t', 'a', '-m', 'x', '-p', 'http'], /^Error: Invalid value for -p: 'http' is not a number\./],
    [['pub', '-t', 'a', '-m'], /^Error: -m argument given but no value specified\./],
    [['pub', '-t', 'a', '-m', 'x', '-C', '1'], /^Error: Unknown option '-C'\./], // a sub flag
    [['pub', '-t', 'a', '-t', 'b', '-m', 'x'], /^Error: Only one topic can be published to/],
    [['pub', '-t', 'a', '-m', 'x', '-P', 'secret'], /^Error: -P given without -u/],
    [['pub', '-t', 'a', '-m', 'x', '--will-payload', 'p'], /^Error: Will payload or retain given, but no will topic given\./],
    [['sub', '-v'], /^Error: You must specify a topic to subscribe to \(-t\)\.\n\nmqttloop sub: /],
    [['sub', '-t', 'a', '-L', 'mqtt://h:1883'], /^Error: Invalid URL for -L: topic missing/],
    [['sub', '-t', 'a', '-L', 'http://h/t'], /^Error: Invalid URL for -L: unsupported scheme 'http'/],
    [['sub', '--url', 'mqtt://h:1883'], /^Error: Invalid URL for -L: topic missing/], // mosquitto's long forms
    [['pub', '--topic', 'a', '--message', 'x', '--qos', '3'], /^Error: Invalid QoS given with -q: 3\./],
    [['sub', '-t', 'a', '-V', 'mqttv4'], /^Error: Invalid protocol version 'mqttv4'/],
    [['sub', '-t', 'a', '-W', '0'], /^Error: Invalid value for -W: must be from 1/],
    [['pub', '-t', 'a', '-m', 'x', '-D', 'will', 'topic-alias', '1'], /^Error: topic-alias property not allowed for will in --property argument\./],
    [['sub', '-t', 'a', '-D', 'unsubscribe', 'reason-string', 'x'], /^Error: reason-string property not allowed for unsubscribe in --property/],
    [['sub', '-t', 'a', '-D', 'disconnect', 'server-reference'], /^Error: --property argument given but not enough arguments specified\./],
    [['frobnicate'], /^Error: unknown command 'frobnicate'\.\n\nmqttloop: MQTT command line client\./],
    [[], /^mqttloop: MQTT command line client\.\n\nUsage: mqttloop pub/],
  ])('%j: usage on stderr, exit 1 (as mosquitto)', async (args, stderr) => {
    const r = await inProcess(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(stderr);
  });

  test('as a process: a bad flag prints the usage and exits 1 (as mosquitto)', async () => {
    const r = await run(['pub', '--bogus']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: Unknown option '--bogus'\.\n\nmqttloop pub: publish a message on a topic and exit\.\n\nUsage: mqttloop pub /);
  });

  test('--help prints the usage on stdout and exits 0', async () => {
    const r = await run(['sub', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mqttloop sub: subscribe to topics/);
    expect(r.stdout).toContain(' -C : disconnect and exit after receiving the msg_count messages.');
    expect(r.stderr).toBe('');
  });

  test('package.json declares the bin; the shim runs the compiled CLI', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ mqttloop: 'bin/mqttloop.js' });
    expect(pkg.files).toContain('bin');
    const shim = fs.readFileSync(path.join(ROOT, 'bin/mqttloop.js'), 'utf8');
    expect(shim.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(shim).toContain("require('../dist/cli/main.js').run();");
    expect(fs.statSync(path.join(ROOT, 'bin/mqttloop.js')).mode & 0o111).not.toBe(0);
  });
});
