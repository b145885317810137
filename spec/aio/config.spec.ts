/*
 * MQTTClient's config: amqtt's own keys (`keep_alive`, `default_qos`, ...) as a ported config
 * dict has them, beside the camelCase ones; conflicts and unknown keys (also inside `will`,
 * `broker`/`connection`, `topics`) are ValueErrors naming the closest known key; ping_delay has
 * amqtt's meaning (CONNECT carries keep_alive - ping_delay). Then, against mosquitto, an
 * amqtt-style dict taking effect: the keepalive in CONNECT, default_qos and topics in publish,
 * auto_reconnect: false when the connection is lost.
 */
import { ClientError, MQTTClient, QOS_1, ValueError } from '../../lib';
import { describeWithMosquitto } from '../support/mosquitto';
import { brokerLogLines, outcome, unique, uriOf, useAioClients, useMosquitto, waitFor, within } from './support';

function refused(config: object): string {
  try {
    new MQTTClient('cfg', config as never);
  } catch (e) {
    expect(e).toBeInstanceOf(ValueError);
    return (e as Error).message;
  }
  throw new Error('no ValueError thrown');
}

describe('MQTTClient config keys', () => {
  test("amqtt's keys as written are read as the camelCase ones", () => {
    const c = new MQTTClient('cfg', {
      keep_alive: 30, ping_delay: 5, default_qos: 1, default_retain: true, auto_reconnect: false, reconnect_max_interval: 3,
      reconnect_retries: -1, connection_timeout: 7, check_hostname: false, verify_cert: false, cleansession: false,
      will: { topic: 'w', message: 'bye', qos: 1, retain: false }, topics: { 'a/b': { qos: 2, retain: true } },
      connection: { uri: 'mqtt://127.0.0.1:1/', cafile: '/ca.pem', certfile: '/c.pem', keyfile: '/k.pem' },
    });
    expect(c.config).toMatchObject({
      keepAlive: 30, pingDelay: 5, defaultQos: 1, defaultRetain: true, autoReconnect: false, reconnectMaxInterval: 3,
      reconnectRetries: -1, connectionTimeout: 7, checkHostname: false, verifyCert: false, cleansession: false,
      will: { topic: 'w', message: 'bye', qos: 1, retain: false }, topics: { 'a/b': { qos: 2, retain: true } },
      broker: { uri: 'mqtt://127.0.0.1:1/', cafile: '/ca.pem' }, certfile: '/c.pem', keyfile: '/k.pem',
    });
    expect(c.config).not.toHaveProperty('keep_alive');
  });

  test('the camelCase keys still work, and defaults are amqtt\'s', () => {
    const c = new MQTTClient('cfg', { keepAlive: 20, defaultQos: 2 });
    expect(c.config).toMatchObject({ keepAlive: 20, pingDelay: 1, defaultQos: 2, defaultRetain: false, autoReconnect: true, reconnectRetries: 2 });
  });

  test('the same setting in both spellings: fine when equal, a ValueError when not', () => {
    expect(new MQTTClient('cfg', { keep_alive: 15, keepAlive: 15 }).config.keepAlive).toBe(15);
    expect(refused({ keep_alive: 15, keepAlive: 20 })).toBe("config: 'keepAlive' and 'keep_alive' are the same setting with different values");
    expect(refused({ broker: { uri: 'mqtt://a/' }, connection: { uri: 'mqtt://b/' } }))
      .toBe("config: 'connection' and 'broker' are the same setting with different values");
    expect(refused({ certfile: '/a.pem', keyfile: '/k.pem', broker: { certfile: '/b.pem' } }))
      .toBe("config: 'broker.certfile' and 'certfile' are the same setting with different values");
  });

  test.each([
    [{ keep_alve: 10 }, "config: unknown key 'keep_alve' (did you mean 'keep_alive'?)"],
    [{ keepAlvie: 10 }, "config: unknown key 'keepAlvie' (did you mean 'keepAlive'?)"],
    [{ defaultQoS: 1 }, "config: unknown key 'defaultQoS' (did you mean 'defaultQos'?)"],
    [{ cleanSession: false }, "config: unknown key 'cleanSession' (did you mean 'cleansession'?)"],
    [{ auto_reconect: false }, "config: unknown key 'auto_reconect' (did you mean 'auto_reconnect'?)"],
    [{ colour: 'red' }, "config: unknown key 'colour'"],
  ])('an unknown key %p is refused with the closest known one', (config, message) => {
    expect(refused(config)).toBe(message);
  });

  test('unknown keys inside will, broker/connection and topics are refused too', () => {
    expect(refused({ will: { topic: 'w', payload: 'x' } })).toBe("will: unknown key 'payload'; keys are topic, message, qos, retain, properties");
    expect(refused({ will: { topic: 'w', qoss: 1 } })).toMatch(/^will: unknown key 'qoss' \(did you mean 'qos'\?\)/);
    expect(refused({ broker: { url: 'mqtt://a/' } })).toMatch(/^broker: unknown key 'url' \(did you mean 'uri'\?\)/);
    expect(refused({ connection: { ca_file: '/x' } })).toMatch(/^connection: unknown key 'ca_file' \(did you mean 'cafile'\?\)/);
    expect(refused({ topics: { 'a/b': { qos: 1, retained: true } } })).toMatch(/^topics\['a\/b'\]: unknown key 'retained' \(did you mean 'retain'\?\)/);
    expect(refused({ topics: { 'a/+': { qos: 1 } } })).toMatch(/^topics\['a\/\+'\]: /);
    expect(refused({ topics: { 'a/b': { qos: 3 } } })).toMatch(/^topics\['a\/b'\]\.qos: must be 0, 1 or 2/);
  });

  test('a bad value is named as the caller wrote the key', () => {
    expect(refused({ default_qos: 3 })).toBe('default_qos: must be 0, 1 or 2, got 3');
    expect(refused({ defaultQos: 3 })).toBe('defaultQos: must be 0, 1 or 2, got 3');
    expect(refused({ keep_alive: -1 })).toMatch(/^keep_alive: must be an integer from 0 to 65535/);
  });

  test("amqtt keys with no counterpart are refused with the reason, not ignored", () => {
    expect(refused({ plugins: {} })).toMatch(/^plugins: amqtt plugins are Python classes/);
    expect(refused({ qos1_puback_timeout: 5 })).toMatch(/^qos1_puback_timeout: not supported: give publish\(\) an ackTimeout/);
  });

  test('ping_delay: an integer smaller than keep_alive; verify_cert: false needs check_hostname: false', () => {
    expect(refused({ keep_alive: 5, ping_delay: 6 })).toMatch(/^ping_delay: must be less than keepAlive \(5\)/);
    expect(refused({ keep_alive: 5, ping_delay: 5 })).toMatch(/^ping_delay: must be less than keepAlive \(5\)/); // would send 0: no keepalive
    expect(refused({ keep_alive: 1 })).toMatch(/^pingDelay: must be less than keepAlive \(1\)/); // the default pingDelay is 1
    expect(new MQTTClient('cfg', { keep_alive: 1, ping_delay: 0 }).config.keepAlive).toBe(1);
    expect(refused({ pingDelay: 0.5 })).toMatch(/^pingDelay: must be an integer/);
    expect(refused({ ping_delay: 0.5 })).toMatch(/^ping_delay: must be an integer/);
    expect(new MQTTClient('cfg', { keep_alive: 0, ping_delay: 3 }).config.keepAlive).toBe(0); // no keepalive: nothing to take off
    expect(refused({ verify_cert: false })).toMatch(/^verify_cert: false needs checkHostname: false/);
  });
});

