/*
 * Flow control against mosquitto: a slow async subscriber gets every QoS 1 message of a fast
 * publisher with bounded buffers and no keepalive trouble; manual ack (paho 2.x) with a
 * persistent session: an unacknowledged QoS 1 message comes back after a reconnect, an
 * acknowledged one does not; a QoS 2 one is delivered once (at PUBREL) and its held PUBCOMP
 * answers the broker's resent PUBREL after ack().
 */
import * as net from 'net';
import { Client, MQTT_ERR_SUCCESS, MQTTMessage } from '../../lib';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { deferred, sleep } from '../support/wait';
import { sessionOf } from '../support/clientInternals';
import {
  BrokerKind, describeEachBroker, MOSQUITTO, nextEvent, startClient, subscribeAndWait, uid, useBroker, useClients, waitFor,
} from './support';

describeEachBroker('flow control', (_kind: BrokerKind) => {
  // Unlimited broker-side queue, so the publisher's burst waits at the broker rather than being dropped there.
  const broker = useBroker(MOSQUITTO, { extraConfig: 'max_queued_messages 0\n' });
  const clients = useClients();

  test('a slow async subscriber receives 3,000 QoS 1 messages from a fast publisher: all, in order, bounded, no disconnect', async () => {
    const N = 3000;
    const sub = clients.make();
    sub.maxIncomingSet(50);
    const topic = `flow/${uid('slow')}`;
    const disconnects: number[] = [];
    sub.on_disconnect = (_c: Client, _u: unknown, rc: number) => disconnects.push(rc);
    let next = 0;
    let outOfOrder = 0;
    let maxWaiting = 0;
    let maxHeld = 0;
    sub.on_message = async (_c: Client, _u: unknown, m: MQTTMessage) => {
      if (Number(m.payload.toString().trimEnd()) !== next) outOfOrder++;
      next++;
      maxWaiting = Math.max(maxWaiting, sub.incomingMessages);
      maxHeld = Math.max(maxHeld, sessionOf(sub).heldAcks.size);
      await sleep(1); // slow: about 3-4 s for the whole run, several keepalive periods
    };
    await startClient(sub, broker(), [[topic, 1]], 1);
    const pub = clients.make();
    await startClient(pub, broker());
    const started = Date.now();
    // 1 KB payloads: one socket read (at most 64 KiB) holds about 64 messages.
    const infos = Array.from({ length: N }, (_, i) => pub.publish(topic, String(i).padEnd(1000), 1));
    await waitFor(() => next === N, 30_000, () => `all ${N} messages (have ${next})`);
    expect(infos.every((i) => i.rc === MQTT_ERR_SUCCESS)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(2000); // slow enough to span keepalive periods
    expect(outOfOrder).toBe(0);
    expect(disconnects).toEqual([]);
    expect(sub.isConnected()).toBe(true);
    // Bounded: reading stops at 50 waiting messages, plus what the last socket read held; acks
    // are held only for messages not yet handled.
    expect(maxWaiting).toBeLessThanOrEqual(50 + 70);
    expect(maxHeld).toBeLessThanOrEqual(maxWaiting + 2);
  }, 40_000);

  test.each([1])('manual ack, QoS %d, persistent session: not acked -> redelivered after a reconnect; acked -> not', async (qos) => {
    const topic = `flow/${uid('ack')}`;
    const sub = clients.make({ clientId: uid('mack'), cleanSession: false });
    sub.manualAckSet(true);
    sub.reconnectDelaySet(0.05, 0.1);
    const got: MQTTMessage[] = [];
    sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m); };
    await startClient(sub, broker(), [[topic, qos]]);
    const pub = clients.make();
    await startClient(pub, broker());
    await pub.publish(topic, 'once', qos).waitForPublish(5);
    await waitFor(() => got.length === 1, 5000, 'the first delivery');
    expect(got[0].dup).toBe(false);

    // Not acknowledged: drop the connection; the broker sends it again on the resumed session.
    const back = nextEvent(sub, 'connect', 5000);
    (sub.socket() as net.Socket).destroy();
    const [flags] = (await back) as [{ sessionPresent: boolean }];
    expect(flags.sessionPresent).toBe(true);
    await waitFor(() => got.length === 2, 5000, 'the redelivery after the reconnect');
    expect(got[1].payload.toString()).toBe('once');
    expect(got[1].dup).toBe(true);

    // Acknowledged now; a round trip makes sure the broker has it (and, QoS 2, PUBREL/PUBCOMP are done).
    expect(sub.ack(got[1].mid, qos)).toBe(MQTT_ERR_SUCCESS);
    await subscribeAndWait(sub, [[`${topic}/sync`, 0]]);
    const back2 = nextEvent(sub, 'connect', 5000);
    (sub.socket() as net.Socket).destroy();
    await back2;
    await subscribeAndWait(sub, [[`${topic}/sync2`, 0]]);
    await pub.publish(topic, 'sentinel', qos).waitForPublish(5);
    await waitFor(() => got.length === 3, 5000, 'the sentinel');
    expect(got.map((m) => m.payload.toString())).toEqual(['once', 'once', 'sentinel']);
    sub.ack(got[2].mid, qos);
  });

  test('manual ack, QoS 2, persistent session (paho 2.x): delivered once at PUBREL; not acked -> the broker resends only PUBREL, unanswered; ack() after the reconnect sends the PUBCOMP', async () => {
    const topic = `flow/${uid('ack2')}`;
    const sub = clients.make({ clientId: uid('mack2'), cleanSession: false });
    sub.manualAckSet(true);
    sub.reconnectDelaySet(0.05, 0.1);
    const got: MQTTMessage[] = [];
    const pubrels: number[] = [];
    sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m); };
    sub.on_log = (_c: Client, _u: unknown, _level: number, text: string) => {
      const m = /^Received PUBREL \(Mid: (\d+)\)/.exec(text);
      if (m !== null) pubrels.push(Number(m[1]));
    };
    await startClient(sub, broker(), [[topic, 2]]);
    const pub = clients.make();
    await startClient(pub, broker());
    await pub.publish(topic, 'once', 2).waitForPublish(5);
    await waitFor(() => got.length === 1, 5000, 'the delivery at PUBREL');
    const mid = got[0].mid;
    expect(pubrels).toEqual([mid]);

    // Not acknowledged: the broker has released it and resends only the PUBREL; no second delivery, no PUBCOMP yet.
    const back = nextEvent(sub, 'connect', 5000);
    (sub.socket() as net.Socket).destroy();
    const [flags] = (await back) as [{ sessionPresent: boolean }];
    expect(flags.sessionPresent).toBe(true);
    await waitFor(() => pubrels.length === 2, 5000, 'the resent PUBREL');
    expect(pubrels).toEqual([mid, mid]);
    await subscribeAndWait(sub, [[`${topic}/sync`, 0]]);
    expect(got).toHaveLength(1);

    // Acknowledged on the new connection: PUBCOMP; the broker's flow is done, so the next resume resends nothing.
    expect(sub.ack(mid, 2)).toBe(MQTT_ERR_SUCCESS);
    await subscribeAndWait(sub, [[`${topic}/sync2`, 0]]);
    const back2 = nextEvent(sub, 'connect', 5000);
    (sub.socket() as net.Socket).destroy();
    await back2;
    await subscribeAndWait(sub, [[`${topic}/sync3`, 0]]);
    await pub.publish(topic, 'sentinel', 2).waitForPublish(5);
    await waitFor(() => got.length === 2, 5000, 'the sentinel');
    expect(got.map((m) => m.payload.toString())).toEqual(['once', 'sentinel']);
    expect(pubrels.filter((m) => m === mid).length).toBe(got[1].mid === mid ? 3 : 2);
    sub.ack(got[1].mid, 2);
  });
}, [MOSQUITTO]);

