/**
 * The Client option offlineQos0, on the in-memory broker with the fake clock: QoS 0 published
 * with no accepted connection (before connect(), during a reconnect's backoff) is queued within
 * maxQueuedQos0Set()'s bounds and reaches the broker in order right after CONNACK; the default
 * stays paho's MQTT_ERR_NO_CONN; disconnect() drops what is still queued.
 */
import { Client, MQTT_ERR_NO_CONN, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS, ValueError } from '../../lib';
import type { Packet } from '../../lib/protocol';
import { MemoryBroker } from '../support/memoryBroker';
import { advance, settle, useFakeClock } from '../support/wait';

useFakeClock();

/** The PUBLISH payloads the broker received on every connection, in order. */
function published(broker: MemoryBroker): string[] {
  return broker.of('publish').map((p: Extract<Packet, { type: 'publish' }>) => p.payload.toString());
}

describe('Client offlineQos0', () => {
  test('default: QoS 0 before connect() is refused with MQTT_ERR_NO_CONN and never sent (paho)', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    const info = c.publish('t', 'early', 0);
    expect(info.rc).toBe(MQTT_ERR_NO_CONN);
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    expect(c.isConnected()).toBe(true);
    expect(published(broker)).toEqual([]);
    c.disconnect();
    await c.loopStop();
  });

  test('must be a boolean', () => {
    expect(() => new Client({ offlineQos0: 'yes' as unknown as boolean })).toThrow(ValueError);
  });

  test('queued before connect(), sent in order after CONNACK and ahead of later publishes; waitForPublish() completes when written', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ offlineQos0: true });
    const early = ['e1', 'e2', 'e3'].map((p) => c.publish('t', p, 0));
    expect(early.map((i) => i.rc)).toEqual([MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS]);
    expect(early.some((i) => i.isPublished())).toBe(false);
    const onPublish: number[] = [];
    c.on_publish = (_c: Client, _u: unknown, mid: number) => onPublish.push(mid);
    const waiting = Promise.all(early.map((i) => i.waitForPublish()));

    await c.connect('broker', 1883, 0);
    const connecting = c.publish('t', 'before-connack', 0); // CONNECT is out, CONNACK not handled yet
    expect(connecting.rc).toBe(MQTT_ERR_SUCCESS);
    c.loopStart();
    await settle();
    expect(c.isConnected()).toBe(true);
    c.publish('t', 'after', 0);
    await settle();
    await waiting;
    expect(published(broker)).toEqual(['e1', 'e2', 'e3', 'before-connack', 'after']);
    expect(broker.received.map((p) => p.type)).toEqual(['connect', 'publish', 'publish', 'publish', 'publish', 'publish']);
    expect(onPublish.slice(0, 4)).toEqual([...early, connecting].map((i) => i.mid));
    c.disconnect();
    await c.loopStop();
  });

  test('bounded by maxQueuedQos0Set(messages): the rest is refused with MQTT_ERR_QUEUE_SIZE', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ offlineQos0: true });
    c.maxQueuedQos0Set(3);
    const rcs = ['a', 'b', 'c', 'd', 'e'].map((p) => c.publish('t', p, 0).rc);
    expect(rcs).toEqual([MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_QUEUE_SIZE]);
    expect(c.queuedMessages).toBe(3);
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    expect(published(broker)).toEqual(['a', 'b', 'c']);
    c.disconnect();
    await c.loopStop();
  });

  test('bounded by maxQueuedQos0Set(messages, bytes): payload + topic bytes', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ offlineQos0: true });
    c.maxQueuedQos0Set(0, 20);
    expect(c.publish('t', 'x'.repeat(9), 0).rc).toBe(MQTT_ERR_SUCCESS); // 10 bytes
    expect(c.publish('t', 'y'.repeat(10), 0).rc).toBe(MQTT_ERR_QUEUE_SIZE); // 10 + 11 > 20
    expect(c.publish('t', 'z'.repeat(9), 0).rc).toBe(MQTT_ERR_SUCCESS); // 20
    expect(c.queuedBytes).toBe(20);
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    expect(published(broker)).toEqual(['x'.repeat(9), 'z'.repeat(9)]);
    c.disconnect();
    await c.loopStop();
  });

  test('loopStart(): QoS 0 published during the reconnect backoff arrives, in order, after the reconnect', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ offlineQos0: true });
    c.reconnectDelaySet(1, 4);
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    c.publish('t', 'live', 0);
    await settle();
    expect(published(broker)).toEqual(['live']);

    broker.refuseSockets = 1; // the first attempt fails: the second comes after the doubled delay
    broker.peer.close();
    await settle();
    expect(c.isConnected()).toBe(false);
    const during = ['d1', 'd2'].map((p) => c.publish('t', p, 0));
    await advance(1000); // the refused attempt
    expect(c.isConnected()).toBe(false);
    during.push(c.publish('t', 'd3', 0));
    expect(during.map((i) => i.rc)).toEqual([MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS]);
    expect(during.some((i) => i.isPublished())).toBe(false);
    await advance(2000);
    expect(c.isConnected()).toBe(true);
    expect(broker.attempts).toHaveLength(3); // first, refused, reconnected
    expect(broker.packets).toHaveLength(2); // a refused socket carries nothing
    expect(broker.received.map((p) => (p.type === 'publish' ? p.payload.toString() : p.type))).toEqual(['connect', 'd1', 'd2', 'd3']);
    expect(during.every((i) => i.isPublished())).toBe(true);
    c.disconnect();
    await c.loopStop();
  });

  test('disconnect() drops what is still queued: waitForPublish() rejects with MQTT_ERR_NO_CONN, and nothing is sent later', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ offlineQos0: true });
    const info = c.publish('t', 'gone', 0);
    c.disconnect();
    await expect(info.waitForPublish()).rejects.toMatchObject({ rc: MQTT_ERR_NO_CONN });
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    expect(c.isConnected()).toBe(true);
    expect(published(broker)).toEqual([]);
    c.disconnect();
    await c.loopStop();
  });
});
