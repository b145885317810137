/*
 * Client.proxySet through real proxies (spec/support/proxies.ts) to a real mosquitto:
 * SOCKS5 and SOCKS4 (dante), SOCKS5 with username/password (microsocks), HTTP CONNECT with
 * and without Basic authentication (tinyproxy); over tcp, tls (certificate checked against the
 * broker's name while the proxy is reached by another address), ws and wss. Each proxied
 * client subscribes, publishes at QoS 1 and receives its message; mosquitto's log shows the
 * connection coming from the proxy's own outgoing address. Refusals (blocked port, bad or
 * missing credentials, a port the proxy does not allow, no proxy listening, a proxy that never
 * answers) make connect() reject with a ProxyError, and a loopStart() client fire
 * on_connect_fail, never hang.
 */
import * as net from 'net';
import { Client, MQTT_ERR_SUCCESS, MQTTMessage, ProxyError } from '../../lib';
import type { ProxyArgs } from '../../lib';
import { MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { describeWithProxies, RunningProxy, startDante, startMicrosocks, startTinyproxy } from '../support/proxies';
import { connected, nextEvent, subscribeAndWait, uid, useClients, waitFor, within } from './support';

const AUTH = { username: 'alice', password: 's3cret' };

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** mosquitto logged this client's CONNECT as coming from the proxy's outgoing address (IPv4-mapped on its websockets listeners). */
function cameThrough(broker: MosquittoBroker, proxy: RunningProxy, clientId: string): boolean {
  return new RegExp(`New client connected from (::ffff:)?${escapeRe(proxy.outgoing)}:\\d+ as ${escapeRe(clientId)} `).test(broker.log());
}

/** What mosquitto logged about client connections, for failure messages. */
function connectLines(broker: MosquittoBroker): string {
  return broker.log().split('\n').filter((l) => /New (client|connection)/.test(l)).slice(-8).join('\n');
}

/** Subscribes, publishes at QoS 1 and waits for the message to come back through the same connection. */
async function roundTrip(c: Client, topic: string): Promise<void> {
  expect(await subscribeAndWait(c, [[topic, 1]])).toEqual([1]);
  const got = nextEvent(c, 'message');
  const info = c.publish(topic, 'through the proxy', 1);
  await info.waitForPublish(5);
  const [msg] = (await got) as [MQTTMessage];
  expect(msg.topic).toBe(topic);
  expect(msg.payload.toString()).toBe('through the proxy');
  expect(msg.qos).toBe(1);
}

describeWithProxies('Client.proxySet through real proxies [mosquitto]', () => {
  let broker: MosquittoBroker;
  let dante: RunningProxy;
  let danteElsewhere: RunningProxy;
  let tiny: RunningProxy;
  let tinyAuth: RunningProxy;
  let micro: RunningProxy;
  let blockedPort: number;
  const clients = useClients();

  beforeAll(async () => {
    broker = await startMosquitto({ tls: true, websockets: true });
    blockedPort = await freePort();
    [dante, danteElsewhere, tiny, tinyAuth, micro] = await Promise.all([
      startDante({ blockedPort }),
      // Reached as 127.0.0.2, a name the broker's certificate does not carry.
      startDante({ listen: '127.0.0.2' }),
      startTinyproxy({ connectPorts: [broker.port, broker.tlsPort!, broker.wsPort!, broker.wssPort!] }),
      startTinyproxy({ connectPorts: [broker.port], basicAuth: AUTH }),
      startMicrosocks(AUTH),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([dante, danteElsewhere, tiny, tinyAuth, micro].map((p) => p?.stop()));
    await broker?.stop();
  });

  async function connectThrough(args: ProxyArgs, host: string, port: number, opts: { transport?: 'tcp' | 'websockets'; tls?: boolean } = {}): Promise<Client> {
    const c = clients.make({ clientId: uid('px'), transport: opts.transport ?? 'tcp' });
    if (opts.tls) c.tlsSet({ caCerts: broker.certs!.caFile });
    c.proxySet(args);
    const conn = connected(c);
    expect(await c.connect(host, port, 30)).toBe(MQTT_ERR_SUCCESS);
    c.loopStart();
    await conn;
    return c;
  }

  const tcpCases: Array<[string, () => RunningProxy, () => ProxyArgs, string]> = [
    ['SOCKS5 (dante)', () => dante, () => ({ proxy_type: 'socks5', proxy_addr: dante.host, proxy_port: dante.port }), '127.0.0.1'],
    ['SOCKS5, the proxy resolving the broker name (dante)', () => dante, () => ({ proxy_type: 'socks5', proxy_addr: dante.host, proxy_port: dante.port }), 'localhost'],
    ['SOCKS4 (dante)', () => dante, () => ({ proxy_type: 'socks4', proxy_addr: dante.host, proxy_port: dante.port }), '127.0.0.1'],
    // dante has no SOCKS4a: with proxy_rdns false the name is resolved here and dante gets an address.
    ['SOCKS4, name resolved locally (dante)', () => dante, () => ({ proxy_type: 'socks4', proxy_addr: dante.host, proxy_port: dante.port, proxy_rdns: false }), 'localhost'],
    ["SOCKS5 with username/password (microsocks)", () => micro,
      () => ({ proxy_type: 'socks5', proxy_addr: micro.host, proxy_port: micro.port, proxy_username: AUTH.username, proxy_password: AUTH.password }), 'localhost'],
    ['HTTP CONNECT (tinyproxy)', () => tiny, () => ({ proxy_type: 'http', proxy_addr: tiny.host, proxy_port: tiny.port }), 'localhost'],
    ['HTTP CONNECT with Basic authentication (tinyproxy)', () => tinyAuth,
      () => ({ proxy_type: 'http', proxy_addr: tinyAuth.host, proxy_port: tinyAuth.port, proxy_username: AUTH.username, proxy_password: AUTH.password }), '127.0.0.1'],
    ["PySocks' numeric constant SOCKS5 = 2 (dante)", () => dante, () => ({ proxy_type: 2, proxy_addr: dante.host, proxy_port: dante.port }), '127.0.0.1'],
  ];

  test.each(tcpCases)('tcp through %s: subscribe, publish QoS 1, receive; the broker sees the proxy', async (_name, proxy, args, host) => {
    const c = await connectThrough(args(), host, broker.port);
    await roundTrip(c, `proxy/tcp/${uid('t')}`);
    const id = c.clientId;
    await waitFor(() => cameThrough(broker, proxy(), id), 5000, () => `mosquitto to log ${id} connecting from ${proxy().outgoing}; it logged:\n${connectLines(broker)}`);
  });

  test('the proxies log the tunnels they opened to the broker', async () => {
    const c1 = await connectThrough({ proxy_type: 'socks5', proxy_addr: dante.host, proxy_port: dante.port }, '127.0.0.1', broker.port);
    const c2 = await connectThrough({ proxy_type: 'http', proxy_addr: tiny.host, proxy_port: tiny.port }, 'localhost', broker.port);
    await roundTrip(c1, `proxy/log/${uid('a')}`);
    await roundTrip(c2, `proxy/log/${uid('b')}`);
    // dante: "tcp/connect [: 127.0.0.1.P 127.0.0.1.D -> 127.0.0.3.P 127.0.0.1.<broker port>"
    await waitFor(() => new RegExp(`pass\\(\\d+\\): tcp/connect .*-> 127\\.0\\.0\\.3\\.\\d+ 127\\.0\\.0\\.1\\.${broker.port}\\b`).test(dante.log()), 5000, () => `dante's log: ${dante.log()}`);
    expect(tiny.log()).toContain(`CONNECT localhost:${broker.port} HTTP/1.1`);
  });

  test('HTTP with proxy_rdns false: the name is resolved here and the proxy gets an address', async () => {
    const c = await connectThrough({ proxy_type: 'http', proxy_addr: tiny.host, proxy_port: tiny.port, proxy_rdns: false }, 'localhost', broker.port);
    await roundTrip(c, `proxy/rdns/${uid('r')}`);
    expect(tiny.log()).toContain(`CONNECT 127.0.0.1:${broker.port} HTTP/1.1`);
  });

  test('proxySet between connections applies from the next attempt (as paho)', async () => {
    const c = clients.make({ clientId: uid('px') });
    let conn = connected(c);
    expect(await c.connect('127.0.0.1', broker.port, 30)).toBe(MQTT_ERR_SUCCESS);
    c.loopStart();
    await conn;
    await waitFor(() => cameThrough(broker, { outgoing: '127.0.0.1' } as RunningProxy, c.clientId), 5000, 'a direct connection first');
    c.proxySet({ proxy_type: 'socks5', proxy_addr: dante.host, proxy_port: dante.port });
    conn = connected(c);
    expect(await c.reconnect()).toBe(MQTT_ERR_SUCCESS);
    await conn;
    await roundTrip(c, `proxy/later/${uid('l')}`);
    await waitFor(() => cameThrough(broker, dante, c.clientId), 5000, () => `the reconnection through dante; mosquitto logged:\n${connectLines(broker)}`);
  });

  test('tls through SOCKS5: the certificate is checked against the broker name, not the proxy address', async () => {
    const c = await connectThrough({ proxy_type: 'socks5', proxy_addr: danteElsewhere.host, proxy_port: danteElsewhere.port }, 'localhost', broker.tlsPort!, { tls: true });
    expect(c.socket()).toBeInstanceOf(require('tls').TLSSocket);
    await roundTrip(c, `proxy/tls/${uid('t')}`);
    await waitFor(() => cameThrough(broker, danteElsewhere, c.clientId), 5000, () => `mosquitto to log the TLS client from dante; it logged:\n${connectLines(broker)}`);
  });

  test('tls through HTTP CONNECT with a wrong CA fails the TLS handshake with the broker', async () => {
    const c = clients.make({ clientId: uid('px') });
    c.tlsSet({ caCerts: broker.certs!.wrongCaFile });
    c.proxySet({ proxy_type: 'http', proxy_addr: tiny.host, proxy_port: tiny.port });
    await expect(within(c.connect('localhost', broker.tlsPort!, 30), 10_000, 'connect()')).rejects.toMatchObject({ name: 'TLSError' });
  });

  test('ws:// through SOCKS5 and wss:// through HTTP CONNECT: the upgrade goes to the broker over the tunnel', async () => {
    const ws = await connectThrough({ proxy_type: 'socks5', proxy_addr: dante.host, proxy_port: dante.port }, '127.0.0.1', broker.wsPort!, { transport: 'websockets' });
    const wss = await connectThrough({ proxy_type: 'http', proxy_addr: tiny.host, proxy_port: tiny.port }, 'localhost', broker.wssPort!, { transport: 'websockets', tls: true });
    await roundTrip(ws, `proxy/ws/${uid('w')}`);
    await roundTrip(wss, `proxy/wss/${uid('w')}`);
    expect(tiny.log()).toContain(`CONNECT localhost:${broker.wssPort} HTTP/1.1`);
    await waitFor(() => cameThrough(broker, dante, ws.clientId), 5000, () => `mosquitto to log the ws client from dante; it logged:\n${connectLines(broker)}`);
    await waitFor(() => cameThrough(broker, tiny, wss.clientId), 5000, () => `mosquitto to log the wss client from tinyproxy; it logged:\n${connectLines(broker)}`);
  });

  describe('refusals reject connect() with a ProxyError', () => {
    async function refused(args: ProxyArgs, host: string, port: number, connectTimeout?: number): Promise<ProxyError> {
      const c = clients.make({ clientId: uid('px') });
      if (connectTimeout !== undefined) c.connectTimeout = connectTimeout;
      c.proxySet(args);
      const err = await within(c.connect(host, port, 30).then(() => null, (e: unknown) => e), 10_000, 'connect() to settle');
      expect(err).toBeInstanceOf(ProxyError);
      expect(c.isConnected()).toBe(false);
      return err as ProxyError;
    }

    test('SOCKS5: the proxy blocks the destination', async () => {
      const err = await refused({ proxy_type: 'socks5', proxy_addr: dante.host, proxy_port: dante.port }, '127.0.0.1', blockedPort);
      expect(err.code).toBe('ERR_PROXY');
      expect(err.message).toMatch(new RegExp(`SOCKS5 proxy 127\\.0\\.0\\.1:${dante.port} did not open a tunnel to 127\\.0\\.0\\.1:${blockedPort}`));
    });

    test('SOCKS4a (a host name the proxy should resolve) is refused by dante, which has no SOCKS4a', async () => {
      const err = await refused({ proxy_type: 'socks4', proxy_addr: dante.host, proxy_port: dante.port }, 'localhost', broker.port);
      expect(err.code).toBe('ERR_PROXY');
    });

    test('SOCKS5: wrong password', async () => {
      const err = await refused({ proxy_type: 'socks5', proxy_addr: micro.host, proxy_port: micro.port, proxy_username: AUTH.username, proxy_password: 'wrong' }, '127.0.0.1', broker.port);
      expect(err.code).toBe('ERR_PROXY');
      expect(err.message).toMatch(/Authentication failed/i);
    });

    test('SOCKS5: no credentials for a proxy that demands them', async () => {
      const err = await refused({ proxy_type: 'socks5', proxy_addr: micro.host, proxy_port: micro.port }, '127.0.0.1', broker.port);
      expect(err.code).toBe('ERR_PROXY');
    });

    test('HTTP: wrong credentials (tinyproxy answers 401)', async () => {
      const err = await refused({ proxy_type: 'http', proxy_addr: tinyAuth.host, proxy_port: tinyAuth.port, proxy_username: AUTH.username, proxy_password: 'wrong' }, '127.0.0.1', broker.port);
      expect(err.code).toBe('ERR_PROXY');
      expect(err.message).toMatch(/HTTP 401 Unauthorized \(proxy authentication required: check proxy_username \/ proxy_password\)/);
    });

    test('HTTP: a port the proxy does not allow (403)', async () => {
      const err = await refused({ proxy_type: 'http', proxy_addr: tiny.host, proxy_port: tiny.port }, '127.0.0.1', blockedPort);
      expect(err.code).toBe('ERR_PROXY');
      expect(err.message).toMatch(/HTTP 403/);
    });

    test('no proxy listening: the socket error, naming the proxy', async () => {
      const nobody = await freePort();
      const err = await refused({ proxy_type: 'http', proxy_addr: '127.0.0.1', proxy_port: nobody }, '127.0.0.1', broker.port);
      expect(err.code).toBe('ECONNREFUSED');
      expect(err.message).toContain(`cannot connect to the HTTP proxy 127.0.0.1:${nobody}`);
    });

    test('a proxy that accepts and never answers: the connect timeout applies', async () => {
      // Reads (so it sees the client's close) and never writes.
      const silent = net.createServer((s) => s.on('error', () => undefined).resume());
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const port = (silent.address() as net.AddressInfo).port;
      try {
        const started = Date.now();
        const err = await refused({ proxy_type: 'socks5', proxy_addr: '127.0.0.1', proxy_port: port }, '127.0.0.1', broker.port, 0.3);
        expect(err.code).toBe('ETIMEDOUT');
        expect(err.message).toMatch(/did not open a tunnel .* timed out after 300 ms/);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await new Promise((r) => silent.close(r));
      }
    });

    test('loopStart(): a refused tunnel fires on_connect_fail', async () => {
      const c = clients.make({ clientId: uid('px') });
      c.proxySet({ proxy_type: 'socks5', proxy_addr: micro.host, proxy_port: micro.port, proxy_username: AUTH.username, proxy_password: 'wrong' });
      let fails = 0;
      c.on_connect_fail = () => fails++;
      c.connectAsync('127.0.0.1', broker.port, 30);
      c.loopStart();
      await waitFor(() => fails > 0, 10_000, 'on_connect_fail');
      expect(c.isConnected()).toBe(false);
    });
  });
});
