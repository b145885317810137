/*
 * MQTTClient across broker outages: autoReconnect with amqtt's backoff, re-subscribing when
 * the broker has no session (user-pain 2), calls made while reconnecting, giving up after
 * reconnectRetries, and handleConnectionClose without autoReconnect.
 */
import { ClientError, ConnectError, MQTTClient, QOS_1 } from '../../lib';
import type { MosquittoBroker } from '../support/mosquitto';
import { describeWithMosquitto } from '../support/mosquitto';
import { brokerLogLines, outcome, unique, uriOf, useAioClients, useMosquitto, waitFor, within } from './support';

const FAST = { reconnectMaxInterval: 0.1, reconnectRetries: 100 }; // an attempt every 0.1 s, for 10 s

function subscribesFrom(b: MosquittoBroker, clientId: string): number {
  return brokerLogLines(b, clientId).filter((l) => l.includes(`Received SUBSCRIBE from ${clientId}`)).length;
}

describeWithMosquitto('MQTTClient reconnection (broker killed and restarted)', () => {
  const broker = useMosquitto();
  const make = useAioClients();

  async function outage(b: MosquittoBroker, clients: MQTTClient[], during?: () => Promise<void>): Promise<void> {
    await b.kill9();
    await waitFor(() => clients.every((c) => !c.connected), 5000, 'the clients to see the connection drop');
    if (during) await during();
    await b.restart();
    await waitFor(() => clients.every((c) => c.connected), 10_000, 'the clients to reconnect');
  }

  test('autoReconnect: reconnects, re-subscribes (no session on the broker), waiting calls go on', async () => {
    const b = broker();
    const topic = unique('re');
    const sub = make(unique('sub'), { autoReconnect: true, ...FAST });
    await sub.connect(uriOf(b));
    expect(await sub.subscribe([[topic, QOS_1]])).toEqual([1]);
    expect(subscribesFrom(b, sub.clientId)).toBe(1);
    const waiting = outcome(sub.deliverMessage(20)); // waits across the outage
    let during: Promise<unknown> | undefined;
    await outage(b, [sub], async () => {
      // Called while reconnecting: waits for the connection, then publishes (amqtt's behaviour).
      during = sub.publish(unique('other'), 'sent while reconnecting', QOS_1);
    });
    await expect(within(during!, 5000, 'the publish made during the outage')).resolves.toMatchObject({ qos: 1 });
    expect(subscribesFrom(b, sub.clientId)).toBe(2); // the re-subscription
    const pub = make(unique('pub'), { autoReconnect: false });
    await pub.connect(uriOf(b));
    await pub.publish(topic, 'after the restart', QOS_1);
    const r = await within(waiting, 5000, 'the message');
    expect(r.ok && [r.value.topic, r.value.data.toString()]).toEqual([topic, 'after the restart']);
  });

  test('without autoReconnect: waiters fail with ClientError; an explicit reconnect() re-subscribes', async () => {
    const b = broker();
    const topic = unique('manual');
    const c = make(unique('c'), { autoReconnect: false, ...FAST });
    await c.connect(uriOf(b));
    await c.subscribe([[topic, QOS_1]]);
    const d = outcome(c.deliverMessage());
    const it = outcome(c.messages().next());
    await b.kill9();
    const [rd, rit] = await within(Promise.all([d, it]), 5000, 'the waiters to fail');
    expect(!rd.ok && rd.error).toBeInstanceOf(ClientError);
    expect(!rit.ok && rit.error).toBeInstanceOf(ClientError);
    expect(c.connected).toBe(false);
    await expect(c.publish(topic, 'x', QOS_1)).rejects.toThrow(ClientError);
    await b.restart();
    await expect(c.reconnect()).resolves.toBe(0);
    expect(c.connected).toBe(true);
    expect(subscribesFrom(b, c.clientId)).toBe(2); // re-subscribed: the broker had no session
    await expect(c.reconnect()).resolves.toBe(0); // already connected: at once
    await c.publish(topic, 'back', QOS_1);
    expect((await c.deliverMessage(5)).data.toString()).toBe('back');
  });

  test('gives up after reconnectRetries: waiters fail with ClientError, then reconnect() rejects with ConnectError', async () => {
    const b = broker();
    const c = make(unique('c'), { autoReconnect: true, reconnectRetries: 1, reconnectMaxInterval: 0.05 });
    await c.connect(uriOf(b));
    const d = outcome(c.deliverMessage());
    await b.kill9();
    try {
      const r = await within(d, 5000, 'deliverMessage to fail');
      expect(!r.ok && r.error).toBeInstanceOf(ClientError);
      expect(!r.ok && r.error.message).toMatch(/Too many failed attempts/);
      expect(c.connected).toBe(false);
      await expect(c.publish('a', 'b', 1)).rejects.toThrow(ClientError);
      await expect(c.reconnect()).rejects.toThrow(ConnectError);
      expect(c._debugSizes()).toMatchObject({ timers: 0, connWaiters: 0, messageWaiters: 0 });
    } finally {
      await b.restart();
    }
  });

  test('disconnect() during the backoff stops reconnecting; nothing is left running', async () => {
    const b = broker();
    const c = make(unique('c'), { autoReconnect: true, reconnectRetries: -1, reconnectMaxInterval: 5 });
    await c.connect(uriOf(b));
    await b.kill9();
    // Published into the dead connection (the client has not seen the loss yet): never acknowledged.
    const p = outcome(c.publish('x/y', 'z', QOS_1).then(() => undefined));
    try {
      await waitFor(() => !c.connected && c._debugSizes().timers === 1, 5000, 'the reconnection backoff');
      await c.disconnect();
      const r = await within(p, 2000, 'the publish to settle');
      expect(!r.ok && r.error).toBeInstanceOf(ClientError);
      expect(c._debugSizes()).toMatchObject({ timers: 0, connWaiters: 0, publishWaiters: 0 });
    } finally {
      await b.restart();
    }
  });
});

describeWithMosquitto('MQTTClient reconnection with a persistent session', () => {
  const broker = useMosquitto({ persistence: true });
  const make = useAioClients();

  test('cleansession false and the broker kept the session: no re-subscription needed, messages still arrive', async () => {
    const b = broker();
    const topic = unique('persist');
    const c = make(unique('keep'), { autoReconnect: true, cleansession: false, ...FAST });
    await c.connect(uriOf(b));
    await c.subscribe([[topic, QOS_1]]);
    await b.restart(); // SIGTERM: mosquitto saves its sessions
    await waitFor(() => c.connected, 10_000, 'the reconnection');
    expect(subscribesFrom(b, c.clientId)).toBe(1); // sessionPresent = 1: nothing re-issued
    const pub = make(unique('pub'), { autoReconnect: false });
    await pub.connect(uriOf(b));
    await pub.publish(topic, 'kept', QOS_1);
    expect((await c.deliverMessage(5)).data.toString()).toBe('kept');
  });
});
