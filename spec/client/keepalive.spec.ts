/*
 * Keepalive on a real broker: with keepalive 1 s an idle client sends PINGREQ, gets PINGRESP,
 * and stays connected; a QoS 0 subscriber that only receives (never sends) must ping too,
 * since keepalive counts from the last packet *sent* (user-pain.md §7).
 */
import * as net from 'net';
import { performance } from 'perf_hooks';
import { Client, MQTT_ERR_CONN_LOST, MQTT_ERR_KEEPALIVE } from '../../lib';
import { describeWithMosquitto } from '../support/mosquitto';
import {
  BrokerKind, describeEachBroker, MOSQUITTO, startClient, TestBroker, useBroker, useClients, waitFor, within,
} from './support';
import { debugSizes } from '../support/clientInternals';

const WINDOW_MS = 3000;

/** Log lines and disconnects of one client. */
function watch(c: Client) {
  const lines: string[] = [];
  const disconnects: number[] = [];
  c.on_log = (_c: Client, _u: unknown, _level: number, buf: string) => lines.push(buf);
  c.on_disconnect = (_c: Client, _u: unknown, rc: number) => disconnects.push(rc);
  return {
    lines,
    disconnects,
    count: (text: string) => lines.filter((l) => l === text).length,
  };
}

describeEachBroker('keepalive', (kind: BrokerKind) => {
  const broker = useBroker(kind);
  const clients = useClients();

  test('keepalive 1 s: an idle client (loopStart), a manual loop() client and a receive-only QoS 0 subscriber all ping, and stay up for 3 s', async () => {
    const idle = clients.make();
    const idleLog = watch(idle);
    await startClient(idle, broker(), [], 1);

    const listener = clients.make();
    const listenerLog = watch(listener);
    let received = 0;
    listener.on_message = () => { received++; };
    await startClient(listener, broker(), [['ka/feed', 0]], 1);

    // A third client driven by hand: `while (run) await client.loop(1.0)` must ping too.
    const manual = clients.make();
    const manualLog = watch(manual);
    await manual.connect(broker().host, broker().port, 1);
    let run = true;
    const manualRcs: number[] = [];
    const driver = (async () => {
      while (run) manualRcs.push(await manual.loop(1.0));
    })();

    // A feed of QoS 0 messages every 100 ms: the listener receives all the time and sends nothing.
    const feeder = clients.make();
    await startClient(feeder, broker());
    const feed = setInterval(() => feeder.publish('ka/feed', 'tick', 0), 100);
    try {
      const t0 = performance.now();
      // The bounded wait the brief allows: the first PINGREQ/PINGRESP pair shows up within ~1 s.
      await waitFor(() => idleLog.count('Sending PINGREQ') >= 1 && idleLog.count('Received PINGRESP') >= 1, 2500,
        () => `PINGREQ/PINGRESP on the idle client (log: ${JSON.stringify(idleLog.lines.slice(-5))})`);
      // Then the connection must stay up for the whole window (keepalive 1 s: about 3 pings).
      await waitFor(() => performance.now() - t0 >= WINDOW_MS && idleLog.count('Received PINGRESP') >= 2
        && listenerLog.count('Received PINGRESP') >= 2, WINDOW_MS + 2500,
        () => `${WINDOW_MS} ms of pings (idle: ${idleLog.count('Received PINGRESP')} PINGRESP, ` +
          `listener: ${listenerLog.count('Sending PINGREQ')} PINGREQ, ${listenerLog.count('Received PINGRESP')} PINGRESP, ` +
          `disconnects ${JSON.stringify([...idleLog.disconnects, ...listenerLog.disconnects])})`);
    } finally {
      clearInterval(feed);
      run = false;
      await driver;
    }
    expect(manualLog.count('Sending PINGREQ')).toBeGreaterThanOrEqual(2);
    expect(manualLog.count('Received PINGRESP')).toBeGreaterThanOrEqual(2);
    expect(manualLog.disconnects).toEqual([]);
    expect(manualRcs.every((rc) => rc === 0)).toBe(true);
    expect(idleLog.disconnects).toEqual([]);
    expect(listenerLog.disconnects).toEqual([]);
    expect(idle.isConnected()).toBe(true);
    expect(listener.isConnected()).toBe(true);
    expect(received).toBeGreaterThan(10);
    // One PINGREQ per keepalive period, not a storm: at most ~1 per 1 s window (+1 for timing slack).
    const elapsedS = WINDOW_MS / 1000;
    expect(idleLog.count('Sending PINGREQ')).toBeLessThanOrEqual(Math.ceil(elapsedS) + 2);
    expect(listenerLog.count('Sending PINGREQ')).toBeGreaterThanOrEqual(2);
  }, 15000);
});

