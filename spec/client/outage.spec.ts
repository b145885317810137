/*
 * A broker outage under the reconnecting drivers (mosquitto with persistence, kill -9, restart):
 * loopForever() and loopStart() reconnect with reconnectDelaySet(1, 4) backoff, and 1,000 QoS 2
 * messages published before, during and after the outage arrive exactly once.
 *
 * Timeline of each run:
 *   1. messages 0..299 published and fully delivered; the broker is then quiescent (see `settle`);
 *   2. kill -9; messages 300..699 published at once, so the first of them are written to a socket
 *      that is already dead (the client has not noticed yet): they must be resent (DUP) later;
 *   3. both clients notice, wait min_delay (1 s), fail to connect (on_connect_fail), and only then
 *      is the broker restarted: the next attempt comes after the doubled delay (2 s);
 *   4. after reconnecting, messages 700..999 are published; all 1,000 must arrive exactly once.
 * The broker is killed only while quiescent: mosquitto saves its db asynchronously (end of each
 * main-loop turn), so killing it mid-flow could lose or duplicate a message on the *broker* side,
 * which is not what this spec is about.
 *
 * Per transport (tcp, tls, ws, wss, unix; describeEachTransport) runs one short outage: the
 * connection comes back over the same transport, with the session, and QoS 2 messages
 * published before, during and after it arrive exactly once. The backoff timings, the 1,000
 * message runs, a broker down from the start and disconnect()/loopStop() during backoff are the
 * reconnecting drivers' business, not the transport's: they run over TCP only.
 */
import { performance } from 'perf_hooks';
import { Client, MQTT_ERR_CONN_LOST, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTTMessage, MQTTMessageInfo } from '../../lib';
import { describeWithMosquitto } from '../support/mosquitto';
import { describeEachTransport } from '../support/transports';
import { MOSQUITTO, SeqCounter, TestBroker, uid, useClients, waitFor, within } from './support';
import { debugSizes } from '../support/clientInternals';

const TOTAL = 1000;
const MIN_DELAY_S = 1;
const MAX_DELAY_S = 4;

/** Connection history of one client, with timestamps. */
function history(c: Client) {
  const h = {
    connects: [] as Array<{ at: number; sessionPresent: boolean; rc: number }>,
    disconnects: [] as Array<{ at: number; rc: number }>,
    fails: [] as number[],
  };
  c.on('connect', (flags, rc) => h.connects.push({ at: performance.now(), sessionPresent: flags.sessionPresent, rc: rc as number })); // MQTT 3.1.1, VERSION1: a number
  c.on('disconnect', (rc) => h.disconnects.push({ at: performance.now(), rc: rc as number }));
  c.on('connect_fail', () => h.fails.push(performance.now()));
  return h;
}

