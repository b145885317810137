/**
 * Failover between two real brokers: two mosquitto instances that share nothing, a and b. The
 * client under test has `servers: [a, b]`, a persistent session (MQTT 3.1.1 clean_session
 * false; MQTT 5 Session Expiry) and subscribes again in on_connect; it publishes its own
 * numbered QoS 1 and QoS 2 stream and receives a publisher's (the publisher has the same
 * list). Broker a is killed (SIGKILL, by its pid) in the middle of both streams. The real
 * clock; the figures are printed. Then each server's own transport and TLS on real listeners.
 *
 * "Nothing lost", as precisely as two brokers that share nothing allow:
 * - outgoing: every message the client published completes (on_publish), and every one a did
 *   not accept (no PUBACK / PUBREC from a: in flight or queued when a died, or published while
 *   no broker was up) reaches b's subscriber: QoS 2 exactly once, QoS 1 at least once. (A QoS 2
 *   message a had PUBREC'd was a's to deliver: its PUBREL completes on b.)
 * - incoming: every message the publisher had accepted by b, published after the client's
 *   SUBACK from b, reaches the client from b: QoS 2 exactly once, QoS 1 at least once. (The
 *   same number may also have come from a, before it died: a message a took without its
 *   PUBREC reaching the publisher goes again, to b.)
 */
import { performance } from 'node:perf_hooks';
import { Client, ClientOptions, MQTTMessage, MQTTv311, MQTTv5 } from '../../lib';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { sleep, waitFor } from '../support/wait';

jest.setTimeout(60_000);

/** The port of the broker that accepted (PUBACK / PUBREC) each mid, from the client's packet log. */
function acceptedBy(c: Client): Map<number, number> {
  const by = new Map<number, number>();
  c.on_log = (client, _u, _level, buf) => {
    const m = /^Received (PUBACK|PUBREC) \(Mid: (\d+)\)/.exec(buf);
    if (m !== null && !by.has(Number(m[2]))) by.set(Number(m[2]), client.port);
  };
  return by;
}

/** How many times each payload arrived, per QoS topic. */
function tally(messages: MQTTMessage[], topic: string): Map<string, number> {
  const t = new Map<string, number>();
  for (const m of messages) if (m.topic === topic) t.set(m.payload.toString(), (t.get(m.payload.toString()) ?? 0) + 1);
  return t;
}

interface Sent {
  n: number;
  qos: 1 | 2;
  mid: number;
  at: number;
}