describeWithMosquitto('reading paused and resumed on every transport [mosquitto]', () => {
  let broker: MosquittoBroker;
  const clients = useClients();
  beforeAll(async () => {
    broker = await startMosquitto({ tls: true, websockets: true });
  });
  afterAll(async () => broker?.stop());

  const TRANSPORTS: Array<[string, (c: Client) => number, Partial<ConstructorParameters<typeof Client>[0] & object>]> = [
    ['tcp', () => broker.port, {}],
    ['tls', (c) => { c.tlsSet({ caCerts: broker.certs!.caFile }); return broker.tlsPort!; }, {}],
    ['websockets', () => broker.wsPort!, { transport: 'websockets' }],
    ['websockets + tls', (c) => { c.tlsSet({ caCerts: broker.certs!.caFile }); return broker.wssPort!; }, { transport: 'websockets' }],
  ];

  test.each(TRANSPORTS)('%s: a stuck handler pauses the socket; when it settles reading resumes and everything arrives in order', async (_name, setup, opts) => {
    const sub = clients.make(opts);
    const port = setup(sub);
    sub.maxIncomingSet(5);
    sub.readBatchingSet(0); // this dense QoS 0 stream would also pause reading briefly (read batching): not what this checks
    const topic = `pause/${uid('t')}`;
    const got: string[] = [];
    const gate = deferred();
    sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
      got.push(m.payload.toString().trimEnd());
      return got.length === 1 ? gate.promise : undefined;
    };
    await startClient(sub, { kind: 'mosquitto', host: '127.0.0.1', port, stop: async () => undefined }, [[topic, 0]]);
    const pub = clients.make();
    await startClient(pub, { kind: 'mosquitto', host: '127.0.0.1', port: broker.port, stop: async () => undefined });
    const N = 300;
    for (let i = 0; i < N; i++) pub.publish(topic, String(i).padEnd(1000), 0);
    await waitFor(() => sub.readingPaused, 5000, 'reading to pause');
    const sock = sub.socket() as net.Socket;
    expect(sock.isPaused()).toBe(true); // the transport paused the real socket
    expect(got).toEqual(['0']);
    gate.resolve();
    await waitFor(() => got.length === N, 10_000, () => `all ${N} messages (have ${got.length})`);
    expect(got).toEqual(Array.from({ length: N }, (_, i) => String(i)));
    expect(sub.readingPaused).toBe(false);
    expect(sock.isPaused()).toBe(false);
  });
});
