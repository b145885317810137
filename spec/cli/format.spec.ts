/*
 * `mqttloop sub -F` against mosquitto_sub 2.0 -F: both subscribe to the same messages (binary,
 * empty, retained, QoS 0/1/2, MQTT 5 properties) and print a table of format fields; the bytes
 * must be the same, field by field, with only the clock masked. Bad formats: same error, exit 1.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { unique, useMosquitto, waitFor } from '../aio/support';
import {
  describeWithMosquittoClients, endProcessesAfterEach, inProcess, MOSQUITTO_PUB, MOSQUITTO_SUB, mqttloop, outcome, SLOW_TEST_MS, Proc, start,
} from './support';

/** Each field is printed between separators, so a difference names its field. */
const FIELDS = [
  '%t', '%p', '%q', '%r', '%l', '%m', '%x', '%X', '%%', '%10t', '%-10t', '%.2t', '%5.2t', '%8p', '%-8p', '%08l', '%-05l',
  '%3q', '%-p', '%10x', '%-10x', '%4x', '%010p', '%.1p', '%-010t', '%.t', '%5.t', '%-040l', '%012m',
  '%P', '%C', '%D', '%E', '%F', '%R', '%S', '%A', '%5E', '%-5F', '%05S', '%5C', '%.2R', '%-8.3R', '%5A',
  '%j', '%J', '%I', '%30I', '%-30I', '%.4I', '%U', '@@', '\\t\\\\\\e\\a\\v\\r\\0\\n',
];
const SEP = '\u2016';
/** The clock: ISO times (%I, %j's tst) and Unix times (%U). */
const maskClock = (s: string) => s
  .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6}Z)?[+-]\d{4}/g, '<time>')
  .replace(/\d{10}\.\d{9}/g, '<unix>');

/** Lines of `out` (latin1, so binary payloads survive), each split into its fields. */
function table(out: string, sepLatin1: string): string[][] {
  return maskClock(out).split(`${sepLatin1}\n`).filter((l) => l !== '').map((l) => l.split(sepLatin1));
}