describeWithMosquitto('failover between two mosquitto brokers [mosquitto]', () => {
  let a: MosquittoBroker;
  let b: MosquittoBroker;
  const clients: Client[] = [];

  beforeEach(async () => {
    [a, b] = await Promise.all([startMosquitto(), startMosquitto()]);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) {
      c.disconnect();
      await c.loopStop();
    }
    await Promise.all([a.stop(), b.stop()]);
  });

  test.each([
    ['MQTT 3.1.1, clean_session false', MQTTv311],
    ['MQTT 5, Session Expiry', MQTTv5],
  ])('%s: the client moves to b and loses nothing published through b', async (_name, protocol) => {
    const v5 = protocol === MQTTv5;
    const servers = [`mqtt://127.0.0.1:${a.port}`, { host: '127.0.0.1', port: b.port }];
    const start = (c: Client): void => {
      c.reconnectDelaySet(1, 4);
      if (v5) c.connectAsync(undefined, 1883, 10, '', 0, false, { SessionExpiryInterval: 600 });
      else c.connectAsync(undefined, 1883, 10);
      c.loopStart();
      clients.push(c);
    };

    // The client under test.
    const sub = v5 ? new Client({ clientId: 'fo-sub', protocol, servers }) : new Client({ clientId: 'fo-sub', cleanSession: false, protocol, servers });
    const subAccepted = acceptedBy(sub);
    const received: MQTTMessage[] = [];
    const connects: Array<{ port: number; at: number }> = [];
    let subackFromB = Infinity;
    sub.on_connect = (c) => {
      connects.push({ port: c.port, at: performance.now() });
      c.subscribe([['fo/in/1', 1], ['fo/in/2', 2]]);
    };
    sub.on_subscribe = (c) => {
      if (c.port === b.port && subackFromB === Infinity) subackFromB = performance.now();
    };
    const receivedFromB: MQTTMessage[] = [];
    sub.on_message = (c, _u, m) => {
      received.push(m);
      if (c.port === b.port) receivedFromB.push(m);
    };
    const completed = new Set<number>();
    sub.on_publish = (_c, _u, mid) => completed.add(mid);

    // The publisher, with the same list; and b's observer of the client's own stream.
    const pub = v5 ? new Client({ clientId: 'fo-pub', protocol, servers }) : new Client({ clientId: 'fo-pub', cleanSession: false, protocol, servers });
    const pubAccepted = acceptedBy(pub);
    const observed: MQTTMessage[] = [];
    const observer = new Client({ clientId: 'fo-observer', protocol });
    observer.on_message = (_c, _u, m) => observed.push(m);
    await observer.connect('127.0.0.1', b.port, 10);
    observer.subscribe([['fo/out/1', 1], ['fo/out/2', 2]]);
    observer.loopStart();
    clients.push(observer);

    start(sub);
    start(pub);
    await waitFor(() => sub.isConnected() && pub.isConnected() && sub.port === a.port && pub.port === a.port, 10_000, 'both on a');
    await sleep(100); // the client's SUBSCRIBE answered

    // Both streams run; a dies in the middle of them (right after a burst, so messages are in flight).
    const subSent: Sent[] = [];
    const pubSent: Sent[] = [];
    let n = 0;
    const burst = (count: number): void => {
      for (let i = 0; i < count; i++, n++) {
        for (const qos of [1, 2] as const) {
          subSent.push({ n, qos, mid: sub.publish(`fo/out/${qos}`, String(n), qos).mid, at: performance.now() });
          pubSent.push({ n, qos, mid: pub.publish(`fo/in/${qos}`, String(n), qos).mid, at: performance.now() });
        }
      }
    };
    for (let i = 0; i < 10; i++) {
      burst(10);
      await sleep(10);
    }
    burst(100);
    const killedAt = performance.now();
    const aPid = a.pid;
    await a.kill9(); // SIGKILL to a's pid
    expect(() => process.kill(aPid, 0)).toThrow(); // gone
    for (let i = 0; i < 20; i++) {
      burst(10);
      await sleep(10);
    }
    await waitFor(() => sub.port === b.port && sub.isConnected() && subackFromB < Infinity, 10_000, 'the client on b, subscribed');
    for (let i = 0; i < 20; i++) {
      burst(10);
      await sleep(10);
    }
    await waitFor(() => subSent.every((s) => completed.has(s.mid)), 10_000, 'every message of the client completed');
    await waitFor(() => pubSent.every((s) => pubAccepted.has(s.mid)), 10_000, 'every message of the publisher accepted');
    await sleep(500); // the last deliveries

    // Outgoing: what a did not accept reached b's subscriber.
    const outQ1 = tally(observed, 'fo/out/1');
    const outQ2 = tally(observed, 'fo/out/2');
    const notOnA = subSent.filter((s) => subAccepted.get(s.mid) !== a.port);
    const inFlightAtKill = notOnA.filter((s) => s.at < killedAt);
    for (const s of notOnA) {
      const times = (s.qos === 1 ? outQ1 : outQ2).get(String(s.n)) ?? 0;
      if (s.qos === 2) expect([s.n, times]).toEqual([s.n, 1]);
      else expect([s.n, times >= 1]).toEqual([s.n, true]);
    }
    // Nothing a accepted reached b, and no QoS 2 message twice.
    for (const [payload, times] of outQ2) expect([payload, times]).toEqual([payload, 1]);

    // Incoming: what b accepted after the client's SUBACK from b reached the client.
    const inQ1 = tally(receivedFromB, 'fo/in/1');
    const inQ2 = tally(receivedFromB, 'fo/in/2');
    const dueFromB = pubSent.filter((s) => pubAccepted.get(s.mid) === b.port && s.at > subackFromB);
    expect(dueFromB.length).toBeGreaterThan(100);
    for (const s of dueFromB) {
      const times = (s.qos === 1 ? inQ1 : inQ2).get(String(s.n)) ?? 0;
      if (s.qos === 2) expect([s.n, times]).toEqual([s.n, 1]);
      else expect([s.n, times >= 1]).toEqual([s.n, true]);
    }
    for (const [payload, times] of inQ2) expect([payload, times]).toEqual([payload, 1]);

    const onB = connects.find((c) => c.port === b.port)!;
    expect(connects.map((c) => c.port)).toEqual([a.port, b.port]);
    // Figures for the record (the real clock).
    // eslint-disable-next-line no-console
    console.log([
      `failover ${_name}: kill -> on_connect on b ${(onB.at - killedAt).toFixed(1)} ms (real clock)`,
      `client published ${subSent.length} (QoS 1 and 2): ${subSent.length - notOnA.length} accepted by a, ${notOnA.length} delivered through b` +
        ` (${inFlightAtKill.length} of them published before the kill), b's subscriber got ${[...outQ1.values(), ...outQ2.values()].reduce((x, y) => x + y, 0)}`,
      `publisher published ${pubSent.length}: ${dueFromB.length} through b after the client's SUBACK, all received; client received ${received.length} in all`,
    ].join('\n'));
    expect(inFlightAtKill.length).toBeGreaterThan(0); // the kill did catch messages in flight
  });
});