describeWithMosquitto('a frozen broker (SIGSTOP)', () => {
  const clients = useClients();
  let broker: TestBroker | undefined;
  let frozen = false;
  const freeze = (on: boolean) => {
    process.kill(broker!.mosquitto!.pid, on ? 'SIGSTOP' : 'SIGCONT');
    frozen = on;
  };
  beforeAll(async () => {
    broker = await MOSQUITTO.start();
  });
  afterEach(() => {
    if (frozen) freeze(false);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  test('no PINGRESP: the link is closed with MQTT_ERR_KEEPALIVE; no CONNACK: the attempt ends in bounded time (on_disconnect, MQTT_ERR_KEEPALIVE); then it recovers', async () => {
    const c = clients.make();
    c.reconnectDelaySet(0.1, 0.4);
    const log = watch(c);
    const connects: number[] = [];
    const fails: number[] = [];
    c.on('connect', () => connects.push(performance.now()));
    c.on('connect_fail', () => fails.push(performance.now()));
    await startClient(c, broker!, [], 1);

    const t0 = performance.now();
    freeze(true);
    // PINGREQ after 1 s of silence, then at most keepalive/2 more for PINGRESP (bound: 2 keepalives + slack).
    await waitFor(() => log.disconnects.length >= 1, 4000, () => `the keepalive to fail (log: ${JSON.stringify(log.lines.slice(-4))})`);
    const lostAfter = performance.now() - t0;
    expect(log.disconnects[0]).toBe(MQTT_ERR_KEEPALIVE);
    expect(lostAfter).toBeGreaterThanOrEqual(1000);
    expect(lostAfter).toBeLessThan(3000);
    expect(log.count('Sending PINGREQ')).toBeGreaterThanOrEqual(1);

    // The frozen broker's kernel still accepts TCP connections, but no CONNACK ever comes: each
    // attempt must be abandoned after the CONNACK deadline (= keepalive here, 1 s), reported as
    // paho does (the socket opened, so on_disconnect with MQTT_ERR_KEEPALIVE, not
    // on_connect_fail), and retried with backoff.
    await waitFor(() => log.disconnects.length >= 2, 4000,
      () => `an attempt ended while the broker is frozen (disconnects ${JSON.stringify(log.disconnects)}, ` +
        `log: ${JSON.stringify(log.lines.slice(-6))})`);
    expect(log.disconnects[1]).toBe(MQTT_ERR_KEEPALIVE);
    expect(fails).toEqual([]);
    expect(connects).toHaveLength(1);

    freeze(false);
    await waitFor(() => connects.length >= 2, 8000, 'the reconnection after the broker thaws');
    expect(c.isConnected()).toBe(true);
  }, 20000);

  test('clean session: a QoS 1/2 message sent but unacknowledged when the link dies stays pending and is sent again (DUP) after the reconnection, as paho', async () => {
    const c = clients.make({ cleanSession: true });
    c.reconnectDelaySet(0.1, 0.2);
    const lost: number[] = [];
    let connects = 0;
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => lost.push(rc);
    c.on('connect', () => { connects++; });
    const sent: string[] = [];
    c.on_log = (_c: Client, _u: unknown, _l: number, text: string) => { if (text.startsWith('Sending PUBLISH')) sent.push(text); };
    await startClient(c, broker!);
    freeze(true); // the broker reads nothing more, so nothing is acknowledged
    const q1 = c.publish('frozen/t', 'one', 1);
    const q2 = c.publish('frozen/t', 'two', 2);
    await waitFor(() => sent.length === 2, 2000, 'both PUBLISH packets written');
    const gone = waitFor(() => lost.length === 1, 2000, 'on_disconnect');
    (c.socket() as net.Socket).destroy();
    await gone;
    expect(lost).toEqual([MQTT_ERR_CONN_LOST]);
    for (const info of [q1, q2]) {
      expect(info.rc).toBe(0);
      expect(info.isPublished()).toBe(false);
    }
    expect(debugSizes(c).outgoing).toBe(2);
    freeze(false);
    await within(Promise.all([q1.waitForPublish(), q2.waitForPublish()]), 5000, 'both messages to be published after the reconnection');
    expect(connects).toBe(2);
    expect(sent.slice(2)).toEqual([
      `Sending PUBLISH (d1, q1, r0, m${q1.mid}), 'b'frozen/t'', ... (3 bytes)`,
      `Sending PUBLISH (d1, q2, r0, m${q2.mid}), 'b'frozen/t'', ... (3 bytes)`,
    ]);
    expect(debugSizes(c).outgoing).toBe(0);
  }, 10000);
});
