/*
 * Callbacks and the pump: throwing callbacks do not stop the loop (and reject loopForever()/loop()
 * with suppressExceptions = false), publishing and awaiting inside on_message, per-topic
 * callbacks, publishing before connect, and a manual `while (run) await client.loop()` driver.
 */
import {
  Client, MQTT_ERR_CONN_LOST, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTT_LOG_ERR, MQTTMessage, MQTTMessageInfo, PublishError,
} from '../../lib';
import {
  BrokerKind, collect, describeEachBroker, nextEvent, SeqCounter, startClient, useBroker, useClients, waitFor, within,
} from './support';

describeEachBroker('callbacks', (kind: BrokerKind) => {
  const broker = useBroker(kind);
  const clients = useClients();
  const qosLevels = kind.qos2 ? [1, 2] : [1];

  async function publisher(): Promise<Client> {
    const pub = clients.make();
    await startClient(pub, broker());
    return pub;
  }

  test.each(qosLevels)("20 on_message calls that throw (QoS %i) do not stop the loop; each is logged at MQTT_LOG_ERR as paho's line, and emitted as 'error' with its stack", async (qos) => {
    const sub = clients.make();
    const errLines: string[] = [];
    sub.on_log = (_c: Client, _u: unknown, level: number, buf: string) => {
      if (level === MQTT_LOG_ERR) errLines.push(buf);
    };
    const errors: unknown[] = [];
    sub.on('error', (e: unknown) => errors.push(e));
    const calls: number[] = [];
    const handled: number[] = [];
    sub.on_message = function throwingHandler(_c: Client, _u: unknown, m: MQTTMessage) {
      const seq = Number(m.payload.toString());
      calls.push(seq);
      if (seq < 20) throw new Error(`handler failed on ${seq}`);
      handled.push(seq);
    };
    await startClient(sub, broker(), [['throw/t', qos]]);
    const pub = await publisher();
    const infos: MQTTMessageInfo[] = [];
    for (let i = 0; i < 30; i++) infos.push(pub.publish('throw/t', String(i), qos));
    await Promise.all(infos.map((i) => i.waitForPublish()));
    await waitFor(() => handled.length === 10, 5000, () => `messages after the throwing ones (calls ${JSON.stringify(calls)})`);

    expect(calls).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(handled).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    const failures = errLines.filter((l) => l.includes('handler failed on'));
    expect(failures).toHaveLength(20);
    // paho's line exactly ('Caught exception in %s: %s' with str(err)): the message, no stack.
    expect(failures).toEqual(Array.from({ length: 20 }, (_, i) => `Caught exception in on_message: handler failed on ${i}`));
    // The stack is not lost: the Error itself goes to the 'error' event.
    expect(errors).toHaveLength(20);
    errors.forEach((e, i) => {
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).message).toBe(`handler failed on ${i}`);
      expect((e as Error).stack).toMatch(/\n\s+at throwingHandler /);
    });
    expect(sub.isConnected()).toBe(true);
    // The throwing messages were acknowledged: a new message still flows (the broker's window is not stuck).
    await pub.publish('throw/t', '99', qos).waitForPublish();
    await waitFor(() => handled.includes(99), 5000, 'a message after all that');
  });

  test("a throwing messageCallbackAdd handler, 'message' listener or on_connect does not stop the loop either", async () => {
    const sub = clients.make();
    const errLines: string[] = [];
    sub.on_log = (_c: Client, _u: unknown, level: number, buf: string) => {
      if (level === MQTT_LOG_ERR) errLines.push(buf);
    };
    sub.on_connect = () => { throw new Error('on_connect failed'); };
    sub.messageCallbackAdd('throw2/cb', () => { throw new Error('filtered callback failed'); });
    sub.on('message', (m: MQTTMessage) => { if (m.topic === 'throw2/ev') throw new Error('listener failed'); });
    const ok: string[] = [];
    sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => ok.push(m.topic);
    await startClient(sub, broker(), [['throw2/#', 1]]);
    const pub = await publisher();
    await pub.publish('throw2/cb', 'x', 1).waitForPublish();
    await pub.publish('throw2/ev', 'x', 1).waitForPublish();
    await pub.publish('throw2/ok', 'x', 1).waitForPublish();
    await waitFor(() => ok.includes('throw2/ok'), 5000, 'the last message');
    expect(errLines.some((l) => l.includes('on_connect failed'))).toBe(true);
    expect(errLines.some((l) => l.includes('filtered callback failed'))).toBe(true);
    expect(errLines.some((l) => l.includes('listener failed'))).toBe(true);
    expect(sub.isConnected()).toBe(true);
  });

  test('an async on_message that rejects is logged at MQTT_LOG_ERR (no unhandled rejection)', async () => {
    const sub = clients.make();
    const errLines: string[] = [];
    sub.on_log = (_c: Client, _u: unknown, level: number, buf: string) => {
      if (level === MQTT_LOG_ERR) errLines.push(buf);
    };
    const seen: string[] = [];
    sub.on_message = async (_c: Client, _u: unknown, m: MQTTMessage) => {
      seen.push(m.payload.toString());
      await Promise.resolve();
      if (m.payload.toString() === 'bad') throw new Error('async handler failed');
    };
    await startClient(sub, broker(), [['async/t', 1]]);
    const pub = await publisher();
    await pub.publish('async/t', 'bad', 1).waitForPublish();
    await pub.publish('async/t', 'good', 1).waitForPublish();
    await waitFor(() => seen.length === 2 && errLines.some((l) => l.includes('async handler failed')), 5000,
      () => `both messages and the logged rejection (seen ${JSON.stringify(seen)}, errors ${errLines.length})`);
    expect(sub.isConnected()).toBe(true);
  });

  test('suppressExceptions = false: the loopForever() promise rejects with the callback error', async () => {
    const sub = clients.make();
    sub.suppressExceptions = false;
    const boom = new Error('strict handler failed');
    let subscribed = false;
    sub.on_connect = (c: Client) => { c.subscribe('strict/t', 1); };
    sub.on_subscribe = () => { subscribed = true; };
    sub.on_message = () => { throw boom; };
    await sub.connect(broker().host, broker().port, 60);
    const forever = clients.forever(sub);
    await waitFor(() => subscribed, 5000, 'SUBACK');
    const pub = await publisher();
    pub.publish('strict/t', 'x', 1);
    await expect(within(forever, 5000, 'loopForever() to settle')).rejects.toBe(boom);
  });

  test('suppressExceptions = false: a manual loop() rejects with the callback error', async () => {
    const sub = clients.make();
    sub.suppressExceptions = false;
    const boom = new Error('manual handler failed');
    let subscribed = false;
    sub.on_connect = (c: Client) => { c.subscribe('strict2/t', 1); };
    sub.on_subscribe = () => { subscribed = true; };
    sub.on_message = () => { throw boom; };
    await sub.connect(broker().host, broker().port, 60);
    while (!subscribed) expect(await sub.loop(0.5)).toBe(MQTT_ERR_SUCCESS);
    const pub = await publisher();
    pub.publish('strict2/t', 'x', 1);
    let error: unknown;
    for (let i = 0; i < 50 && error === undefined; i++) {
      try {
        await sub.loop(0.1);
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBe(boom);
  });

  describe.each(qosLevels)('publishing QoS %i inside on_message', (qos) => {
    test.each(['loopStart', 'loopForever', 'a manual loop()'])('and awaiting waitForPublish() there works under %s (no deadlock)', async (mode) => {
      const N = 20;
      const worker = clients.make();
      const done: number[] = [];
      const failures: unknown[] = [];
      worker.on_connect = (c: Client) => { c.subscribe('req/#', qos); };
      let subscribed = false;
      worker.on_subscribe = () => { subscribed = true; };
      worker.on_message = async (c: Client, _u: unknown, m: MQTTMessage) => {
        try {
          const info = c.publish(`reply/${m.payload.toString()}`, m.payload, qos);
          expect(info.rc).toBe(MQTT_ERR_SUCCESS);
          await info.waitForPublish();
          expect(info.isPublished()).toBe(true);
          done.push(Number(m.payload.toString()));
        } catch (e) {
          failures.push(e);
        }
      };
      await worker.connect(broker().host, broker().port, 60);
      let run = true;
      let driver: Promise<void> = Promise.resolve();
      if (mode === 'loopStart') worker.loopStart();
      else if (mode === 'loopForever') clients.forever(worker);
      else driver = (async () => { while (run) await worker.loop(0.05); })();
      try {
        await waitFor(() => subscribed, 5000, 'SUBACK');

        const requester = clients.make();
        const replies = new SeqCounter(N);
        requester.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => replies.add(m.payload);
        await startClient(requester, broker(), [['reply/#', qos]]);
        for (let i = 0; i < N; i++) requester.publish(`req/${i}`, String(i), qos);
        await waitFor(() => done.length === N || failures.length > 0, 10000,
          () => `every awaited publish inside on_message (${done.length}/${N} settled)`);
        expect(failures).toEqual([]);
        expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
        await waitFor(() => replies.distinct === N, 5000, () => `the replies: ${replies.describe()}`);
        expect(replies.duplicates()).toEqual([]);
      } finally {
        run = false;
        await driver;
      }
    });
  });

  test('messageCallbackAdd routes matching topics; on_message gets the rest', async () => {
    const c = clients.make();
    const a: string[] = [];
    const b: string[] = [];
    const rest: string[] = [];
    c.messageCallbackAdd('route/a/#', (cl: Client, userdata: unknown, m: MQTTMessage) => {
      expect(cl).toBe(c);
      expect(userdata).toBeNull();
      a.push(m.topic);
    });
    c.messageCallbackAdd('route/+/x', (_c: Client, _u: unknown, m: MQTTMessage) => b.push(m.topic));
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => rest.push(m.topic);
    await startClient(c, broker(), [['route/#', 1]]);
    const pub = await publisher();
    for (const t of ['route/a/1', 'route/b/x', 'route/a/x', 'route/c/1', 'route/a']) await pub.publish(t, 'x', 1).waitForPublish();
    await waitFor(() => rest.includes('route/c/1') && a.includes('route/a/x') && b.includes('route/a/x'), 5000,
      () => `routing (a ${JSON.stringify(a)}, b ${JSON.stringify(b)}, rest ${JSON.stringify(rest)})`);
    await waitFor(() => a.length + b.length + rest.length >= 6, 5000, 'the last routed message');
    expect(a.sort()).toEqual(['route/a', 'route/a/1', 'route/a/x']); // 'a/#' matches 'route/a' itself
    expect(b.sort()).toEqual(['route/a/x', 'route/b/x']);
    expect(rest).toEqual(['route/c/1']);

    c.messageCallbackRemove('route/a/#');
    await pub.publish('route/a/2', 'x', 1).waitForPublish();
    await waitFor(() => rest.includes('route/a/2'), 5000, 'route/a/2 on on_message after messageCallbackRemove');
    expect(a).toHaveLength(3);
  });

  describe.each(qosLevels)('QoS %i publishes made before connect', (qos) => {
    test('are queued and sent after connecting; QoS 0 before connect returns MQTT_ERR_NO_CONN', async () => {
      const topic = `pre/q${qos}`;
      const sub = clients.make();
      const got = collect(sub);
      await startClient(sub, broker(), [[topic, qos]]);

      const pub = clients.make();
      const published: number[] = [];
      pub.on_publish = (_c: Client, _u: unknown, mid: number) => published.push(mid);
      const infos: MQTTMessageInfo[] = [];
      for (let i = 0; i < 10; i++) infos.push(pub.publish(topic, `m${i}`, qos));
      for (const info of infos) {
        expect(info.rc).toBe(MQTT_ERR_SUCCESS);
        expect(info.mid).toBeGreaterThan(0);
        expect(info.isPublished()).toBe(false);
        const [rc, mid] = info;
        expect([rc, mid]).toEqual([info.rc, info.mid]);
      }
      expect(new Set(infos.map((i) => i.mid)).size).toBe(10);

      const zero = pub.publish(topic, 'zero', 0);
      expect(zero.rc).toBe(MQTT_ERR_NO_CONN);
      const [zrc] = zero;
      expect(zrc).toBe(MQTT_ERR_NO_CONN);
      await expect(zero.waitForPublish()).rejects.toBeInstanceOf(PublishError);
      await expect(zero.waitForPublish()).rejects.toMatchObject({ rc: MQTT_ERR_NO_CONN });
      expect(zero.isPublished()).toBe(false);

      await startClient(pub, broker());
      await within(Promise.all(infos.map((i) => i.waitForPublish())), 5000, 'the queued messages to be published');
      await waitFor(() => got.length === 10, 5000, () => `the queued messages at the subscriber (got ${got.length})`);
      expect(got.map((m) => m.payload.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
      expect(got.every((m) => m.qos === qos)).toBe(true);
      await waitFor(() => published.length === 10, 2000, 'on_publish for each');
      expect(published.sort((x, y) => x - y)).toEqual(infos.map((i) => i.mid).sort((x, y) => x - y));
    });
  });

  test('a manual `while (run) await client.loop()` driver connects, subscribes in on_connect and receives', async () => {
    const c = clients.make();
    let subscribed = false;
    c.on_connect = (cl: Client) => { cl.subscribe('manual/#', 1); };
    c.on_subscribe = () => { subscribed = true; };
    const got = collect(c);
    expect(await c.connect(broker().host, broker().port, 60)).toBe(MQTT_ERR_SUCCESS);
    let run = true;
    const rcs: number[] = [];
    const driver = (async () => {
      while (run) rcs.push(await c.loop(0.05));
    })();
    try {
      await waitFor(() => subscribed, 5000, 'SUBACK through loop()');
      const pub = await publisher();
      for (let i = 0; i < 20; i++) pub.publish('manual/t', `m${i}`, 1);
      await waitFor(() => got.length === 20, 5000, () => `20 messages through loop() (got ${got.length})`);
      expect(got.map((m) => m.payload.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
      // A QoS 1 publish from the manual loop's client completes too.
      const info = c.publish('manual/t', 'own', 1);
      await within(info.waitForPublish(), 5000, 'waitForPublish under the manual loop');
    } finally {
      run = false;
      await driver;
    }
    expect(rcs.every((rc) => rc === MQTT_ERR_SUCCESS)).toBe(true);
    // After disconnect(), as paho: the call that completes it returns MQTT_ERR_SUCCESS (with
    // on_disconnect rc 0), and every call after it MQTT_ERR_CONN_LOST rather than throwing.
    let disconnectRc: number | null = null;
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { disconnectRc = rc; };
    c.disconnect();
    let rc = MQTT_ERR_SUCCESS;
    for (let i = 0; i < 50 && disconnectRc === null; i++) rc = await c.loop(0.1);
    expect(disconnectRc).toBe(MQTT_ERR_SUCCESS);
    expect(rc).toBe(MQTT_ERR_SUCCESS);
    expect(await c.loop(0.01)).toBe(MQTT_ERR_CONN_LOST);
  });
});