describeWithMosquittoClients('mqttloop sub -F against mosquitto_sub -F', () => {
  const broker = useMosquitto();
  endProcessesAfterEach();
  const conn = () => ['-h', '127.0.0.1', '-p', String(broker().port)];

  /** Starts a subscriber and resolves once the broker has sent it its SUBACK. */
  async function subscriber(tool: 'mosquitto' | 'mqttloop', args: string[]): Promise<Proc> {
    const id = unique(`fmt-${tool}`);
    const all = [...conn(), '-i', id, ...args];
    const p = tool === 'mosquitto' ? start(MOSQUITTO_SUB, all) : mqttloop(['sub', ...all]);
    await waitFor(() => broker().log().includes(`Sending SUBACK to ${id}`), 30_000, () => `${tool} sub to subscribe; stderr: ${p.stderr()}`);
    return p;
  }

  async function publish(args: string[]): Promise<void> {
    const r = await outcome(start(MOSQUITTO_PUB, [...conn(), ...args]));
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  }

  test('a table of fields x messages (binary, empty, retained, QoS 0/1/2, MQTT 5 properties): the same bytes', async () => {
    const t = unique('cli/fmt');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-fmt-'));
    try {
      const binary = path.join(dir, 'binary');
      fs.writeFileSync(binary, Buffer.from([0x00, 0x01, 0xff, 0x80, 0x41]));
      const highBytes = path.join(dir, 'high');
      fs.writeFileSync(highBytes, Buffer.from([0x41, 0xfe, 0x22, 0x5c, 0x1b, 0x7f]));
      await publish(['-t', `${t}/retained`, '-m', 'ret"ai\\ned', '-r', '-q', '1']);
      const format = FIELDS.join(SEP) + SEP;
      const count = 9;
      const v5 = ['-V', 'mqttv5', '-q', '2', '-t', `${t}/#`, '-C', String(count), '-F', format, '-D', 'subscribe', 'subscription-identifier', '7'];
      const v311 = ['-q', '2', '-t', `${t}/#`, '-C', String(count), '-F', format];
      const subs = await Promise.all([
        subscriber('mosquitto', v5), subscriber('mqttloop', v5), subscriber('mosquitto', v311), subscriber('mqttloop', v311),
      ]);
      await publish(['-t', `${t}/plain`, '-m', 'hello world']);
      await publish(['-t', `${t}/binary`, '-f', binary, '-q', '1']);
      await publish(['-t', `${t}/high`, '-f', highBytes, '-q', '2']);
      await publish(['-t', `${t}/lines`, '-m', 'line1\nline2\ttab', '-q', '2']);
      await publish(['-t', `${t}/empty`, '-n', '-q', '1']);
      await publish(['-V', 'mqttv5', '-t', `${t}/json`, '-m', '{"a":[1,2.5,"x",true,-0.1],"b":{"c":null,"e":"\\u00e9\\n"},"d":1e3,"f":123456789012}', '-q', '1',
        '-D', 'publish', 'user-property', 'k1', 'v1', '-D', 'publish', 'user-property', 'k2', 'v 2', '-D', 'publish', 'content-type', 'text/x',
        '-D', 'publish', 'correlation-data', 'cd1', '-D', 'publish', 'message-expiry-interval', '3600',
        '-D', 'publish', 'payload-format-indicator', '1', '-D', 'publish', 'response-topic', 'resp/topic']);
      await publish(['-t', `${t}/utf8`, '-m', 'h\u00e9llo w\u00f6rld']);
      await publish(['-t', `${t}/notjson`, '-m', 'not json {', '-q', '1']);
      const [theirs5, ours5, theirs311, ours311] = await Promise.all(subs.map((p) => outcome(p)));
      const sep = Buffer.from(SEP).toString('latin1');
      expect(theirs5.code).toBe(0);
      expect(table(theirs5.stdout, sep)).toHaveLength(count);
      expect(table(ours5.stdout, sep)).toEqual(table(theirs5.stdout, sep));
      expect(ours5.stderr).toBe(theirs5.stderr); // %J on payloads that are not JSON
      expect(ours5.code).toBe(theirs5.code);
      expect(table(ours311.stdout, sep)).toEqual(table(theirs311.stdout, sep));
      expect(ours311.stderr).toBe(theirs311.stderr);
      expect(ours311.code).toBe(theirs311.code);
      expect(theirs5.stderr).toContain(`Error: Message payload is not valid JSON on topic ${t}/notjson.\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, SLOW_TEST_MS);

  test('@ time conversions (strftime), --pretty JSON, -N and -v without -F', async () => {
    const t = unique('cli/time');
    // Values that hold for the whole day and those that move (compared with their digits masked).
    const steady = '@Y-@m-@d|@a|@A|@b|@B|@h|@j|@Z|@z|@e|@y|@C|@u|@w|@U|@W|@V|@G|@g|@%|@E|@q|@D|@F|@x|@n|@t|@@';
    const moving = '@H|@M|@S|@T|@R|@r|@c|@X|@I|@l|@k|@p|@P|@s|@N';
    const runs = [
      ['-F', `${steady}\\n${moving}`],
      ['-F', '%j', '--pretty'],
      ['-F', '%J', '--pretty'],
      ['-v'],
      ['-N'],
      ['-v', '-N'],
    ];
    const subs = await Promise.all(runs.map((args) => {
      const common = ['-t', `${t}/#`, '-C', '3', '-q', '1', ...args];
      return Promise.all([subscriber('mosquitto', common), subscriber('mqttloop', common)]);
    }));
    await publish(['-t', `${t}/a`, '-m', '{"k":[1,{"x":"y"}],"e":{}}', '-q', '1']);
    await publish(['-t', `${t}/empty`, '-n', '-q', '1']);
    await publish(['-t', `${t}/b`, '-m', 'two words', '-q', '1']);
    for (const [i, [theirsP, oursP]] of subs.entries()) {
      const [theirs, ours] = await Promise.all([outcome(theirsP), outcome(oursP)]);
      let a = maskClock(theirs.stdout);
      let b = maskClock(ours.stdout);
      if (i === 0) {
        // Three lines a message (@n is a newline): the third is the moving one.
        const maskMoving = (s: string) => s.split('\n').map((line, n) => (n % 3 === 2 ? line.replace(/\d/g, '9') : line)).join('\n');
        a = maskMoving(a);
        b = maskMoving(b);
      }
      expect({ args: runs[i], out: b, err: ours.stderr, code: ours.code }).toEqual({ args: runs[i], out: a, err: theirs.stderr, code: theirs.code });
    }
  }, SLOW_TEST_MS);

  test.each([
    ['%'], ['%0'], ['%-'], ['%1'], ['%.'], ['%.1'], ['%Z'], ['%c'], ['%k'], ['@'], ['\\'], ['\\Z'], ['a%10.2'], ['ok %t %z'],
  ])('bad format %j: mosquitto_sub\'s error, exit 1', async (format) => {
    const theirs = await outcome(start(MOSQUITTO_SUB, ['-t', 'a', '-F', format]));
    const ours = await inProcess(['sub', '-t', 'a', '-F', format]);
    expect(theirs.code).toBe(1);
    expect(ours.code).toBe(1);
    expect(ours.stderr.split('\n')[0]).toBe(theirs.stderr.split('\n')[0]);
  }, SLOW_TEST_MS);
});
