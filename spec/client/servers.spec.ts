/**
 * The failover list (`servers`) and MQTT 5 Server Reference, on in-memory brokers (one per
 * host name: the client's transport factory picks the broker by the host it is given) and
 * jest's fake clock: which server each attempt takes, host/port, the waits between attempts,
 * the checks of the list at construction, and each server's own transport and TLS.
 */
import * as diagnostics from 'node:diagnostics_channel';
import { Client, MQTT_ERR_CONN_LOST, MQTTv5, ValueError } from '../../lib';
import type { ConnectTrace } from '../../lib';
import type { ClientOptions, ConnectTarget } from '../../lib/client';
import { ServerRotation } from '../../lib/client/rotation';
import { checkServers, referredServer, Server } from '../../lib/client/servers';
import { TcpTransport } from '../../lib/transport/tcp';
import { TlsTransport } from '../../lib/transport/tls';
import { WebSocketTransport } from '../../lib/transport/websocket';
import { driverOf } from '../support/clientInternals';
import { MemoryBroker } from '../support/memoryBroker';
import { advance, FAKE_T0, outcome, settle, useFakeClock } from '../support/wait';

useFakeClock();

/**
 * Runs the fake clock `ms` on in steps of 50 ms, letting the real turns (the pump, setImmediate)
 * run after each: a timer set while a step's turns run fires at its exact time in a later step.
 */
async function run(ms: number): Promise<void> {
  await settle();
  for (let t = 0; t < ms; t += 50) await advance(50);
}

/** In-memory brokers by host name, and a client whose attempts go to the broker its target names. */
function fleet(hosts: string[], level: 4 | 5 = 4) {
  const brokers: Record<string, MemoryBroker> = {};
  for (const h of hosts) brokers[h] = new MemoryBroker(level);
  const targets: ConnectTarget[] = [];
  const log: Array<[string, number]> = [];
  const client = (opts: ClientOptions): Client => new Client({
    clientId: 'fo', clock: () => Date.now(), protocol: level, ...opts,
    createTransport: (t) => {
      targets.push(t);
      log.push([t.host, Date.now()]);
      const b = brokers[t.host];
      if (b === undefined) throw new Error(`no broker ${t.host}`);
      return b.listener.createTransport();
    },
  });
  /** Host of each attempt, in order, and its fake-clock time relative to `from`. */
  const attempts = (from = FAKE_T0): Array<[string, number]> => log.map(([h, t]) => [h, t - from]);
  /**
   * Host of each attempt from the `skip`th on, and the wait before it in whole seconds (the
   * first: since `from`): run()'s steps add up to 50 ms to a wait, rounded away here.
   */
  const waits = (skip: number, from = FAKE_T0): Array<[string, number]> =>
    log.slice(skip).map(([h, t], i, a) => [h, Math.round((t - (i === 0 ? from : a[i - 1][1])) / 1000)]);
  return { brokers, client, targets, attempts, waits };
}

