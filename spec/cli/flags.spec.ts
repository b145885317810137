/*
 * The mosquitto 2.0 flags of `mqttloop pub` / `mqttloop sub`, each run next to mosquitto_pub /
 * mosquitto_sub on one broker: the same scenario with both tools must give the same output and
 * exit code (topics and client ids name the tool; they are normalised before comparing).
 */
import * as net from 'net';
import { encode, Packet, Parser } from '../../lib/protocol';
import { freePort } from '../support/ports';
import { unique, useMosquitto, waitFor, within } from '../aio/support';
import {
  describeWithMosquittoClients, endProcessesAfterEach, inProcess, MOSQUITTO_PUB, MOSQUITTO_SUB, mqttloop, outcome, SLOW_TEST_MS, Outcome, Proc,
  start,
} from './support';

type Tool = 'mosquitto' | 'mqttloop';
const TOOLS: Tool[] = ['mosquitto', 'mqttloop'];

describeWithMosquittoClients('mqttloop pub/sub flags against mosquitto_pub/sub', () => {
  const broker = useMosquitto();
  endProcessesAfterEach();
  const conn = () => ['-h', '127.0.0.1', '-p', String(broker().port)];

  const sub = (tool: Tool, args: string[]): Proc =>
    tool === 'mosquitto' ? start(MOSQUITTO_SUB, [...conn(), ...args]) : mqttloop(['sub', ...conn(), ...args]);
  const pub = (tool: Tool, args: string[], input?: string): Proc =>
    tool === 'mosquitto' ? start(MOSQUITTO_PUB, [...conn(), ...args], input) : mqttloop(['pub', ...conn(), ...args], input);

  /** A subscriber with client id `id`, once the broker has sent its SUBACK. */
  async function subscribed(tool: Tool, id: string, args: string[]): Promise<Proc> {
    const p = sub(tool, ['-i', id, ...args]);
    await waitFor(() => broker().log().includes(`Sending SUBACK to ${id}`), 30_000, () => `${tool} sub ${id} to subscribe; stderr: ${p.stderr()}`);
    return p;
  }

  async function mosquittoPub(args: string[]): Promise<void> {
    expect(await outcome(pub('mosquitto', args))).toEqual({ code: 0, stdout: '', stderr: '' });
  }

  /** `o` with the tool's name (in its topics and client ids) replaced by TOOL. */
  const normal = (tool: Tool, o: Outcome) => ({ ...o, stdout: o.stdout.split(tool).join('TOOL'), stderr: o.stderr.split(tool).join('TOOL') });

  /** Runs `scenario` with each tool (at the same time) and expects the same outcomes. */
  async function same(scenario: (tool: Tool) => Promise<Outcome[]>): Promise<Outcome[]> {
    const [theirs, ours] = await Promise.all(TOOLS.map(async (tool) => (await scenario(tool)).map((o) => normal(tool, o))));
    expect(ours).toEqual(theirs);
    return theirs;
  }

  test('-T leaves topics out (and out of the -C count)', async () => {
    const t = unique('cli/T');
    const subs = await Promise.all(TOOLS.map((tool) =>
      subscribed(tool, unique(`T-${tool}`), ['-t', `${t}/#`, '-T', `${t}/skip`, '-T', `${t}/+/x`, '-v', '-q', '1', '-C', '2'])));
    for (const topic of ['skip', 'a/x', 'keep1', 'a/x/y', 'keep2']) await mosquittoPub(['-t', `${t}/${topic}`, '-m', topic, '-q', '1']);
    const [theirs, ours] = await Promise.all(subs.map((p) => outcome(p)));
    expect(theirs).toEqual({ code: 0, stdout: `${t}/keep1 keep1\n${t}/a/x/y a/x/y\n`, stderr: '' });
    expect(ours).toEqual(theirs);
  }, SLOW_TEST_MS);

  test('--retained-only prints the retained messages and exits at the first live one', async () => {
    const t = unique('cli/ro');
    await mosquittoPub(['-t', `${t}/1`, '-m', 'one', '-r', '-q', '1']);
    await mosquittoPub(['-t', `${t}/2`, '-m', 'two', '-r', '-q', '1']);
    const subs = await Promise.all(TOOLS.map((tool) => subscribed(tool, unique(`ro-${tool}`), ['-t', `${t}/#`, '--retained-only', '-v', '-q', '1'])));
    await waitFor(() => subs.every((p) => p.stdout().toString().split('\n').length === 3), 30_000, 'the retained messages');
    await mosquittoPub(['-t', `${t}/3`, '-m', 'live', '-q', '1']);
    const [theirs, ours] = await Promise.all(subs.map((p) => outcome(p)));
    expect(theirs).toEqual({ code: 0, stdout: `${t}/1 one\n${t}/2 two\n`, stderr: '' });
    expect(ours).toEqual(theirs);
    for (const n of [1, 2]) await mosquittoPub(['-t', `${t}/${n}`, '-n', '-r']);
  }, SLOW_TEST_MS);

  test('-E exits once subscribed; -U unsubscribes a persistent session from a topic at start', async () => {
    const results = await same(async (tool) => {
      const t = unique(`cli/U/${tool}`);
      const id = unique(`U-${tool}`);
      const steps: Outcome[] = [];
      steps.push(await outcome(sub(tool, ['-c', '-i', id, '-q', '1', '-t', `${t}/u`, '-E'])));
      steps.push(await outcome(sub(tool, ['-c', '-i', id, '-q', '1', '-t', `${t}/other`, '-U', `${t}/u`, '-E'])));
      await mosquittoPub(['-t', `${t}/u`, '-m', 'gone', '-q', '1']);
      await mosquittoPub(['-t', `${t}/other`, '-m', 'kept', '-q', '1']);
      steps.push(await outcome(sub(tool, ['-c', '-i', id, '-q', '1', '-t', `${t}/other`, '-C', '1', '-W', '5', '-v'])));
      return steps.map((s) => ({ ...s, stdout: s.stdout.replace(t, 'T') }));
    });
    expect(results).toEqual([
      { code: 0, stdout: '', stderr: '' }, { code: 0, stdout: '', stderr: '' }, { code: 0, stdout: 'T/other kept\n', stderr: '' },
    ]);
  }, SLOW_TEST_MS);

  test('-x (and -D connect session-expiry-interval) keep an MQTT 5 session after the client goes; without, it ends', async () => {
    const results = await same(async (tool) => {
      const steps: Outcome[] = [];
      for (const keep of [['-x', '60'], ['-D', 'connect', 'session-expiry-interval', '60'], []]) {
        const t = unique(`cli/x/${tool}`);
        const id = unique(`x-${tool}`);
        steps.push(await outcome(sub(tool, ['-V', 'mqttv5', '-i', id, ...keep, '-q', '1', '-t', t, '-E'])));
        await mosquittoPub(['-t', t, '-m', 'queued', '-q', '1']);
        steps.push(await outcome(sub(tool, ['-V', 'mqttv5', '-c', '-x', '60', '-i', id, '-q', '1', '-t', t, '-C', '1', '-W', '2'])));
      }
      return steps;
    });
    const ok = { code: 0, stdout: '', stderr: '' };
    expect(results).toEqual([ok, { ...ok, stdout: 'queued\n' }, ok, { ...ok, stdout: 'queued\n' }, ok, { code: 27, stdout: '', stderr: 'Timed out\n' }]);
  }, SLOW_TEST_MS);

  test('--repeat and --repeat-delay publish the message N times, spaced', async () => {
    const t = unique('cli/repeat');
    const watcher = await subscribed('mosquitto', unique('repeat-watch'), ['-t', t, '-q', '1', '-C', '6', '-F', '%p %q %l']);
    for (const tool of TOOLS) {
      const began = performance.now();
      const r = await outcome(pub(tool, ['-t', t, '-m', `${tool}!`, '-q', '1', '--repeat', '3', '--repeat-delay', '0.2']));
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(performance.now() - began).toBeGreaterThanOrEqual(400);
    }
    const lines = (await outcome(watcher)).stdout.split('\n');
    expect(lines).toEqual([...Array(3).fill('mosquitto! 1 10'), ...Array(3).fill('mqttloop! 1 9'), '']);
  }, SLOW_TEST_MS);

  test('-D publish: the same MQTT 5 properties reach a subscriber (and -D alone means MQTT 5)', async () => {
    const t = unique('cli/D');
    const watcher = await subscribed('mosquitto', unique('D-watch'), ['-V', 'mqttv5', '-t', t, '-q', '1', '-C', '2', '-F', '%p|%P|%C|%D|%E|%F|%R']);
    const props = [
      '-D', 'publish', 'user-property', 'k1', 'v1', '-D', 'publish', 'user-property', 'k1', 'v2', '-D', 'publish', 'content-type', 'a/b',
      '-D', 'publish', 'correlation-data', 'id-42', '-D', 'publish', 'message-expiry-interval', '600',
      '-D', 'publish', 'payload-format-indicator', '1', '-D', 'publish', 'response-topic', 'reply/here',
    ];
    for (const tool of TOOLS) expect(await outcome(pub(tool, ['-t', t, '-m', 'props', '-q', '1', ...props]))).toEqual({ code: 0, stdout: '', stderr: '' });
    const lines = (await outcome(watcher)).stdout.split('\n');
    expect(lines[0]).toBe('props|k1:v1 k1:v2|a/b|id-42|600|1|reply/here');
    expect(lines[1]).toBe(lines[0]);
  }, SLOW_TEST_MS);

  test('--will-topic, --will-payload, --will-qos, --will-retain: the broker publishes the same will', async () => {
    const t = unique('cli/will');
    const watcher = await subscribed('mosquitto', unique('will-watch'), ['-t', `${t}/#`, '-q', '1', '-C', '2', '-F', '%t %p %q %l']);
    const clients = await Promise.all(TOOLS.map((tool) => subscribed(tool, unique(`will-${tool}`), [
      '-t', `${t}/nothing`, '--will-topic', `${t}/${tool}`, '--will-payload', 'gone away', '--will-qos', '1', '--will-retain',
    ])));
    for (const p of clients) p.child.kill('SIGKILL');
    const lines = (await outcome(watcher)).stdout.split('\n').sort();
    expect(lines).toEqual(['', `${t}/mosquitto gone away 1 9`, `${t}/mqttloop gone away 1 9`]);
    const retained = await outcome(sub('mosquitto', ['-t', `${t}/#`, '-C', '2', '-W', '5', '-F', '%t %p %r']));
    expect(retained.stdout.split('\n').sort()).toEqual(['', `${t}/mosquitto gone away 1`, `${t}/mqttloop gone away 1`]);
    for (const tool of TOOLS) await mosquittoPub(['-t', `${t}/${tool}`, '-n', '-r']);
  }, SLOW_TEST_MS);

  test('-D will: the broker publishes the will with the same MQTT 5 properties', async () => {
    const t = unique('cli/Dwill');
    const watcher = await subscribed('mosquitto', unique('Dwill-watch'), ['-V', 'mqttv5', '-t', `${t}/#`, '-q', '1', '-C', '2', '-F', '%t|%p|%P|%C|%D|%E|%F|%R']);
    const props = [
      '-D', 'will', 'user-property', 'k1', 'v1', '-D', 'will', 'user-property', 'k1', 'v2', '-D', 'will', 'content-type', 'a/b',
      '-D', 'will', 'correlation-data', 'id-42', '-D', 'will', 'message-expiry-interval', '600',
      '-D', 'will', 'payload-format-indicator', '1', '-D', 'will', 'response-topic', 'reply/here', '-D', 'will', 'will-delay-interval', '0',
    ];
    const clients = await Promise.all(TOOLS.map((tool) => subscribed(tool, unique(`Dwill-${tool}`), [
      '-t', `${t}/nothing`, '--will-topic', `${t}/${tool}`, '--will-payload', 'gone', '--will-qos', '1', ...props,
    ])));
    for (const p of clients) p.child.kill('SIGKILL');
    const lines = (await outcome(watcher)).stdout.split('\n').sort();
    expect(lines).toEqual(['', ...TOOLS.map((tool) => `${t}/${tool}|gone|k1:v1 k1:v2|a/b|id-42|600|1|reply/here`)]);
  }, SLOW_TEST_MS);

  test('-D unsubscribe: -U with UNSUBSCRIBE properties unsubscribes a persistent MQTT 5 session', async () => {
    const results = await same(async (tool) => {
      const t = unique(`cli/DU/${tool}`);
      const id = unique(`DU-${tool}`);
      const v5 = ['-V', 'mqttv5', '-c', '-x', '60', '-i', id, '-q', '1'];
      const steps: Outcome[] = [];
      steps.push(await outcome(sub(tool, [...v5, '-t', `${t}/u`, '-E'])));
      steps.push(await outcome(sub(tool, [...v5, '-t', `${t}/other`, '-U', `${t}/u`, '-D', 'unsubscribe', 'user-property', 'why', 'test', '-E'])));
      await mosquittoPub(['-t', `${t}/u`, '-m', 'gone', '-q', '1']);
      await mosquittoPub(['-t', `${t}/other`, '-m', 'kept', '-q', '1']);
      steps.push(await outcome(sub(tool, [...v5, '-t', `${t}/other`, '-C', '1', '-W', '5', '-v'])));
      return steps.map((s) => ({ ...s, stdout: s.stdout.replace(t, 'T') }));
    });
    expect(results).toEqual([
      { code: 0, stdout: '', stderr: '' }, { code: 0, stdout: '', stderr: '' }, { code: 0, stdout: 'T/other kept\n', stderr: '' },
    ]);
  }, SLOW_TEST_MS);

  test('-D disconnect session-expiry-interval keeps a session that -x 1 would have ended', async () => {
    const results = await same(async (tool) => {
      const steps: Outcome[] = [];
      for (const keep of [['-D', 'disconnect', 'session-expiry-interval', '60', '-D', 'disconnect', 'user-property', 'k', 'v'], []]) {
        const t = unique(`cli/Dd/${tool}`);
        const id = unique(`Dd-${tool}`);
        steps.push(await outcome(sub(tool, ['-V', 'mqttv5', '-i', id, '-x', '1', ...keep, '-q', '1', '-t', t, '-E'])));
        await new Promise((r) => setTimeout(r, 2500)); // past -x 1
        await mosquittoPub(['-t', t, '-m', 'queued', '-q', '1']);
        steps.push(await outcome(sub(tool, ['-V', 'mqttv5', '-c', '-x', '60', '-i', id, '-q', '1', '-t', t, '-C', '1', '-W', '2'])));
      }
      return steps;
    });
    const ok = { code: 0, stdout: '', stderr: '' };
    expect(results).toEqual([ok, { ...ok, stdout: 'queued\n' }, ok, { code: 27, stdout: '', stderr: 'Timed out\n' }]);
  }, SLOW_TEST_MS);

  /** -d lines with the client id masked: mosquitto_sub/pub write them to stdout, mqttloop to stderr. */
  const debugLines = (text: string, id: string) => text.split('\n').filter((l) => l.startsWith('Client ') || l.startsWith('Subscribed')).map((l) => l.split(id).join('ID'));

  test('-d: pub prints mosquitto_pub\'s lines for QoS 0, 1 and 2, MQTT 3.1.1 and 5', async () => {
    const t = unique('cli/d');
    for (const [qos, ...version] of [['0'], ['1'], ['2'], ['2', '-V', 'mqttv5']]) {
      const [theirs, ours] = await Promise.all(TOOLS.map(async (tool) => {
        const id = unique(`d-${tool}`);
        const r = await outcome(pub(tool, ['-d', '-i', id, '-t', t, '-m', 'debug me', '-q', qos, '-r', '--repeat', '2', ...version]));
        expect(r.code).toBe(0);
        return debugLines(tool === 'mosquitto' ? r.stdout : r.stderr, id);
      }));
      expect(theirs.length).toBeGreaterThan(3);
      expect(ours).toEqual(theirs);
    }
    await mosquittoPub(['-t', t, '-n', '-r']);
  }, SLOW_TEST_MS);

  test.each([[[]], [['-R']], [['-V', 'mqttv5', '-R']], [['-U', 'x/y', '-U', 'x/z']]])('-d %j: sub prints mosquitto_sub\'s lines (CONNECT, SUBSCRIBE, SUBACK, PUBLISH and its acks, DISCONNECT)', async (extra) => {
    const t = unique('cli/dsub');
    const ids = TOOLS.map((tool) => unique(`dsub-${tool}`));
    const subs = await Promise.all(TOOLS.map((tool, i) => subscribed(tool, ids[i], ['-d', '-t', `${t}/#`, '-t', `${t}/x`, '-q', '2', '-C', '3', ...extra])));
    await mosquittoPub(['-t', `${t}/a`, '-m', 'one', '-q', '1']);
    await mosquittoPub(['-t', `${t}/b`, '-m', 'two', '-q', '2']);
    // The QoS 0 message goes once both subscribers finished the QoS 2 flow: where it would land
    // among PUBREL and PUBCOMP is the broker's timing, not the tool's.
    const debugText = (i: number): string => (TOOLS[i] === 'mosquitto' ? subs[i].stdout().toString() : subs[i].stderr());
    await waitFor(() => [0, 1].every((i) => debugText(i).includes('sending PUBCOMP')), 20_000, () => `both PUBCOMPs: ${JSON.stringify([0, 1].map(debugText))}`);
    await mosquittoPub(['-t', `${t}/c`, '-m', 'three']);
    const [theirs, ours] = await Promise.all(subs.map((p) => outcome(p)));
    expect(ours.code).toBe(theirs.code);
    expect(ours.stdout).toBe('one\ntwo\nthree\n');
    expect(debugLines(ours.stderr, ids[1])).toEqual(debugLines(theirs.stdout, ids[0]));
  }, SLOW_TEST_MS);

  test('exit codes: nothing listening, 1 for both', async () => {
    const port = String(await freePort());
    const [theirs, ours] = await Promise.all([
      outcome(start(MOSQUITTO_PUB, ['-h', '127.0.0.1', '-p', port, '-t', 'a', '-m', 'x'])),
      outcome(mqttloop(['pub', '-h', '127.0.0.1', '-p', port, '-t', 'a', '-m', 'x'])),
    ]);
    expect(theirs.code).toBe(1);
    expect(ours.code).toBe(1);
  }, SLOW_TEST_MS);
});

