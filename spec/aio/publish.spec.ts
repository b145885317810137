/*
 * MQTTClient.publish: resolves when the QoS flow completes (PUBACK / PUBCOMP), sequential
 * (amqtt's test_coro2) and concurrent (test_coro, 100 outstanding) styles, the in-flight
 * window, ackTimeout against a broker that never acknowledges, and every promise settling
 * when the connection goes away.
 */
import { ClientError, MQTTClient, QOS_0, QOS_1, QOS_2, TimeoutError } from '../../lib';
import type { MosquittoBroker } from '../support/mosquitto';
import { describeWithMosquitto } from '../support/mosquitto';
import { brokerLogLines, outcome, startSilentBroker, unique, uriOf, useAioClients, useMosquitto, waitFor, within } from './support';

/**
 * QoS 2 flows open at the broker at once, from its log: +1 per PUBLISH received, -1 per
 * PUBCOMP sent. Sequential publishing gives 1; concurrent publishing more.
 */
function maxOpenQos2Flows(b: MosquittoBroker, clientId: string): number {
  let open = 0;
  let max = 0;
  for (const line of brokerLogLines(b, clientId)) {
    if (line.includes(`Received PUBLISH from ${clientId} (d0, q2`)) max = Math.max(max, ++open);
    else if (line.includes(`Sending PUBCOMP to ${clientId} `)) open--;
  }
  return max;
}

function pubcompCount(b: MosquittoBroker, clientId: string): number {
  return brokerLogLines(b, clientId).filter((l) => l.includes(`Sending PUBCOMP to ${clientId} `)).length;
}