describe('servers: checked at construction', () => {
  test('URLs and objects resolve to host, port, transport and TLS, with the default ports', () => {
    const s = checkServers([
      'mqtt://a', 'mqtts://b', 'ws://c/path', 'wss://d:9443', 'mqtt://[::1]:1884', 'unix:///run/m.sock',
      { host: 'e' }, { host: 'f', tls: true }, { host: 'g', transport: 'websockets', tls: true }, { host: 'h', port: 2000, tls: false },
      { host: 'i', transport: 'websockets', path: '/mqtt/ws' },
    ]);
    expect(s.map((x) => [x.host, x.port, x.transport, x.tls === undefined || typeof x.tls === 'boolean' ? x.tls : 'own', x.wsPath])).toEqual([
      ['a', 1883, 'tcp', false, undefined], ['b', 8883, 'tcp', true, undefined], ['c', 80, 'websockets', false, '/path'],
      ['d', 9443, 'websockets', true, undefined], ['::1', 1884, 'tcp', false, undefined], ['/run/m.sock', 1883, 'unix', false, undefined],
      ['e', 1883, undefined, undefined, undefined], ['f', 8883, undefined, true, undefined], ['g', 443, 'websockets', true, undefined],
      ['h', 2000, undefined, false, undefined], ['i', 80, 'websockets', undefined, '/mqtt/ws'],
    ]);
    const own = checkServers([{ host: 'x', tls: { tlsVersion: 'TLSv1.3' } }])[0];
    expect(own.port).toBe(8883);
    expect(typeof own.tls).toBe('object');
  });

  test.each([
    [[], /^servers: the list is empty/],
    ['mqtt://a', /^servers: must be a list/],
    [['mqtt://a', 'tcp://b:1883'], /^servers\[1\]: unsupported scheme 'tcp' \(use mqtt, mqtts, ws, wss or unix\)$/],
    [['mqtt://a:0'], /^servers\[0\]: port must be from 1 to 65535/],
    [['mqtt://a:70000'], /^servers\[0\]: not a valid mqtt:\/\/ URI/],
    [[{ host: 'a', port: 0 }], /^servers\[0\]\.port: must be an integer from 1 to 65535, got 0/],
    [[{ host: 'a', prot: 1883 }], /^servers\[0\]: unknown key 'prot' \(did you mean 'port'\?\)/],
    [[{ host: '' }], /^servers\[0\]\.host: must be a non-empty string/],
    [[{ host: 'a', transport: 'quic' }], /^servers\[0\]\.transport: must be 'tcp', 'websockets' or 'unix'/],
    [[{ host: 'a', tls: 'yes' }], /^servers\[0\]\.tls: must be true, false or tlsSet\(\) options/],
    [[{ host: 'a', tls: { caCert: 'x' } }], /caCert: not a tlsSet\(\) option \(did you mean caCerts\?\)/],
    [[{ host: '/s', transport: 'unix', tls: true }], /^servers\[0\]\.tls: a Unix socket does not take TLS/],
    [['unix://rel/path'], /^servers\[0\]: .*absolute socket path/],
    [['a:1883'], /^servers\[0\]: must start with mqtt:\/\//],
    [[42], /^servers\[0\]: must be \{ host, port\?, transport\?, tls\?, path\? \} or a URL string/],
    [[{ host: 'a', path: '/mqtt' }], /^servers\[0\]\.path: a URL path is for transport 'websockets' only/],
    [[{ host: 'a', transport: 'websockets', path: 'mqtt' }], /^servers\[0\]\.path: must be a string starting with '\/', got "mqtt"/],
  ])('%j: ValueError %s', (servers, message) => {
    expect(() => new Client({ servers: servers as never })).toThrow(ValueError);
    expect(() => new Client({ servers: servers as never })).toThrow(message);
  });

  test('a password in a server URL is refused and never echoed', () => {
    let err: Error | undefined;
    try {
      new Client({ servers: ['mqtt://u:s3cret@a'] });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(ValueError);
    expect(err!.message).toMatch(/^servers\[0\]: no user name or password in a server URL/);
    expect(err!.message).not.toContain('s3cret');
  });

  test('followServerReference must be a boolean; misspelt options get the known name', () => {
    expect(() => new Client({ followServerReference: 1 as never })).toThrow(/followServerReference: must be true or false/);
    expect(() => new Client({ server: ['mqtt://a'] } as never)).toThrow(/unknown option 'server'.*servers/);
  });
});

describe('servers: which server each attempt takes', () => {
  test('before connect(): host "" and port 1883; connect() with no host takes the first server', async () => {
    const f = fleet(['a', 'b']);
    const c = f.client({ servers: [{ host: 'a', port: 1001 }, { host: 'b', port: 1002 }] });
    expect([c.host, c.port]).toEqual(['', 1883]);
    await c.connect();
    expect([c.host, c.port]).toEqual(['a', 1001]);
    expect(f.targets.map((t) => [t.host, t.port])).toEqual([['a', 1001]]);
  });

  test('each attempt (reconnect()) takes the next server, wrapping; host/port follow', async () => {
    const f = fleet(['a', 'b', 'c']);
    const c = f.client({ servers: ['mqtt://a:1001', 'mqtt://b:1002', 'mqtt://c:1003'] });
    const seen: Array<[string, number]> = [];
    await c.connect();
    seen.push([c.host, c.port]);
    for (let i = 0; i < 4; i++) {
      await c.reconnect();
      seen.push([c.host, c.port]);
    }
    expect(seen).toEqual([['a', 1001], ['b', 1002], ['c', 1003], ['a', 1001], ['b', 1002]]);
  });

  test('connect() tries the servers in turn until a socket opens; with all down it rejects with the last error', async () => {
    const f = fleet(['a', 'b', 'c']);
    f.brokers.a.refuseSockets = Infinity;
    f.brokers.b.refuseSockets = Infinity;
    const c = f.client({ servers: ['mqtt://a', 'mqtt://b', 'mqtt://c'] });
    const lines: string[] = [];
    c.on_log = (_c, _u, _level, buf) => lines.push(buf);
    expect(await c.connect()).toBe(0);
    expect(c.host).toBe('c');
    expect(lines.filter((l) => /^(Trying|Connection to)/.test(l))).toEqual([
      'Trying server 1 of 3: a:1883', 'Connection to a:1883 failed: connect ECONNREFUSED (memory)',
      'Trying server 2 of 3: b:1883', 'Connection to b:1883 failed: connect ECONNREFUSED (memory)',
      'Trying server 3 of 3: c:1883',
    ]);
    f.brokers.c.refuseSockets = Infinity;
    const r = await outcome(c.connect());
    expect(r.ok).toBe(false);
    expect(f.attempts().map(([h]) => h)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  test('connect(host) means that one server: the list is not used until connect() without a host', async () => {
    const f = fleet(['a', 'b', 'x']);
    const c = f.client({ servers: ['mqtt://a', 'mqtt://b'] });
    await c.connect('x', 1999);
    await c.reconnect();
    expect([c.host, c.port]).toEqual(['x', 1999]);
    await c.connect();
    expect(c.host).toBe('a');
    expect(f.attempts().map(([h]) => h)).toEqual(['x', 'x', 'a']);
  });

  test("paho's immediate retry after a refused empty client id goes to the same server", async () => {
    const f = fleet(['a', 'b']);
    f.brokers.a.connackCode = 2;
    f.brokers.a.onPacket = (p) => {
      if (p.type === 'connect') f.brokers.a.connackCode = 0;
    };
    const c = f.client({ clientId: '', servers: ['mqtt://a', 'mqtt://b'] });
    await c.connect();
    await c.loop(0.1);
    await c.loop(0.1);
    expect(f.attempts().map(([h]) => h)).toEqual(['a', 'a']);
    expect(f.brokers.a.connects.map((p) => p.clientId.length)).toEqual([0, 22]);
    expect([c.isConnected(), c.host]).toEqual([true, 'a']);
  });

  test('without servers, connect() needs a host as before', () => {
    const c = new Client();
    expect(() => c.connect()).toThrow(/^host: must be a non-empty string/);
    expect(() => c.connectAsync()).toThrow(/^host: must be a non-empty string/);
  });
});

describe('servers: failover in the background modes (fake clock)', () => {
  test('a lost connection moves to the next server at once; the backoff is waited once per failed round', async () => {
    const f = fleet(['a', 'b']);
    const c = f.client({ servers: ['mqtt://a', 'mqtt://b'] });
    c.reconnectDelaySet(1, 8);
    c.connectAsync();
    c.loopStart();
    await run(50);
    expect([c.isConnected(), c.host]).toEqual([true, 'a']);
    const connects: string[] = [];
    c.on_connect = (cl) => connects.push(cl.host);

    // a dies while connected: b is tried at once.
    f.brokers.a.refuseSockets = Infinity;
    f.brokers.a.peer.close();
    await run(50);
    expect([c.isConnected(), c.host]).toEqual([true, 'b']);
    expect(f.waits(0)).toEqual([['a', 0], ['b', 0]]);

    // Both die: a at once (b's loss is the round's first failure), then the doubling delay before each round.
    f.brokers.b.refuseSockets = Infinity;
    const lostAt = Date.now();
    f.brokers.b.peer.close();
    await run(20000);
    expect(f.waits(2, lostAt)).toEqual([['a', 0], ['b', 1], ['a', 0], ['b', 2], ['a', 0], ['b', 4], ['a', 0], ['b', 8], ['a', 0]]);

    // b comes back: the next attempt there connects, and the backoff starts over.
    f.brokers.b.refuseSockets = 0;
    await run(8000);
    expect([c.isConnected(), c.host]).toEqual([true, 'b']);
    expect(connects).toEqual(['b', 'b']);
    c.disconnect();
    await c.loopStop();
  });

  test('loopForever() with the first server down connects to the second (no on_connect_fail)', async () => {
    const f = fleet(['a', 'b']);
    f.brokers.a.refuseSockets = Infinity;
    const c = f.client({ servers: ['mqtt://a', 'mqtt://b'] });
    let fails = 0;
    c.on_connect_fail = () => fails++;
    c.on_connect = (cl) => cl.disconnect();
    c.connectAsync();
    expect(await c.loopForever()).toBe(MQTT_ERR_CONN_LOST); // paho's rc after disconnect()
    expect(fails).toBe(0);
    expect(c.host).toBe('b');
  });

  test('stats() and the mqttloop:connect trace name the server in use, with its transport', async () => {
    const f = fleet(['a', 'b']);
    f.brokers.a.refuseSockets = Infinity;
    const c = f.client({ servers: ['mqtt://a', 'ws://b:8080/mqtt'] });
    const traced: Array<[string, number]> = [];
    const onConnect = (m: unknown): void => { const t = m as ConnectTrace; if (t.client === c) traced.push([t.host, t.port]); };
    diagnostics.subscribe('mqttloop:connect', onConnect);
    try {
      c.on_connect = (cl) => cl.disconnect();
      c.connectAsync();
      await c.loopForever();
    } finally {
      diagnostics.unsubscribe('mqttloop:connect', onConnect);
    }
    expect(traced).toEqual([['b', 8080]]);
    expect(c.stats().server).toEqual({ host: 'b', port: 8080, transport: 'websockets' });
    expect(c.stats().failures).toBe(1);
  });

  test('one server, or connect(host): paho\'s backoff before every attempt, as before', async () => {
    const f = fleet(['a', 'b']);
    const c = f.client({ servers: ['mqtt://a', 'mqtt://b'] });
    c.reconnectDelaySet(1, 8);
    await c.connect('a');
    c.loopStart();
    await settle();
    f.brokers.a.refuseSockets = 3;
    const lostAt = Date.now();
    f.brokers.a.peer.close();
    await run(16000);
    expect(f.waits(1, lostAt)).toEqual([['a', 1], ['a', 2], ['a', 4], ['a', 8]]);
    expect(c.isConnected()).toBe(true);
    c.disconnect();
    await c.loopStop();
  });
});

describe('MQTT 5 Server Reference', () => {
  test('referredServer: host[:port], the first of a list, [v6]:port; the port in use when absent; other reason codes ignored', () => {
    const from: Server = { host: 'a', port: 1883, transport: 'websockets', tls: true, wsPath: '/x', referred: false };
    const ref = (r: string, code = 0x9c) => referredServer(code, { ServerReference: r }, from);
    expect(ref('b:1884')).toEqual({ host: 'b', port: 1884, transport: 'websockets', tls: true, wsPath: '/x', referred: true });
    expect(ref('  c  d:2000 ')).toMatchObject({ host: 'c', port: 1883 });
    expect(ref('[::1]:1886', 0x9d)).toMatchObject({ host: '::1', port: 1886 });
    expect(ref('b:99999')).toBeNull();
    expect(ref('b:1884', 0x87)).toBeNull();
    expect(ref('')).toBeNull();
  });

  async function refused(follow: boolean) {
    const f = fleet(['a', 'b', 'c'], 5);
    f.brokers.a.connackCode = 0x9c;
    f.brokers.a.connackProperties = { ServerReference: 'c:1885' };
    const c = f.client({ servers: ['mqtt://a', 'mqtt://b'], followServerReference: follow, protocol: MQTTv5 });
    c.reconnectDelaySet(1, 8);
    const lines: string[] = [];
    c.on_log = (_c, _u, _level, buf) => lines.push(buf);
    c.connectAsync();
    c.loopStart();
    await run(2000);
    const result = { attempts: f.waits(0), host: c.host, port: c.port, connected: c.isConnected(), lines };
    c.disconnect();
    await c.loopStop();
    return result;
  }

  test('CONNACK 0x9C with a Server Reference, followed: the next attempt goes there at once', async () => {
    const r = await refused(true);
    expect(r.attempts).toEqual([['a', 0], ['c', 0]]);
    expect([r.connected, r.host, r.port]).toEqual([true, 'c', 1885]);
    expect(r.lines).toContain('Following Server Reference to c:1885');
  });

  test('not followed without followServerReference: the list goes on (b at once)', async () => {
    const r = await refused(false);
    expect(r.attempts).toEqual([['a', 0], ['b', 0]]);
    expect([r.connected, r.host]).toEqual([true, 'b']);
  });

  test('DISCONNECT 0x9D with a Server Reference moves a connected client, with connect(host) too', async () => {
    const f = fleet(['a', 'd'], 5);
    const c = f.client({ followServerReference: true, protocol: MQTTv5 });
    await c.connect('a', 1883, 0);
    c.loopStart();
    await settle();
    f.brokers.a.send({ type: 'disconnect', reasonCode: 0x9d, properties: { ServerReference: 'd' } });
    await run(50);
    expect([c.isConnected(), c.host, c.port]).toEqual([true, 'd', 1883]);
    // The reference was for one attempt: the next one goes back to connect()'s host.
    await c.reconnect();
    expect(c.host).toBe('a');
    c.disconnect();
    await c.loopStop();
  });

  test('a redirect loop backs off instead of spinning', async () => {
    const f = fleet(['a', 'b'], 5);
    f.brokers.a.connackCode = 0x9c;
    f.brokers.a.connackProperties = { ServerReference: 'b' };
    f.brokers.b.connackCode = 0x9c;
    f.brokers.b.connackProperties = { ServerReference: 'a' };
    const c = f.client({ followServerReference: true, protocol: MQTTv5 });
    c.reconnectDelaySet(1, 8);
    c.connectAsync('a');
    c.loopStart();
    await run(8000);
    // a refers to b at once; every further redirect of the chain (from a server reached by one) waits the doubling backoff.
    expect(f.waits(0).slice(0, 5)).toEqual([['a', 0], ['b', 0], ['a', 1], ['b', 2], ['a', 4]]);
    c.disconnect();
    await c.loopStop();
  });
});

describe("each server's own transport and TLS", () => {
  /** The transport the built-in factory makes for the client's next attempt (nothing is opened). */
  function built(c: Client): unknown {
    const connector = driverOf(c).connector as unknown as { rotation: ServerRotation; createTransport(s: Server | null): unknown };
    c.connectAsync(); // the list, from its next server
    return connector.createTransport(connector.rotation.choose({ log: () => undefined }, 'tcp'));
  }

  test('mqtts:// and tls: true are TLS without tlsSet(); mqtt:// and tls: false are plain even with tlsSet(); ws:// URLs and objects keep their path', () => {
    const c = new Client({ servers: ['mqtts://a', { host: 'b', tls: true }, 'mqtt://c', { host: 'd', tls: false }, { host: 'e' }, 'ws://f/p', 'wss://g', { host: 'h', transport: 'websockets', path: '/q' }] });
    const kinds = () => {
      const t = built(c);
      if (t instanceof WebSocketTransport) return (t as unknown as { url: string }).url;
      return t instanceof TlsTransport ? 'tls' : t instanceof TcpTransport ? 'tcp' : String(t);
    };
    const round = () => Array.from({ length: 8 }, kinds);
    expect(round()).toEqual(['tls', 'tls', 'tcp', 'tcp', 'tcp', 'ws://f:80/p', 'wss://g:443/mqtt', 'ws://h:80/q']);
    c.tlsSet();
    expect(round()).toEqual(['tls', 'tls', 'tcp', 'tcp', 'tls', 'ws://f:80/p', 'wss://g:443/mqtt', 'wss://h:80/q']); // the port was settled at construction, as { host: 'e' }'s
  });

  test('a custom transport factory is given the server\'s host, port and transport', async () => {
    const f = fleet(['a']);
    const c = f.client({ servers: [{ host: 'a', port: 8080, transport: 'websockets' }], transport: 'tcp' });
    await c.connect();
    expect(f.targets.map((t) => [t.host, t.port, t.transport])).toEqual([['a', 8080, 'websockets']]);
  });
});