/**
 * A scripted MQTT 5 broker that records the packets it receives: CONNACK, SUBACK (granted QoS 0),
 * UNSUBACK (success), and a closed socket after DISCONNECT. It shows what a tool puts on the wire.
 */
async function recordingBroker(): Promise<{ port: number; received: Packet[]; closed: Promise<void>; close(): Promise<void> }> {
  const received: Packet[] = [];
  const sockets = new Set<net.Socket>();
  // The first connection's close: every byte it carried has been read by then.
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => {
      sockets.delete(sock);
      markClosed();
    });
    sock.on('error', () => undefined);
    const parser = new Parser({ protocolVersion: 5 });
    sock.on('data', (chunk) => {
      for (const p of parser.feed(chunk)) {
        received.push(p);
        if (p.type === 'connect') sock.write(encode({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 5));
        if (p.type === 'subscribe') sock.write(encode({ type: 'suback', packetId: p.packetId, reasonCodes: p.subscriptions.map(() => 0) }, 5));
        if (p.type === 'unsubscribe') sock.write(encode({ type: 'unsuback', packetId: p.packetId, reasonCodes: p.topics.map(() => 0) }, 5));
        if (p.type === 'disconnect') sock.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    closed,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describeWithMosquittoClients('mqttloop sub -D unsubscribe/disconnect on the wire, against mosquitto_sub', () => {
  endProcessesAfterEach();

  test('UNSUBSCRIBE and DISCONNECT carry the same -D properties as mosquitto_sub sends', async () => {
    const args = [
      '-V', 'mqttv5', '-t', 'a', '-U', 'b', '-E', '-D', 'unsubscribe', 'user-property', 'k', 'v', '-D', 'unsubscribe', 'user-property', 'k', 'w',
      '-D', 'disconnect', 'user-property', 'bye', 'now', '-D', 'disconnect', 'reason-string', 'done',
    ];
    /** One run of a tool against a fresh recording broker: its UNSUBSCRIBE and DISCONNECT packets. */
    const record = async (tool: Tool): Promise<unknown[]> => {
      const b = await recordingBroker();
      try {
        const conn = ['-h', '127.0.0.1', '-p', String(b.port)];
        const r = await outcome(tool === 'mosquitto' ? start(MOSQUITTO_SUB, [...conn, ...args]) : mqttloop(['sub', ...conn, ...args]));
        expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
        await within(b.closed, 10_000, 'the tool\'s connection to close');
        return b.received.filter((p) => p.type === 'unsubscribe' || p.type === 'disconnect').map((p) => [p.type, { ...(p as { properties?: object }).properties }]);
      } finally {
        await b.close();
      }
    };
    // mosquitto_sub 2.0.11 with -E sometimes closes its socket without the DISCONNECT it queued
    // (3 runs in 200 here, only with -U: the UNSUBACK that follows races it): the reference gets a few tries to show it; mqttloop gets one.
    let theirs: unknown[] = [];
    for (let attempt = 0; attempt < 5 && !theirs.some((p) => (p as [string])[0] === 'disconnect'); attempt++) theirs = await record('mosquitto');
    const seen = [theirs, await record('mqttloop')];
    expect(seen[0]).toEqual([
      ['unsubscribe', { UserProperty: [['k', 'v'], ['k', 'w']] }],
      ['disconnect', { UserProperty: [['bye', 'now']], ReasonString: 'done' }],
    ]);
    expect(seen[1]).toEqual(seen[0]);
  }, SLOW_TEST_MS);
});

describeWithMosquittoClients('mqttloop pub/sub bad command lines against mosquitto_pub/sub', () => {
  endProcessesAfterEach();

  /** [command, args, whether mqttloop's first stderr line is mosquitto's word for word]. */
  test.each([
    ['sub', ['-t', 'a', '-D', 'bogus', 'x', '1'], true],
    ['sub', ['-t', 'a', '-D', 'connect', 'bogus', '1'], true],
    ['sub', ['-t', 'a', '-D', 'connect', 'topic-alias', '1'], true],
    ['sub', ['-t', 'a', '-D', 'puback', 'reason-string', 'x'], true],
    ['sub', ['-t', 'a', '-D', 'connect', 'session-expiry-interval'], true],
    ['sub', ['-t', 'a', '-D', 'subscribe', 'subscription-identifier', '1', '-D', 'subscribe', 'subscription-identifier', '2'], false],
    ['sub', ['-t', 'a', '-x', 'abc'], true],
    ['sub', ['-V', 'mqttv5', '-t', 'a', '-x', '-1'], true],
    ['sub', ['-V', 'mqttv5', '-t', 'a', '-c'], true],
    ['sub', ['-t', 'a', '-T'], false],
    ['sub', ['-t', 'a', '-U'], false],
    ['sub', ['-t', 'a', '-T', 'a/#/b'], false],
    ['sub', ['-t', 'a', '-U', '#/x'], false],
    ['sub', ['-t', 'a', '-R', '--retained-only'], false], // mosquitto_sub starts with an empty line
    ['sub', ['-t', 'a', '--bogus'], true],
    ['sub', ['-t', 'a', '-r'], true],
    ['sub', ['-t', 'a', '-C'], false],
    ['sub', ['-E'], false],
    ['sub', ['-t', 'a', '-F'], false],
    ['pub', ['-t', 'a', '-m', 'x', '--repeat', '0'], true],
    ['pub', ['-t', 'a', '-m', 'x', '--repeat', 'many'], true],
    ['pub', ['-t', 'a', '-m', 'x', '--repeat-delay', '-1'], true],
    ['pub', ['-t', 'a', '-m', 'x', '--repeat'], false],
    ['pub', ['-t', 'a', '-m', 'x', '-E'], true],
    ['pub', ['-t', 'a', '-m', 'x', '-F', '%t'], true],
    ['pub', ['-t', 'a', '-m', 'x', '-T', 'b'], true],
    ['pub', ['-t', 'a', '-m', 'x', '-D', 'will', 'bogus', 'x'], true],
    ['pub', ['-t', 'a', '-m', 'x', '-D', 'will', 'topic-alias', '1'], true],
    ['sub', ['-t', 'a', '-D', 'unsubscribe', 'reason-string', 'x'], true],
    ['sub', ['-t', 'a', '-D', 'disconnect', 'will-delay-interval', '1'], true],
    ['pub', ['-t', 'a', '-m', 'x', '-D', 'disconnect', 'topic-alias', '1'], true],
    ['pub', ['-t', 'a', '-m', 'x', '-q', '3'], false],
  ] as Array<['pub' | 'sub', string[], boolean]>)('%s %j: exit 1 with an error, as mosquitto', async (command, args, sameText) => {
    const theirs = await outcome(start(command === 'pub' ? MOSQUITTO_PUB : MOSQUITTO_SUB, args));
    const ours = await inProcess([command, ...args]);
    expect(theirs.code).toBe(1);
    expect(ours.code).toBe(1);
    expect(ours.stdout).toBe('');
    const first = (o: Outcome) => o.stderr.split('\n')[0];
    expect(first(ours)).toMatch(/^Error: ./);
    if (sameText) expect(first(ours)).toBe(first(theirs));
  }, SLOW_TEST_MS);
});
