/*
 * mqttloop/publish (paho's publish.single / publish.multiple) against mosquitto: QoS 0-2,
 * retain, both message forms, auth (and the CONNACK reason when refused), the will, TLS,
 * WebSockets, and clean failures (bad arguments before connecting, a lost connection).
 */
import { ClientError, ConnectError, MQTTClient, MQTTv5, PacketTypes, Properties, QOS_2, ValueError } from '../../lib';
import { multiple, single } from '../../lib/helpers/publish';
import * as subscribe from '../../lib/helpers/subscribe';
import { outcome, startSilentBroker, unique, useAioClients, useMosquitto, waitFor, within } from '../aio/support';
import { describeWithMosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';

const AUTH = { username: 'u', password: 'p' };

describeWithMosquitto('mqttloop/publish', () => {
  const broker = useMosquitto({ users: { u: 'p' }, tls: true, websockets: true });
  const make = useAioClients();
  const opts = () => ({ hostname: '127.0.0.1', port: broker().port, auth: AUTH });

  async function subscriber(filter: string): Promise<MQTTClient> {
    const sub = make(unique('sub'), { autoReconnect: false });
    await sub.connect(`mqtt://u:p@127.0.0.1:${broker().port}/`);
    await sub.subscribe([[filter, QOS_2]]);
    return sub;
  }

  async function take(sub: MQTTClient, n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const m = await sub.deliverMessage(5);
      out.push(`${m.topic} ${m.data.toString()} q${m.qos} r${m.retain ? 1 : 0}`);
    }
    return out;
  }

  test.each([0, 1, 2])('single() with QoS %i resolves once the broker has it', async (qos) => {
    const topic = unique('single');
    const sub = await subscriber(topic);
    await expect(single(topic, `payload ${qos}`, { ...opts(), qos })).resolves.toBeUndefined();
    expect(await take(sub, 1)).toEqual([`${topic} payload ${qos} q${qos} r0`]);
  });

  test('single() with retain: a later subscriber gets it; payload number and null', async () => {
    const topic = unique('retained');
    await single(topic, 42, { ...opts(), qos: 1, retain: true });
    const sub = await subscriber(topic);
    expect(await take(sub, 1)).toEqual([`${topic} 42 q1 r1`]);
    await single(topic, null, { ...opts(), qos: 1, retain: true }); // clears it
  });

  test("multiple(): paho's dict and tuple forms, in order, over one connection", async () => {
    const t = unique('multi');
    const sub = await subscriber(`${t}/#`);
    const clientId = unique('multi-pub');
    await multiple([
      { topic: `${t}/a`, payload: 'one', qos: 2 },
      [`${t}/a`, 'two', 2, false],
      [`${t}/a`, 'three'],
      { topic: `${t}/b`, payload: Buffer.from('four'), qos: 1 },
    ], { ...opts(), clientId });
    const got = await take(sub, 4);
    // MQTT orders messages per topic and QoS only: QoS 2 completes after QoS 0/1 here.
    expect([...got].sort()).toEqual([`${t}/a one q2 r0`, `${t}/a three q0 r0`, `${t}/a two q2 r0`, `${t}/b four q1 r0`]);
    expect(got.indexOf(`${t}/a one q2 r0`)).toBeLessThan(got.indexOf(`${t}/a two q2 r0`));
    const connects = broker().log().split('\n').filter((l) => l.includes(`as ${clientId} `));
    expect(connects).toHaveLength(1);
  });


  test("multiple() with MQTT 5 properties: paho's 'properties' key and fifth tuple item", async () => {
    const t = unique('multi5');
    const first = new Properties(PacketTypes.PUBLISH);
    first.UserProperty = ['origin', 'dict'];
    first.ContentType = 'text/plain';
    const second = new Properties(PacketTypes.PUBLISH);
    second.CorrelationData = Buffer.from('c-2');
    await multiple([
      { topic: `${t}/1`, payload: 'one', qos: 1, retain: true, properties: first },
      [`${t}/2`, 'two', 1, true, second],
    ], { ...opts(), protocol: MQTTv5 });
    const got = await subscribe.simple(`${t}/#`, { ...opts(), protocol: MQTTv5, msgCount: 2, qos: 1 });
    const byTopic = new Map(got.map((m) => [m.topic, m]));
    expect(byTopic.get(`${t}/1`)!.properties!.UserProperty).toEqual([['origin', 'dict']]);
    expect(byTopic.get(`${t}/1`)!.properties!.ContentType).toBe('text/plain');
    expect(byTopic.get(`${t}/2`)!.properties!.CorrelationData).toEqual(Buffer.from('c-2'));
    await multiple([[`${t}/1`, null, 1, true], [`${t}/2`, null, 1, true]], opts()); // clears them
  });

  test('refused connection: ConnectError with the CONNACK reason; missing credentials too', async () => {
    const bad = await outcome(single('a/b', 'x', { ...opts(), auth: { username: 'u', password: 'nope' } }));
    expect(!bad.ok && bad.error).toBeInstanceOf(ConnectError);
    expect(!bad.ok && bad.error.message).toBe('Connection Refused: not authorised.');
    expect(!bad.ok && (bad.error as ConnectError).returnCode).toBe(5);
    const none = await outcome(multiple([['a/b', 'x']], { hostname: '127.0.0.1', port: broker().port }));
    expect(!none.ok && (none.error as ConnectError).returnCode).toBe(5);
  });

  test('the will goes into CONNECT and, after a clean disconnect, is not published', async () => {
    const willTopic = unique('will');
    const sub = await subscriber(`${willTopic}/#`);
    const clientId = unique('with-will');
    await single(`${willTopic}/sentinel`, 'done', { ...opts(), clientId, qos: 1, will: { topic: willTopic, payload: 'gone', qos: 1, retain: false } });
    const log = broker().log();
    const at = log.indexOf(`as ${clientId} `);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(log.slice(at)).toMatch(new RegExp(`Will message specified \\(4 bytes\\) \\(r0, q1\\)\\.\\n\\S+ \\t${willTopic}\\n`));
    expect(await take(sub, 1)).toEqual([`${willTopic}/sentinel done q1 r0`]);
    await expect(sub.deliverMessage(0.1)).rejects.toThrow(/no message/);
  });

  test('TLS (caCerts) and WebSockets transports', async () => {
    const b = broker();
    const topic = unique('tls');
    const sub = await subscriber(topic);
    await single(topic, 'over tls', { hostname: '127.0.0.1', port: b.tlsPort, auth: AUTH, qos: 1, tls: { caCerts: b.certs!.caFile } });
    await single(topic, 'over tls, insecure', { hostname: '127.0.0.1', port: b.tlsPort, auth: AUTH, qos: 1, tls: { caCerts: b.certs!.caPem, insecure: true } });
    await single(topic, 'over ws', { hostname: '127.0.0.1', port: b.wsPort, auth: AUTH, qos: 1, transport: 'websockets' });
    expect(await take(sub, 3)).toEqual([`${topic} over tls q1 r0`, `${topic} over tls, insecure q1 r0`, `${topic} over ws q1 r0`]);
    const wrong = await outcome(single(topic, 'x', { hostname: '127.0.0.1', port: b.tlsPort, auth: AUTH, tls: { caCerts: b.certs!.wrongCaFile } }));
    expect(!wrong.ok && wrong.error).toBeInstanceOf(ConnectError);
  });
});

