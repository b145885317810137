/*
 * Receiving with MQTTClient: subscribe (granted codes, ACL refusals), unsubscribe,
 * deliverMessage (amqtt-shaped messages, TimeoutError), the messages() async iterator, the
 * bounded buffer, cancelTasks() and ping().
 */
import { ClientError, MQTTClient, QOS_0, QOS_1, QOS_2, TimeoutError } from '../../lib';
import { IncomingApplicationMessage } from '../../lib/aio/message';
import { describeWithMosquitto } from '../support/mosquitto';
import { brokerLogLines, outcome, startSilentBroker, unique, uriOf, useAioClients, useMosquitto, waitFor, within } from './support';

describeWithMosquitto('MQTTClient receiving', () => {
  const broker = useMosquitto();
  const make = useAioClients();

  async function connected(config = {}): Promise<MQTTClient> {
    const c = make(unique('c'), { autoReconnect: false, ...config });
    await c.connect(uriOf(broker()));
    return c;
  }

  test('subscribe resolves to the granted QoS per filter', async () => {
    const c = await connected();
    const t = unique('g');
    await expect(c.subscribe([[`${t}/0`, QOS_0], [`${t}/1`, QOS_1], [`${t}/2/#`, QOS_2]])).resolves.toEqual([0, 1, 2]);
    await expect(c.subscribe([`${t}/single`, QOS_1])).resolves.toEqual([1]);
  });

  test("deliverMessage: amqtt's ApplicationMessage fields, the effective QoS, retain", async () => {
    const c = await connected();
    const topic = unique('shape');
    await c.subscribe([[topic, QOS_1]]);
    await c.publish(topic, Buffer.from([0, 1, 2, 255]), QOS_2); // downgraded to the subscription's QoS 1
    const m = await c.deliverMessage(5);
    expect(m).toBeInstanceOf(IncomingApplicationMessage);
    expect(m.topic).toBe(topic);
    expect(m.qos).toBe(1);
    expect(m.retain).toBe(false);
    expect(m.data).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(m.packetId).toEqual(expect.any(Number));
    expect(m.publishPacket.variableHeader.topicName).toBe(topic);
    expect(m.publishPacket.variableHeader.packetId).toBe(m.packetId);
    expect(m.publishPacket.payload.data).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(m.publishPacket.fixedHeader.flags).toBe(0b0010);
    expect((m as IncomingApplicationMessage).message.payload).toEqual(m.data);
  });

  test('deliverMessage(timeout) rejects with TimeoutError, and the next message still arrives', async () => {
    const c = await connected();
    const topic = unique('to');
    await c.subscribe([[topic, QOS_1]]);
    const t0 = performance.now();
    await expect(c.deliverMessage(0.1)).rejects.toThrow(TimeoutError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(c._debugSizes()).toMatchObject({ messageWaiters: 0, timers: 0 });
    const next = c.deliverMessage(5);
    await c.publish(topic, 'late', QOS_1);
    expect((await next).data.toString()).toBe('late');
  });

  test('messages(): an async iterator, in order; ends after disconnect() once the buffer is read', async () => {
    const c = await connected();
    const topic = unique('iter');
    await c.subscribe([[topic, QOS_2]]);
    const got: string[] = [];
    const reading = (async () => {
      for await (const m of c.messages()) {
        got.push(m.data.toString());
        if (got.length === 5) break; // break ends this iterator only
      }
    })();
    for (let i = 0; i < 8; i++) await c.publish(topic, `m${i}`, QOS_2);
    await within(reading, 5000, 'the iterator to take 5 messages');
    expect(got).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    // m5..m7 stay buffered for the next reader, even after disconnect().
    await waitFor(() => c.bufferedMessages === 3, 5000, 'three buffered messages');
    await c.disconnect();
    const rest: string[] = [];
    for await (const m of c.messages()) rest.push(m.data.toString());
    expect(rest).toEqual(['m5', 'm6', 'm7']);
  });

  test('a waiting messages() iterator ends when disconnect() is called; a waiting deliverMessage() rejects', async () => {
    const c = await connected();
    const it = c.messages();
    const next = it.next();
    const d = outcome(c.deliverMessage());
    await c.disconnect();
    await expect(within(next, 2000, 'the iterator')).resolves.toEqual({ done: true, value: undefined });
    const r = await d;
    expect(!r.ok && r.error).toBeInstanceOf(ClientError);
  });

  test('unsubscribe resolves on UNSUBACK; no more messages on that filter', async () => {
    const c = await connected();
    const t = unique('unsub');
    await c.subscribe([[`${t}/a`, QOS_1], [`${t}/b`, QOS_1]]);
    await expect(c.unsubscribe([`${t}/a`])).resolves.toBeUndefined();
    await c.publish(`${t}/a`, 'dropped', QOS_1);
    await c.publish(`${t}/b`, 'sentinel', QOS_1);
    const m = await c.deliverMessage(5);
    expect(m.topic).toBe(`${t}/b`);
    expect(c.bufferedMessages).toBe(0);
  });

  test('the buffer is bounded by backpressure: when full, no more is taken from the connection, nothing is dropped', async () => {
    const c = await connected({ maxBufferedMessages: 5 });
    const topic = unique('bound');
    await c.subscribe([[topic, QOS_1]]);
    for (let i = 0; i < 8; i++) await c.publish(topic, `m${i}`, QOS_1);
    await waitFor(() => c.bufferedMessages === 5, 5000, () => `5 buffered messages (have ${c.bufferedMessages})`);
    await c.ping(); // a round trip later, the buffer still holds 5: the rest wait in the Client, unacknowledged
    expect(c.bufferedMessages).toBe(5);
    const got = [];
    for (let i = 0; i < 8; i++) got.push((await c.deliverMessage(5)).data.toString());
    expect(got).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(c.droppedMessages).toBe(0);
  });

  test('cancelTasks(): waiting deliverMessage() and messages() reject with ClientError, no timer is left; the connection stays', async () => {
    const c = await connected();
    const a = outcome(c.deliverMessage(30));
    const b = outcome(c.deliverMessage());
    const it = outcome(c.messages().next());
    expect(c._debugSizes()).toMatchObject({ messageWaiters: 3, timers: 1 });
    await c.cancelTasks();
    for (const r of await Promise.all([a, b, it])) expect(!r.ok && r.error).toBeInstanceOf(ClientError);
    expect(c._debugSizes()).toMatchObject({ messageWaiters: 0, timers: 0 });
    expect(c.connected).toBe(true);
    await expect(c.ping()).resolves.toBeUndefined();
  });

  test('ping() makes a round trip to the broker', async () => {
    const c = await connected();
    await expect(c.ping()).resolves.toBeUndefined();
    await waitFor(() => brokerLogLines(broker(), c.clientId).some((l) => l.includes('Sending UNSUBACK')), 5000, 'the UNSUBACK in the log');
  });
});

describe('MQTTClient.subscribe refused by the broker', () => {
  const make = useAioClients();

  // mosquitto 2.0 grants every MQTT 3.1.1 subscription (its ACLs filter delivery instead): a
  // scripted broker answers SUBACK [2, 0x80].
  test('a refused filter is 0x80 in the result and is not re-subscribed later', async () => {
    const scripted = await startSilentBroker(0, [2, 0x80]);
    try {
      const c = make(unique('c'), { autoReconnect: false });
      await c.connect(`mqtt://127.0.0.1:${scripted.port}/`);
      await expect(c.subscribe([['open/x', QOS_2], ['closed/x', QOS_1]])).resolves.toEqual([2, 0x80]);
      expect([...(c as unknown as { subscriptions: Map<string, number> }).subscriptions]).toEqual([['open/x', 2]]);
    } finally {
      await scripted.close();
    }
  });
});

describe('MQTTClient against a broker that never answers SUBSCRIBE', () => {
  const make = useAioClients();

  test('a pending subscribe/unsubscribe/ping rejects with ClientError when the connection drops', async () => {
    const silent = await startSilentBroker();
    try {
      const c = make(unique('c'), { autoReconnect: false });
      await c.connect(`mqtt://127.0.0.1:${silent.port}/`);
      const s = outcome(c.subscribe([['a/#', 1]]));
      const u = outcome(c.unsubscribe('a/#'));
      const p = outcome(c.ping());
      await waitFor(() => silent.received.filter((x) => x.type === 'unsubscribe').length === 2, 2000, 'the packets at the broker');
      await silent.close();
      for (const r of await within(Promise.all([s, u, p]), 2000, 'the calls to settle')) expect(!r.ok && r.error).toBeInstanceOf(ClientError);
      expect(c._debugSizes().ackWaiters).toBe(0);
    } finally {
      await silent.close();
    }
  });
});