describeWithMosquitto('MQTTClient with an amqtt-style config dict, against mosquitto', () => {
  const broker = useMosquitto({ tls: true });
  const make = useAioClients();

  test('keep_alive - ping_delay is the keepalive in CONNECT (amqtt\'s default ping_delay is 1)', async () => {
    const ids = [unique('ka'), unique('ka'), unique('ka')];
    await make(ids[0], { keep_alive: 30, auto_reconnect: false }).connect(uriOf(broker()));
    await make(ids[1], { keep_alive: 10, ping_delay: 4, auto_reconnect: false }).connect(uriOf(broker()));
    await make(ids[2], { keepAlive: 0, autoReconnect: false }).connect(uriOf(broker()));
    const connectLine = (id: string): string => brokerLogLines(broker(), id).find((l) => l.includes(`as ${id} `)) ?? '';
    await waitFor(() => ids.every((id) => connectLine(id) !== ''), 5000, 'mosquitto to log the three connections');
    expect(connectLine(ids[0])).toContain(`as ${ids[0]} (p2, c1, k29)`);
    expect(connectLine(ids[1])).toContain(`as ${ids[1]} (p2, c1, k6)`);
    expect(connectLine(ids[2])).toContain(`as ${ids[2]} (p2, c1, k0)`);
  });

  test('default_qos, default_retain and topics decide publish() without qos/retain; broker.uri is the URI', async () => {
    const id = unique('pub');
    const t = unique('cfg');
    const c = make(id, {
      default_qos: 1, default_retain: false, auto_reconnect: false, broker: { uri: uriOf(broker()) },
      topics: { [`${t}/kept`]: { qos: 2, retain: true } },
    });
    await c.connect();
    await c.publish(`${t}/plain`, Buffer.from('x'));
    await c.publish(`${t}/kept`, Buffer.from('y'));
    await c.publish(`${t}/plain`, Buffer.from('z'), 0, false); // explicit arguments win
    const published = (): string[] => brokerLogLines(broker(), id).filter((l) => l.includes('Received PUBLISH'));
    await waitFor(() => published().length >= 3, 5000, 'mosquitto to log the three PUBLISHes'); // QoS 0 resolves once written
    expect(published()).toHaveLength(3);
    expect(published()[0]).toContain(`(d0, q1, r0, m1, '${t}/plain'`);
    expect(published()[1]).toContain(`(d0, q2, r1, m2, '${t}/kept'`);
    expect(published()[2]).toContain(`(d0, q0, r0, m0, '${t}/plain'`);
    await c.publish(`${t}/kept`, Buffer.alloc(0)); // clear the retained message
  });

  test('auto_reconnect: false: a lost connection is not re-established and waiters fail with ClientError', async () => {
    const id = unique('noauto');
    const c = make(id, { auto_reconnect: false });
    await c.connect(uriOf(broker()));
    await c.subscribe([[unique('t'), QOS_1]]);
    const waiting = outcome(c.deliverMessage());
    // Another connection with the same client id: mosquitto closes ours.
    const thief = make(id, { auto_reconnect: false });
    await thief.connect(uriOf(broker()));
    const r = await within(waiting, 5000, 'deliverMessage() to fail');
    expect(!r.ok && r.error).toBeInstanceOf(ClientError);
    await waitFor(() => !c.connected, 5000, 'the client to be disconnected');
    expect(brokerLogLines(broker(), id).filter((l) => l.includes(`as ${id} `))).toHaveLength(2); // ours and the thief's only
  });

  test('verify_cert: false (with check_hostname: false) connects to a broker whose certificate does not verify', async () => {
    const b = broker();
    const uri = `mqtts://127.0.0.1:${b.tlsPort}/`;
    const checked = make(unique('tls'), { check_hostname: false, auto_reconnect: false, connection: { cafile: b.certs!.wrongCaFile } });
    const r = await outcome(checked.connect(uri));
    expect(!r.ok && r.error).toBeInstanceOf(ClientError); // ConnectError: the chain is still verified
    const unchecked = make(unique('tls'), { check_hostname: false, verify_cert: false, auto_reconnect: false, connection: { cafile: b.certs!.wrongCaFile } });
    await expect(unchecked.connect(uri)).resolves.toBe(0);
  });
});