describeWithMosquitto("each server's own transport and TLS, on real listeners [mosquitto]", () => {
  let broker: MosquittoBroker;
  const clients: Client[] = [];

  beforeAll(async () => {
    broker = await startMosquitto({ tls: true, websockets: true });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
  });

  afterAll(async () => {
    await broker.stop();
  });

  /** connect() with no host: the list; resolves with the host:port it reached and the TLS errors logged on the way. */
  async function reach(servers: ClientOptions['servers'], setup?: (c: Client) => void): Promise<{ reached: string; tlsErrors: number }> {
    const c = new Client({ clientId: 'fo-tls', servers });
    clients.push(c);
    let tlsErrors = 0;
    c.on_log = (_c, _u, _level, buf) => {
      if (buf.startsWith('TLS error')) tlsErrors++;
    };
    setup?.(c);
    await c.connect();
    for (let i = 0; i < 50 && !c.isConnected(); i++) await c.loop(0.1);
    expect(c.isConnected()).toBe(true);
    return { reached: `${c.host}:${c.port}`, tlsErrors };
  }

  test('mqtts:// without tlsSet() verifies against the system CAs: the test CA is refused, and the list moves on', async () => {
    const r = await reach([`mqtts://localhost:${broker.tlsPort}`, `mqtt://127.0.0.1:${broker.port}`]);
    expect(r).toEqual({ reached: `127.0.0.1:${broker.port}`, tlsErrors: 1 });
  });

  test("a server's own tls options (its CA) connect over TLS; tls: false stays plain even with tlsSet()", async () => {
    expect(await reach([{ host: 'localhost', port: broker.tlsPort, tls: { caCerts: broker.certs!.caFile } }]))
      .toEqual({ reached: `localhost:${broker.tlsPort}`, tlsErrors: 0 });
    expect(await reach([{ host: '127.0.0.1', port: broker.port, tls: false }], (c) => c.tlsSet({ caCerts: broker.certs!.caFile })))
      .toEqual({ reached: `127.0.0.1:${broker.port}`, tlsErrors: 0 });
  });

  test("mqtts:// and wss:// take tlsSet()'s CA; ws:// is WebSockets without TLS", async () => {
    const ca = (c: Client): void => c.tlsSet({ caCerts: broker.certs!.caFile });
    expect(await reach([`mqtts://localhost:${broker.tlsPort}`], ca)).toEqual({ reached: `localhost:${broker.tlsPort}`, tlsErrors: 0 });
    expect(await reach([`wss://localhost:${broker.wssPort}/mqtt`], ca)).toEqual({ reached: `localhost:${broker.wssPort}`, tlsErrors: 0 });
    expect(await reach([`ws://127.0.0.1:${broker.wsPort}/`])).toEqual({ reached: `127.0.0.1:${broker.wsPort}`, tlsErrors: 0 });
  });
});