describeWithMosquitto('broker killed (kill -9) and restarted', () => {
  const clients = useClients();
  let broker: TestBroker | undefined;

  beforeEach(async () => {
    broker = await MOSQUITTO.start({ persistence: true });
  });
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  test.each(['loopForever', 'loopStart'] as const)(
    'under %s: reconnects with backoff and 1,000 QoS 2 messages arrive exactly once',
    async (mode) => {
      const b = broker!;
      const mosq = b.mosquitto!;
      const counter = new SeqCounter(TOTAL);

      const sub = clients.make({ clientId: uid('osub'), cleanSession: false });
      sub.reconnectDelaySet(MIN_DELAY_S, MAX_DELAY_S);
      let subscribed = 0;
      sub.on_connect = (c: Client) => { c.subscribe('outage/data', 2); };
      sub.on_subscribe = () => { subscribed++; };
      sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
        if (m.topic === 'outage/data') counter.add(m.payload);
      };
      const subH = history(sub);

      const pub = clients.make({ clientId: uid('opub'), cleanSession: false });
      pub.reconnectDelaySet(MIN_DELAY_S, MAX_DELAY_S);
      const pubH = history(pub);

      const forevers: Promise<number>[] = [];
      const drive = async (c: Client) => {
        expect(await c.connect(b.host, b.port, 60)).toBe(MQTT_ERR_SUCCESS);
        if (mode === 'loopStart') expect(c.loopStart()).toBe(MQTT_ERR_SUCCESS);
        else forevers.push(clients.forever(c));
      };
      await drive(sub);
      await waitFor(() => subscribed === 1, 5000, 'the first SUBACK');
      await drive(pub);
      await waitFor(() => pubH.connects.length === 1, 5000, 'the publisher connected');

      const infos: MQTTMessageInfo[] = [];
      const publishRange = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const info = pub.publish('outage/data', String(i), 2);
          expect(info.rc).toBe(MQTT_ERR_SUCCESS);
          infos.push(info);
        }
      };
      /** Every publish so far acknowledged and delivered, and the broker has read all the subscriber sent. */
      const settle = async (n: number) => {
        await within(Promise.all(infos.map((i) => i.waitForPublish())), 20000, `PUBCOMP for the first ${n} messages`);
        await waitFor(() => counter.distinct >= n, 20000, () => `delivery of the first ${n}: ${counter.describe()}`);
        await waitFor(() => debugSizes(sub).incomingQos2 === 0, 5000, 'the subscriber QoS 2 state to drain');
        // A QoS 1 round trip on the subscriber's own connection: its PUBACK means mosquitto has
        // processed every packet the subscriber sent before (its PUBRECs and PUBCOMPs).
        await within(sub.publish('outage/sync', 's', 1).waitForPublish(), 5000, 'the sync round trip');
      };

      // 1. before the outage
      publishRange(0, 300);
      await settle(300);

      // 2. the outage: publish at once, before the clients have noticed
      await mosq.kill9();
      publishRange(300, 700);

      // 3. both notice, wait min_delay, fail once; then the broker comes back
      await waitFor(() => subH.disconnects.length === 1 && pubH.disconnects.length === 1, 5000,
        'on_disconnect on both clients');
      expect(subH.disconnects[0].rc).not.toBe(0);
      expect(pubH.disconnects[0].rc).not.toBe(0);
      expect(sub.isConnected()).toBe(false);
      expect(pub.isConnected()).toBe(false);
      await waitFor(() => subH.fails.length >= 1 && pubH.fails.length >= 1, 5000,
        () => `a failed reconnect attempt on both (sub ${subH.fails.length}, pub ${pubH.fails.length})`);
      await mosq.restart();
      await waitFor(() => subH.connects.length === 2 && pubH.connects.length === 2, 15000,
        () => `both clients back (sub ${subH.connects.length}, pub ${pubH.connects.length} connects; ` +
          `fails sub ${subH.fails.length}, pub ${pubH.fails.length})`);

      for (const [name, h] of [['subscriber', subH], ['publisher', pubH]] as const) {
        const lost = h.disconnects[0].at;
        const back = h.connects[1];
        const delayMs = back.at - lost;
        const firstFail = h.fails[0];
        // min_delay before the first attempt, then the doubled delay after the failure.
        expect({ name, delayMs: delayMs >= MIN_DELAY_S * 1000 }).toEqual({ name, delayMs: true });
        expect({ name, firstAttemptMs: firstFail - lost >= MIN_DELAY_S * 1000 }).toEqual({ name, firstAttemptMs: true });
        expect({ name, doubledMs: back.at - firstFail >= 2 * MIN_DELAY_S * 1000 }).toEqual({ name, doubledMs: true });
        // Generous: 1 + 2 + 4 + 4 s of backoff plus the restart.
        expect({ name, delayMs: delayMs <= 14000 }).toEqual({ name, delayMs: true });
        expect(back.rc).toBe(0);
        expect(back.sessionPresent).toBe(true); // persistence kept both sessions
      }

      // 4. after the outage
      await waitFor(() => subscribed === 2, 5000, 'the resubscription in on_connect');
      publishRange(700, TOTAL);
      await settle(TOTAL);

      expect(counter.missing()).toEqual([]);
      expect(counter.duplicates()).toEqual([]);
      expect(counter.total).toBe(TOTAL);
      expect(infos.every((i) => i.isPublished())).toBe(true);
      const sizes = debugSizes(pub);
      expect({ outgoing: sizes.outgoing, inflight: sizes.inflight }).toEqual({ outgoing: 0, inflight: 0 });
      expect(subH.connects).toHaveLength(2);
      expect(pubH.connects).toHaveLength(2);

      // disconnect() ends it: loopForever() resolves MQTT_ERR_CONN_LOST (paho's loop_forever), on_disconnect gets rc 0.
      expect(sub.disconnect()).toBe(MQTT_ERR_SUCCESS);
      expect(pub.disconnect()).toBe(MQTT_ERR_SUCCESS);
      if (mode === 'loopForever') {
        expect(await within(Promise.all(forevers), 5000, 'loopForever() to resolve after disconnect()')).toEqual([MQTT_ERR_CONN_LOST, MQTT_ERR_CONN_LOST]);
      }
      await waitFor(() => subH.disconnects.length === 2 && pubH.disconnects.length === 2, 5000, 'the final on_disconnect');
      expect([subH.disconnects[1].rc, pubH.disconnects[1].rc]).toEqual([0, 0]);
    },
    40000,
  );

  test('backoff doubles up to max_delay, resets after CONNACK, and every publish handle settles (loopStart)', async () => {
    const b = broker!;
    const mosq = b.mosquitto!;
    const c = clients.make({ cleanSession: true });
    c.reconnectDelaySet(0.05, 0.2);
    // The waits log nothing (as paho's): each attempt is seen starting (on_pre_connect). The exact
    // delays are checked on a fake clock (connectionLog.spec.ts); here, that none comes early.
    const attempts: number[] = [];
    c.on('pre_connect', () => attempts.push(performance.now()));
    const delays = [0.05, 0.1, 0.2, 0.2, 0.2];
    const h = history(c);
    await c.connect(b.host, b.port, 60);
    c.loopStart();
    await waitFor(() => h.connects.length === 1, 5000, 'connected');

    await mosq.kill9();
    // Published the moment the broker died: whether each one was already written to the dead
    // socket or still queued, it is sent (again) after reconnecting, clean session or not, as paho.
    const infos = Array.from({ length: 5 }, (_, i) => c.publish('backoff/t', String(i), 1));
    await waitFor(() => h.fails.length >= 5, 5000, () => `5 failed attempts (${h.fails.length} so far)`);
    // Attempt k+1 comes at least delays[k+1] after failure k (1 ms of timer-clock rounding allowed).
    for (let k = 1; k < 5; k++) {
      expect({ k, gapOk: h.fails[k] - h.fails[k - 1] >= delays[k] * 1000 - 1 }).toEqual({ k, gapOk: true });
    }
    expect(h.fails[0] - h.disconnects[0].at).toBeGreaterThanOrEqual(50 - 1);

    await mosq.restart();
    await waitFor(() => h.connects.length === 2, 5000, 'reconnected');
    const outcomes = await within(Promise.allSettled(infos.map((i) => i.waitForPublish())), 5000,
      'every publish handle to settle');
    outcomes.forEach((o, i) => {
      expect({ i, status: o.status }).toEqual({ i, status: 'fulfilled' });
      expect(infos[i].isPublished()).toBe(true);
    });

    // A second outage starts again from min_delay: its first attempt comes 50 ms after the loss,
    // well before the 200 ms a backoff that was not reset would wait.
    const before = attempts.length;
    const lostBefore = h.disconnects.length;
    await mosq.kill9();
    await waitFor(() => attempts.length > before && h.disconnects.length > lostBefore, 5000, 'the first attempt of the second outage');
    const firstWait = attempts[before] - h.disconnects[lostBefore].at;
    expect(firstWait).toBeGreaterThanOrEqual(50 - 1);
    expect(firstWait).toBeLessThan(200 - 1);
    await mosq.restart();
    await waitFor(() => h.connects.length === 3, 5000, 'reconnected again');
  }, 20000);

  test('with the broker down: connect() rejects; loopForever(retryFirstConnection) and loopStart+connectAsync keep trying until it is up', async () => {
    const b = broker!;
    const mosq = b.mosquitto!;
    await mosq.kill9();

    const plain = clients.make();
    await expect(plain.connect(b.host, b.port, 60)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(plain.socket()).toBeNull();
    expect(debugSizes(plain).timers).toBe(0);

    // loopForever without retryFirstConnection: the first failure rejects it.
    const strict = clients.make();
    strict.connectAsync(b.host, b.port, 60);
    await expect(within(strict.loopForever(), 5000, 'loopForever() to reject')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(debugSizes(strict).timers).toBe(0);

    const f = clients.make();
    f.reconnectDelaySet(0.1, 0.2);
    const fh = history(f);
    f.connectAsync(b.host, b.port, 60);
    const forever = clients.forever(f, 1.0, true);
    const s = clients.make();
    s.reconnectDelaySet(0.1, 0.2);
    const sh = history(s);
    s.connectAsync(b.host, b.port, 60);
    expect(s.loopStart()).toBe(MQTT_ERR_SUCCESS);
    await waitFor(() => fh.fails.length >= 2 && sh.fails.length >= 2, 5000,
      () => `repeated failed attempts (loopForever ${fh.fails.length}, loopStart ${sh.fails.length})`);

    await mosq.restart();
    await waitFor(() => fh.connects.length === 1 && sh.connects.length === 1, 5000, 'both connected once the broker is up');
    expect(f.isConnected()).toBe(true);
    expect(s.isConnected()).toBe(true);
    f.disconnect();
    expect(await within(forever, 5000, 'loopForever() to resolve')).toBe(MQTT_ERR_CONN_LOST);
  }, 15000);

  test('disconnect() during the outage ends loopForever() at once; loopStop() during backoff leaves no timer', async () => {
    const b = broker!;
    const mosq = b.mosquitto!;
    const f = clients.make();
    f.reconnectDelaySet(MIN_DELAY_S, MAX_DELAY_S);
    const fh = history(f);
    await f.connect(b.host, b.port, 60);
    const forever = clients.forever(f);
    const s = clients.make();
    s.reconnectDelaySet(MIN_DELAY_S, MAX_DELAY_S);
    const sh = history(s);
    await s.connect(b.host, b.port, 60);
    s.loopStart();
    await waitFor(() => fh.connects.length === 1 && sh.connects.length === 1, 5000, 'both connected');

    await mosq.kill9();
    await waitFor(() => fh.disconnects.length === 1 && sh.disconnects.length === 1, 5000, 'both lost');
    // Both now wait out the 1 s backoff.
    expect(debugSizes(f).timers).toBe(1);
    expect(debugSizes(s).timers).toBe(1);

    const t = performance.now();
    expect(f.disconnect()).toBe(MQTT_ERR_NO_CONN);
    expect(await within(forever, 500, 'loopForever() to resolve after disconnect() during backoff')).toBe(MQTT_ERR_CONN_LOST);
    expect(performance.now() - t).toBeLessThan(500);
    expect(debugSizes(f).timers).toBe(0);

    expect(await s.loopStop()).toBe(MQTT_ERR_SUCCESS);
    expect(debugSizes(s).timers).toBe(0);
    expect(fh.fails).toEqual([]);
    expect(sh.fails).toEqual([]);
  }, 10000);
});