describeWithMosquitto('MQTTClient.publish', () => {
  const broker = useMosquitto();
  const make = useAioClients();

  async function subscriber(topic: string, qos = QOS_2): Promise<MQTTClient> {
    const sub = make(unique('sub'), { autoReconnect: false });
    await sub.connect(uriOf(broker()));
    await sub.subscribe([[topic, qos]]);
    return sub;
  }

  test("sequential (test_coro2): each await resolves after its flow; amqtt's OutgoingApplicationMessage", async () => {
    const topic = unique('seq');
    const sub = await subscriber(topic);
    const id = unique('pub');
    const pub = make(id, { autoReconnect: false });
    await pub.connect(uriOf(broker()));
    const m0 = await pub.publish(topic, Buffer.from('TEST MESSAGE WITH QOS_0'), QOS_0);
    const m1 = await pub.publish(topic, Buffer.from('TEST MESSAGE WITH QOS_1'), QOS_1);
    const m2 = await pub.publish(topic, Buffer.from('TEST MESSAGE WITH QOS_2'), QOS_2);
    const m3 = await pub.publish(topic, 'again', QOS_2);
    expect([m0.qos, m1.qos, m2.qos]).toEqual([0, 1, 2]);
    expect(m0.packetId).toBeNull();
    expect(m1.packetId).toEqual(expect.any(Number));
    expect(m2.publishPacket.variableHeader).toEqual({ topicName: topic, packetId: m2.packetId });
    expect(m2.publishPacket.payload.data.toString()).toBe('TEST MESSAGE WITH QOS_2');
    expect(m2.data.toString()).toBe('TEST MESSAGE WITH QOS_2');
    expect(m3.topic).toBe(topic);
    // PUBCOMP for the first QoS 2 message came before the second was sent.
    await waitFor(() => pubcompCount(broker(), id) === 2, 5000, 'the broker log to show 2 PUBCOMPs');
    expect(maxOpenQos2Flows(broker(), id)).toBe(1);
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await sub.deliverMessage(5));
    expect(got.map((m) => [m.data.toString(), m.qos])).toEqual([
      ['TEST MESSAGE WITH QOS_0', 0], ['TEST MESSAGE WITH QOS_1', 1], ['TEST MESSAGE WITH QOS_2', 2], ['again', 2],
    ]);
  });

  test('concurrent (test_coro): the three flows overlap, all resolve', async () => {
    const topic = unique('conc');
    const sub = await subscriber(topic);
    const id = unique('pub');
    const pub = make(id, { autoReconnect: false });
    await pub.connect(uriOf(broker()));
    const results = await Promise.allSettled([
      pub.publish(topic, Buffer.from('TEST MESSAGE WITH QOS_0')),
      pub.publish(topic, Buffer.from('TEST MESSAGE WITH QOS_1'), QOS_1),
      pub.publish(topic, Buffer.from('TEST MESSAGE WITH QOS_2'), QOS_2),
      pub.publish(topic, Buffer.from('ANOTHER WITH QOS_2'), QOS_2),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    await waitFor(() => pubcompCount(broker(), id) === 2, 5000, 'the broker log to show 2 PUBCOMPs');
    expect(maxOpenQos2Flows(broker(), id)).toBe(2);
    const got = new Set<string>();
    for (let i = 0; i < 4; i++) got.add((await sub.deliverMessage(5)).data.toString());
    expect(got.size).toBe(4);
  });

  test.each([QOS_1, QOS_2])('100 outstanding QoS %i publishes all resolve; each message arrives once', async (qos) => {
    const N = 100;
    const topic = unique(`many${qos}`);
    const sub = await subscriber(topic);
    const id = unique('pub');
    const pub = make(id, { autoReconnect: false });
    await pub.connect(uriOf(broker()));
    const all = Array.from({ length: N }, (_, i) => pub.publish(topic, `m${i}`, qos));
    const sent = await within(Promise.all(all), 10_000, `${N} publishes to resolve`);
    expect(new Set(sent.map((m) => m.packetId)).size).toBe(N);
    const got: string[] = [];
    for (let i = 0; i < N; i++) got.push((await sub.deliverMessage(5)).data.toString());
    expect(got).toEqual(Array.from({ length: N }, (_, i) => `m${i}`)); // one topic, one QoS: in order
    await expect(sub.deliverMessage(0.05)).rejects.toThrow(TimeoutError); // no duplicates
    if (qos === QOS_2) {
      await waitFor(() => pubcompCount(broker(), id) === N, 5000, `the broker log to show ${N} PUBCOMPs`);
      const open = maxOpenQos2Flows(broker(), id);
      expect(open).toBeGreaterThan(1); // overlapping flows...
      expect(open).toBeLessThanOrEqual(20); // ...within the in-flight window
    }
  });

  test('defaultQos / defaultRetain from config; retain reaches a later subscriber', async () => {
    const topic = unique('ret');
    const pub = make(unique('pub'), { autoReconnect: false, defaultQos: 1, defaultRetain: true });
    await pub.connect(uriOf(broker()));
    const m = await pub.publish(topic, 'kept');
    expect([m.qos, m.retain]).toEqual([1, true]);
    const sub = await subscriber(topic, QOS_1);
    const r = await sub.deliverMessage(5);
    expect([r.data.toString(), r.retain, r.publishPacket.retainFlag]).toEqual(['kept', true, true]);
    await pub.publish(topic, null, 1, true); // clear the retained message
  });
});

describe('MQTTClient.publish against a broker that never acknowledges', () => {
  const make = useAioClients();

  test('ackTimeout: QoS 1 and 2 reject with TimeoutError; QoS 0 resolves once written', async () => {
    const silent = await startSilentBroker();
    try {
      const c = make(unique('c'), { autoReconnect: false });
      await c.connect(`mqtt://127.0.0.1:${silent.port}/`);
      await expect(c.publish('a/b', 'x', QOS_0, false, 0.2)).resolves.toMatchObject({ qos: 0 });
      const t0 = performance.now();
      const [r1, r2] = await Promise.all([outcome(c.publish('a/b', 'x', QOS_1, false, 0.2)), outcome(c.publish('a/b', 'y', QOS_2, false, 0.3))]);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
      expect(r1.ok || (r1 as { error: Error }).error).toBeInstanceOf(TimeoutError);
      expect(r2.ok || (r2 as { error: Error }).error).toBeInstanceOf(TimeoutError);
      expect((r1 as { error: Error }).error.message).toMatch(/no acknowledgement for message \d+ within 0.2 s/);
      expect(c._debugSizes()).toMatchObject({ timers: 0, publishWaiters: 0 });
      await waitFor(() => silent.received.filter((p) => p.type === 'publish').length === 3, 2000, 'the 3 PUBLISHes at the broker');
    } finally {
      await silent.close();
    }
  });

  test('100 outstanding QoS 1 publishes: 20 on the wire (the window), all time out', async () => {
    const silent = await startSilentBroker();
    try {
      const c = make(unique('c'), { autoReconnect: false });
      await c.connect(`mqtt://127.0.0.1:${silent.port}/`);
      const all = Array.from({ length: 100 }, (_, i) => outcome(c.publish('w/x', `m${i}`, QOS_1, false, 0.3)));
      await waitFor(() => silent.received.filter((p) => p.type === 'publish').length === 20, 2000, '20 PUBLISHes');
      const results = await within(Promise.all(all), 5000, 'all publishes to settle');
      expect(results.every((r) => !r.ok && r.error instanceof TimeoutError)).toBe(true);
      expect(silent.received.filter((p) => p.type === 'publish').length).toBe(20);
    } finally {
      await silent.close();
    }
  });

  test('without ackTimeout a pending publish settles with ClientError on disconnect(), and on a lost connection', async () => {
    const silent = await startSilentBroker();
    try {
      const a = make(unique('a'), { autoReconnect: false });
      await a.connect(`mqtt://127.0.0.1:${silent.port}/`);
      const p = outcome(a.publish('a/b', 'x', QOS_2));
      await waitFor(() => silent.received.some((x) => x.type === 'publish'), 2000, 'the PUBLISH');
      await a.disconnect();
      const r = await within(p, 2000, 'the publish to settle');
      expect(!r.ok && r.error).toBeInstanceOf(ClientError);

      const b = make(unique('b'), { autoReconnect: false, cleansession: false });
      await b.connect(`mqtt://127.0.0.1:${silent.port}/`);
      const q = outcome(b.publish('a/b', 'y', QOS_1));
      const d = outcome(b.deliverMessage());
      await waitFor(() => silent.received.filter((x) => x.type === 'publish').length === 2, 2000, 'the second PUBLISH');
      await silent.close(); // the connection drops; cleansession false: the Client keeps the message, the promise still settles
      const [rq, rd] = await within(Promise.all([q, d]), 2000, 'publish and deliverMessage to settle');
      expect(!rq.ok && rq.error).toBeInstanceOf(ClientError);
      expect(!rd.ok && rd.error).toBeInstanceOf(ClientError);
      expect(b.connected).toBe(false);
    } finally {
      await silent.close();
    }
  });
});