describe('mqttloop/publish without a working broker', () => {
  test('bad arguments are ValueErrors, before any connection', async () => {
    const port = await freePort(); // nothing listens: a connection attempt would be a ConnectError
    const o = { hostname: '127.0.0.1', port };
    await expect(single('a/#', 'x', o)).rejects.toThrow(ValueError);
    await expect(single('a/b', 'x', { ...o, qos: 3 })).rejects.toThrow(ValueError);
    await expect(single('a/b', 'x', { ...o, colour: 'red' } as never)).rejects.toThrow(/colour: not an option of single\(\)/);
    await expect(multiple([{ payload: 'x' } as never], o)).rejects.toThrow(/'topic' key is required/);
    await expect(multiple(42 as never, o)).rejects.toThrow(ValueError);
    // Each message as paho's publish(**msg) / publish(*msg) takes it: known keys, 1 to 5 items.
    await expect(multiple([{ topic: 'a/b', qoss: 1 } as never], o)).rejects.toThrow(/^msgs\[0\]: unknown key 'qoss'/);
    await expect(multiple([['a/b'], []], o)).rejects.toThrow(/^msgs\[1\]: a message tuple has 1 to 5 items .*got 0/);
    await expect(multiple([['a/b', 'x', 0, false, undefined, 1]], o)).rejects.toThrow(/^msgs\[0\]: a message tuple has 1 to 5 items .*got 6/);
    await expect(multiple([['a/b', 'x', 'high']], o)).rejects.toThrow(/^msgs\[0\]\.qos: /);
    await expect(multiple([['a/b', 'x', 0, false], [7]], o)).rejects.toThrow(/^msgs\[1\]\.topic: /);
    const props = new Properties(PacketTypes.PUBLISH);
    props.ContentType = 'text/plain';
    await expect(multiple([['a/b', 'x', 0, false, props]], o)).rejects.toThrow(/^msgs\[0\]\.properties: MQTT 5 only/);
    await expect(multiple([{ topic: 'a/b', properties: new Properties(PacketTypes.CONNECT) }], { ...o, protocol: MQTTv5 }))
      .rejects.toThrow(/^msgs\[0\]\.properties: Properties for CONNECT/);
    await expect(single('a/b', 'x', { ...o, auth: { password: 'p' } as never })).rejects.toThrow(/username/);
    // paho 2.x: ValueError('msgs is empty'), before connecting (1.6 waited forever).
    await expect(within(multiple([], o), 5000, 'multiple([])')).rejects.toThrow(/^msgs: is empty/);
    await expect(single('a/b', 'x', { ...o, client_id: 'c' } as never)).rejects.toThrow(/^client_id: not an option of single\(\) \(did you mean 'clientId'\?\)/);
    await expect(single('a/b', 'x', { ...o, will: { topic: 'w', retained: true } as never })).rejects.toThrow(/^will: unknown key 'retained' \(did you mean 'retain'\?\)/);
  });

  test('nothing listening: ConnectError', async () => {
    const port = await freePort();
    const r = await outcome(single('a/b', 'x', { hostname: '127.0.0.1', port }));
    expect(!r.ok && r.error).toBeInstanceOf(ConnectError);
    expect(!r.ok && r.error.message).toContain(`127.0.0.1:${port}`);
  });

  test.each([true, false])('the connection drops before PUBACK (cleanSession %s): ClientError, no hang', async (cleanSession) => {
    const silent = await startSilentBroker();
    try {
      const p = outcome(single('a/b', 'x', { hostname: '127.0.0.1', port: silent.port, qos: 1, cleanSession, clientId: unique('drop') }));
      await waitFor(() => silent.received.some((x) => x.type === 'publish'), 5000, 'the PUBLISH');
      await silent.close();
      const r = await within(p, 5000, 'single() to settle');
      expect(!r.ok && r.error).toBeInstanceOf(ClientError);
    } finally {
      await silent.close();
    }
  });
});