describeEachTransport('broker killed (kill -9) and restarted', (t) => {
  const clients = useClients();
  const N = 60;

  test(`reconnects over the same transport with its session; QoS 2 messages published before, during and after arrive exactly once`, async () => {
    const counter = new SeqCounter(N);
    const topic = `outage/${t.name}`;
    const sub = t.make(clients, { clientId: uid('tsub'), cleanSession: false });
    sub.reconnectDelaySet(0.05, 0.2);
    let subscribed = 0;
    sub.on_connect = (c: Client) => { c.subscribe(topic, 2); };
    sub.on_subscribe = () => { subscribed++; };
    sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
      if (m.topic === topic) counter.add(m.payload);
    };
    const subH = history(sub);
    const pub = t.make(clients, { clientId: uid('tpub'), cleanSession: false });
    pub.reconnectDelaySet(0.05, 0.2);
    const pubH = history(pub);

    for (const c of [sub, pub]) {
      expect(await c.connect(t.host(), t.port, 60)).toBe(MQTT_ERR_SUCCESS);
      expect(c.loopStart()).toBe(MQTT_ERR_SUCCESS);
    }
    await waitFor(() => subscribed === 1 && pubH.connects.length === 1, 5000, 'the first SUBACK and the publisher connected');

    const infos: MQTTMessageInfo[] = [];
    const publishRange = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const info = pub.publish(topic, String(i), 2);
        expect(info.rc).toBe(MQTT_ERR_SUCCESS);
        infos.push(info);
      }
    };
    /** As in the suite above: everything delivered, and the broker has read all the subscriber sent. */
    const settle = async (n: number) => {
      await within(Promise.all(infos.map((i) => i.waitForPublish())), 10000, `PUBCOMP for the first ${n} messages`);
      await waitFor(() => counter.distinct >= n, 10000, () => `delivery of the first ${n}: ${counter.describe()}`);
      await waitFor(() => debugSizes(sub).incomingQos2 === 0, 5000, 'the subscriber QoS 2 state to drain');
      await within(sub.publish('outage/sync', 's', 1).waitForPublish(), 5000, 'the sync round trip');
    };

    publishRange(0, N / 3);
    await settle(N / 3);
    await t.mosquitto.kill9();
    publishRange(N / 3, (2 * N) / 3);
    await waitFor(() => subH.disconnects.length === 1 && pubH.disconnects.length === 1, 5000, 'on_disconnect on both clients');
    expect([subH.disconnects[0].rc, pubH.disconnects[0].rc]).not.toContain(0);
    await t.mosquitto.restart();
    await waitFor(() => subH.connects.length === 2 && pubH.connects.length === 2, 10000,
      () => `both clients back (sub ${subH.connects.length}, pub ${pubH.connects.length} connects)`);
    expect([subH.connects[1], pubH.connects[1]].map((c) => [c.rc, c.sessionPresent])).toEqual([[0, true], [0, true]]);

    await waitFor(() => subscribed === 2, 5000, 'the resubscription in on_connect');
    publishRange((2 * N) / 3, N);
    await settle(N);
    expect(counter.missing()).toEqual([]);
    expect(counter.duplicates()).toEqual([]);
    expect(counter.total).toBe(N);
    expect(infos.every((i) => i.isPublished())).toBe(true);
  }, 30000);
}, { broker: { persistence: true } });
