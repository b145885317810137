/*
 * MQTTClient.connect against mosquitto: mqtt / mqtts / ws / wss URIs with credentials in the
 * URI, CA from cafile / capath / cadata, refusals (ConnectError with the CONNACK code),
 * amqtt's retry on a failed connect, the will, and ClientError whenever not connected.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ClientError, ConnectError, MQTTClient, QOS_1, ValueError } from '../../lib';
import { describeWithMosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { brokerLogLines, outcome, startSilentBroker, unique, uriOf, useAioClients, useMosquitto, waitFor, within } from './support';

const USERS = { u: 'p', 'w.x': 'p@ss:w/rd' };

describeWithMosquitto('MQTTClient.connect', () => {
  const broker = useMosquitto({ tls: true, websockets: true, users: USERS });
  const make = useAioClients();

  /** Subscribe with `sub`, publish with `pub`, check the message arrives through both transports. */
  async function roundTrip(sub: MQTTClient, pub: MQTTClient): Promise<void> {
    const topic = unique('conn/rt');
    expect(await sub.subscribe([[topic, QOS_1]])).toEqual([1]);
    await pub.publish(topic, Buffer.from('over the wire'), QOS_1);
    const m = await sub.deliverMessage(5);
    expect([m.topic, m.data.toString(), m.qos]).toEqual([topic, 'over the wire', 1]);
  }

  test('mqtt:// with user:password@ in the URI resolves to the CONNACK code 0', async () => {
    const c = make(unique('c'), { autoReconnect: false });
    expect(c.connected).toBe(false);
    await expect(c.connect(uriOf(broker(), 'u:p'))).resolves.toBe(0);
    expect(c.connected).toBe(true);
  });

  test('percent-encoded credentials are decoded', async () => {
    const c = make(unique('c'), { autoReconnect: false });
    await expect(c.connect(`mqtt://w.x:${encodeURIComponent('p@ss:w/rd')}@127.0.0.1:${broker().port}/`)).resolves.toBe(0);
  });

  test('config.broker.uri is the default URI; none at all is a ValueError', async () => {
    const c = make(unique('c'), { autoReconnect: false, broker: { uri: uriOf(broker(), 'u:p') } });
    await expect(c.connect()).resolves.toBe(0);
    await expect(make(unique('c')).connect()).rejects.toThrow(ValueError);
    await expect(make(unique('c')).connect('http://x/')).rejects.toThrow(ValueError);
  });

  test('a refused connection rejects with ConnectError carrying the CONNACK code and reason', async () => {
    const c = make(unique('c'), { autoReconnect: false });
    const r = await outcome(c.connect(uriOf(broker(), 'u:wrong')));
    expect(r.ok).toBe(false);
    const e = (r as { error: ConnectError }).error;
    expect(e).toBeInstanceOf(ConnectError);
    expect(e).toBeInstanceOf(ClientError);
    expect(e.returnCode).toBe(5);
    expect(e.message).toBe('Connection Refused: not authorised.');
    expect(e.message).not.toContain('wrong');
    expect(c.connected).toBe(false);
    await expect(c.publish('a', 'b')).rejects.toThrow(ClientError);
  });

  test('autoReconnect: a failed connect is retried reconnectRetries times (amqtt backoff), then ConnectError', async () => {
    const refusing = await startSilentBroker(5); // answers every CONNECT with CONNACK 5
    try {
      const id = unique('retry');
      const c = make(id, { autoReconnect: true, reconnectRetries: 1, reconnectMaxInterval: 0.05 });
      const started = performance.now();
      const r = await outcome(c.connect(`mqtt://127.0.0.1:${refusing.port}/`));
      expect(r.ok).toBe(false);
      const e = (r as { error: ConnectError }).error;
      expect(e).toBeInstanceOf(ConnectError);
      expect(e.message).toMatch(/^Too many failed attempts \(2\): Connection Refused: not authorised\./);
      expect(e.returnCode).toBe(5);
      // connect() itself, then reconnect(): attempt 1 at once, min(0.05, 2**1) s later attempt 2.
      expect(refusing.received.filter((p) => p.type === 'connect').length).toBe(3);
      expect(performance.now() - started).toBeLessThan(3000);
      expect(c.connected).toBe(false);
    } finally {
      await refusing.close();
    }
  });

  test('reconnect() during connect() shares its outcome; reconnect() after disconnect() connects again', async () => {
    const c = make(unique('c'), { autoReconnect: false });
    const [a, b] = await Promise.all([c.connect(uriOf(broker(), 'u:p')), c.reconnect()]);
    expect([a, b, c.connected]).toEqual([0, 0, true]);
    const topic = unique('again');
    await c.subscribe([[topic, QOS_1]]);
    await c.disconnect();
    expect(c.connected).toBe(false);
    await expect(c.reconnect()).resolves.toBe(0);
    expect(c.connected).toBe(true);
    await c.publish(topic, 'back', QOS_1); // re-subscribed: a clean session had none
    expect((await c.deliverMessage(5)).data.toString()).toBe('back');
  });

  test('nothing listening: ConnectError naming host:port, the socket error as cause', async () => {
    const port = await freePort();
    const c = make(unique('c'), { autoReconnect: false });
    const r = await outcome(c.connect(`mqtt://127.0.0.1:${port}/`));
    expect(r.ok).toBe(false);
    const e = (r as { error: ConnectError }).error;
    expect(e).toBeInstanceOf(ConnectError);
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(e.returnCode).toBeUndefined();
  });

  test('no CONNACK within connectionTimeout: ConnectError', async () => {
    const mute = await startSilentBroker(null);
    try {
      const c = make(unique('c'), { autoReconnect: false, connectionTimeout: 0.2 });
      const r = await within(outcome(c.connect(`mqtt://127.0.0.1:${mute.port}/`)), 5000, 'connect() to settle');
      expect(r.ok).toBe(false);
      expect((r as { error: Error }).error).toBeInstanceOf(ConnectError);
      expect((r as { error: Error }).error.message).toMatch(/CONNACK/);
    } finally {
      await mute.close();
    }
  });

  describe('TLS and WebSockets', () => {
    test('mqtts:// with cafile', async () => {
      const b = broker();
      const uri = `mqtts://u:p@127.0.0.1:${b.tlsPort}/`;
      const sub = make(unique('s'), { autoReconnect: false });
      const pub = make(unique('p'), { autoReconnect: false });
      await expect(sub.connect(uri, true, b.certs!.caFile)).resolves.toBe(0);
      await pub.connect(uri, true, undefined, undefined, b.certs!.caPem); // cadata
      await roundTrip(sub, pub);
    });

    test('mqtts:// with capath (a directory of CA files), and config.broker.cafile', async () => {
      const b = broker();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-capath-'));
      try {
        fs.copyFileSync(b.certs!.caFile, path.join(dir, 'ca.pem'));
        fs.writeFileSync(path.join(dir, 'README'), 'not a certificate');
        const c = make(unique('c'), { autoReconnect: false });
        await expect(c.connect(`mqtts://u:p@127.0.0.1:${b.tlsPort}/`, null, null, dir)).resolves.toBe(0);
        const d = make(unique('c'), { autoReconnect: false, broker: { cafile: b.certs!.caFile } });
        await expect(d.connect(`mqtts://u:p@127.0.0.1:${b.tlsPort}/`)).resolves.toBe(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('mqtts:// against the wrong CA: ConnectError, not connected', async () => {
      const b = broker();
      const c = make(unique('c'), { autoReconnect: false });
      const r = await outcome(c.connect(`mqtts://u:p@127.0.0.1:${b.tlsPort}/`, true, b.certs!.wrongCaFile));
      expect(r.ok).toBe(false);
      expect((r as { error: Error }).error).toBeInstanceOf(ConnectError);
      expect(c.connected).toBe(false);
    });

    test('ws:// and wss:// (with additional headers)', async () => {
      const b = broker();
      const ws = make(unique('ws'), { autoReconnect: false });
      const wss = make(unique('wss'), { autoReconnect: false });
      await expect(ws.connect(`ws://u:p@127.0.0.1:${b.wsPort}/mqtt`, true, null, null, null, { 'X-Test': 'yes' })).resolves.toBe(0);
      await expect(wss.connect(`wss://u:p@127.0.0.1:${b.wssPort}/`, true, b.certs!.caFile)).resolves.toBe(0);
      await roundTrip(ws, wss);
      await roundTrip(wss, ws);
    });
  });

  test('the will from config is published when the connection drops without DISCONNECT', async () => {
    const b = broker();
    const willTopic = unique('will');
    const watcher = make(unique('watch'), { autoReconnect: false });
    await watcher.connect(uriOf(b, 'u:p'));
    await watcher.subscribe([[willTopic, QOS_1]]);
    const c = make(unique('dies'), { autoReconnect: false, will: { topic: willTopic, message: 'gone', qos: 1, retain: false } });
    await c.connect(uriOf(b, 'u:p'));
    // Cut the TCP connection under the client (no DISCONNECT): the broker must send the will.
    ((c as unknown as { client: { socket(): { destroy(): void } } }).client.socket()).destroy();
    const m = await watcher.deliverMessage(5);
    expect([m.topic, m.data.toString()]).toEqual([willTopic, 'gone']);
  });

  test('a clean disconnect() sends no will', async () => {
    const b = broker();
    const willTopic = unique('will');
    const watcher = make(unique('watch'), { autoReconnect: false });
    await watcher.connect(uriOf(b, 'u:p'));
    await watcher.subscribe([[willTopic, QOS_1], [`${willTopic}/sentinel`, QOS_1]]);
    const c = make(unique('clean'), { autoReconnect: false, will: { topic: willTopic, message: 'gone', qos: 1 } });
    await c.connect(uriOf(b, 'u:p'));
    await c.disconnect();
    await waitFor(() => /disconnected\./.test(brokerLogLines(b, c.clientId).join('\n')), 5000, 'the broker to see the DISCONNECT');
    await watcher.publish(`${willTopic}/sentinel`, 'end', QOS_1);
    expect((await watcher.deliverMessage(5)).topic).toBe(`${willTopic}/sentinel`);
  });

  describe('ClientError when not connected (never a hang)', () => {
    test('before connect()', async () => {
      const c = make(unique('c'));
      await expect(c.publish('a/b', 'x', 1)).rejects.toThrow(ClientError);
      await expect(c.subscribe([['a/#', 0]])).rejects.toThrow(ClientError);
      await expect(c.unsubscribe(['a/#'])).rejects.toThrow(ClientError);
      await expect(c.deliverMessage(1)).rejects.toThrow(ClientError);
      await expect(c.ping()).rejects.toThrow(ClientError);
      await expect(c.reconnect()).rejects.toThrow(ClientError);
      await expect(c.messages().next()).rejects.toThrow(ClientError);
      await expect(c.disconnect()).resolves.toBeUndefined();
    });

    test('after disconnect(); bad arguments are ValueErrors first', async () => {
      const c = make(unique('c'), { autoReconnect: false });
      await c.connect(uriOf(broker(), 'u:p'));
      await c.disconnect();
      expect(c.connected).toBe(false);
      await expect(c.publish('a/b', 'x', 2)).rejects.toThrow(/publish: not connected/);
      await expect(c.subscribe([['a/#', 0]])).rejects.toThrow(ClientError);
      await expect(c.deliverMessage()).rejects.toThrow(ClientError);
      await expect(c.ping()).rejects.toThrow(ClientError);
      await expect(c.publish('a/#', 'x')).rejects.toThrow(ValueError);
      await expect(c.publish('a/b', 'x', 3)).rejects.toThrow(ValueError);
      await expect(c.subscribe([['a/#', 5]])).rejects.toThrow(ValueError);
    });
  });
});

describeWithMosquitto('MQTTClient.connect with a client certificate', () => {
  const broker = useMosquitto({ tls: { requireCertificate: true } });
  const make = useAioClients();

  test('config certfile/keyfile authenticate the client; without them the handshake fails', async () => {
    const b = broker();
    const certs = b.certs!;
    const uri = `mqtts://127.0.0.1:${b.tlsPort}/`;
    const ok = make(unique('cert'), { autoReconnect: false, certfile: certs.clientCertFile, keyfile: certs.clientKeyFile });
    await expect(ok.connect(uri, true, certs.caFile)).resolves.toBe(0);
    await ok.publish(unique('t'), 'x', QOS_1);
    const none = make(unique('nocert'), { autoReconnect: false });
    const r = await outcome(none.connect(uri, true, certs.caFile));
    expect(!r.ok && r.error).toBeInstanceOf(ConnectError);
  });
});
