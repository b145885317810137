/*
 * The proxy from the environment (mqtt_proxy / MQTT_PROXY, no_proxy / NO_PROXY), used when
 * proxySet() was not called. Every row's expectation is what paho 2.1's Client._get_proxy()
 * returned for the same environment and broker host (with PySocks installed), mapped to
 * our settings (PySocks' default port where paho passes None). Then a Client with mqtt_proxy
 * set really connects through tinyproxy, and one whose broker no_proxy lists does not.
 */
import { Client, MQTT_ERR_SUCCESS, ValueError } from '../../lib';
import { proxyFromEnvironment } from '../../lib/transport/proxyEnv';
import { MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { describeWithProxies, RunningProxy, startTinyproxy } from '../support/proxies';
import { connected, uid, useClients, waitFor } from '../client/support';

type Row = [string, Record<string, string>, string, null | { type: string; host: string; port: number }];

const http = (host: string, port: number) => ({ type: 'http', host, port });
const socks5 = (host: string, port: number) => ({ type: 'socks5', host, port });

const ROWS: Row[] = [
  ['nothing set', {}, 'h', null],
  ['mqtt_proxy http://', { mqtt_proxy: 'http://p:3128' }, 'h', http('p', 3128)],
  ['MQTT_PROXY socks:// (SOCKS5, default port)', { MQTT_PROXY: 'socks://p' }, 'h', socks5('p', 1080)],
  ['http:// without a port (8080)', { mqtt_proxy: 'http://p' }, 'h', http('p', 8080)],
  ['http:// with port 80 kept', { mqtt_proxy: 'http://p:80' }, 'h', http('p', 80)],
  ['the lower-case name wins', { MQTT_PROXY: 'http://a:1', mqtt_proxy: 'socks://b:2' }, 'h', socks5('b', 2)],
  ['an empty lower-case name turns it off', { MQTT_PROXY: 'http://a:1', mqtt_proxy: '' }, 'h', null],
  ['another scheme: no proxy', { mqtt_proxy: 'https://p:1' }, 'h', null],
  ['no scheme: no proxy', { mqtt_proxy: 'p:3128' }, 'h', null],
  ['credentials in the URL are not used; the host is lower-cased', { mqtt_proxy: 'http://u:pw@P:1' }, 'h', http('p', 1)],
  ['IPv6 in brackets', { mqtt_proxy: 'http://[::1]:1' }, 'h', http('::1', 1)],
  ['no_proxy lists the broker', { mqtt_proxy: 'http://p:1', no_proxy: 'localhost' }, 'localhost', null],
  ['no_proxy lists another host', { mqtt_proxy: 'http://p:1', no_proxy: 'localhost' }, 'broker', http('p', 1)],
  ["no_proxy '*'", { mqtt_proxy: 'http://p:1', no_proxy: '*' }, 'broker', null],
  ['NO_PROXY domain suffix', { mqtt_proxy: 'http://p:1', NO_PROXY: '.example.com' }, 'mqtt.example.com', null],
  ['NO_PROXY domain itself', { mqtt_proxy: 'http://p:1', NO_PROXY: '.example.com' }, 'example.com', null],
  ['NO_PROXY is not a substring match', { mqtt_proxy: 'http://p:1', NO_PROXY: '.example.com' }, 'badexample.com', http('p', 1)],
  ['no_proxy entries trimmed and case-blind', { mqtt_proxy: 'http://p:1', no_proxy: ' Broker.Example , x' }, 'broker.example', null],
];

describe('proxyFromEnvironment (paho 2.1 _get_proxy)', () => {
  test.each(ROWS)('%s', (_name, env, host, want) => {
    const got = proxyFromEnvironment(host, env);
    if (want === null) expect(got).toBeNull();
    else expect(got).toEqual({ ...want, rdns: true, username: undefined, password: undefined });
  });

  test('a port out of range is a ValueError naming mqtt_proxy (paho: ValueError at connect)', () => {
    expect(() => proxyFromEnvironment('h', { mqtt_proxy: 'http://p:99999' })).toThrow(ValueError);
    expect(() => proxyFromEnvironment('h', { mqtt_proxy: 'http://p:99999' })).toThrow(/^mqtt_proxy: /);
    // The message names the port, never the URL's credentials.
    expect(() => proxyFromEnvironment('h', { mqtt_proxy: 'http://user:s3cret@p:99999' })).toThrow(/^mqtt_proxy: "99999" is not a port number$/);
  });
});

describeWithProxies('mqtt_proxy in the environment [mosquitto, tinyproxy]', () => {
  let broker: MosquittoBroker;
  let tiny: RunningProxy;
  const clients = useClients();
  const saved = { mqtt_proxy: process.env.mqtt_proxy, no_proxy: process.env.no_proxy };
  beforeAll(async () => {
    broker = await startMosquitto();
    tiny = await startTinyproxy({ connectPorts: [broker.port] });
  }, 30_000);
  afterAll(async () => {
    await tiny?.stop();
    await broker?.stop();
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  async function connectedClient(host: string): Promise<Client> {
    const c = clients.make({ clientId: uid('env') });
    const conn = connected(c);
    expect(await c.connect(host, broker.port, 30)).toBe(MQTT_ERR_SUCCESS);
    c.loopStart();
    await conn;
    return c;
  }

  const from = (address: string, id: string): boolean =>
    new RegExp(`New client connected from ${address.replace(/\./g, '\\.')}:\\d+ as ${id} `).test(broker.log());

  test('without proxySet, a client connects through the HTTP proxy mqtt_proxy names', async () => {
    process.env.mqtt_proxy = `http://127.0.0.1:${tiny.port}`;
    delete process.env.no_proxy;
    const c = await connectedClient('localhost');
    await waitFor(() => from(tiny.outgoing, c.clientId), 5000, 'mosquitto to log the client coming from tinyproxy');
    expect(tiny.log()).toContain(`CONNECT localhost:${broker.port} HTTP/1.1`);
  });

  test('no_proxy listing the broker: a direct connection', async () => {
    process.env.mqtt_proxy = `http://127.0.0.1:${tiny.port}`;
    process.env.no_proxy = 'example.org, 127.0.0.1';
    const c = await connectedClient('127.0.0.1');
    await waitFor(() => from('127.0.0.1', c.clientId), 5000, 'mosquitto to log the client coming directly');
  });
});
