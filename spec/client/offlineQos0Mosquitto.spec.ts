/*
 * offlineQos0 against a real broker: mosquitto is killed (kill -9) under a connected publisher,
 * QoS 0 messages are published while it is down (queued, rc MQTT_ERR_SUCCESS), the broker is
 * started again on the same port, and a subscriber on the restarted broker receives them, in
 * order, once the publisher's loopStart() has reconnected. The default client refuses the same
 * publishes with MQTT_ERR_NO_CONN.
 */
import { Client, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTTMessage } from '../../lib';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { uid, useClients, waitFor } from './support';

describeWithMosquitto('offlineQos0 across a broker restart [mosquitto]', () => {
  const clients = useClients();
  let broker: MosquittoBroker;
  beforeEach(async () => {
    broker = await startMosquitto();
  });
  afterEach(async () => broker?.stop());

  test('QoS 0 published while the broker is down reaches a subscriber of the restarted broker, in order', async () => {
    const topic = `offline/${uid('t')}`;
    const pub = clients.make({ offlineQos0: true });
    const plain = clients.make();
    // The publisher's first attempt comes 3 s after the loss: time to restart the broker and subscribe first.
    pub.reconnectDelaySet(3, 6);
    let connects = 0;
    let disconnects = 0;
    pub.on_connect = () => { connects++; };
    pub.on_disconnect = () => { disconnects++; };
    for (const c of [pub, plain]) {
      await c.connect(broker.host, broker.port, 60);
      c.loopStart();
    }
    await waitFor(() => connects === 1 && plain.isConnected(), 5000, 'both connected');

    await broker.kill9();
    await waitFor(() => disconnects === 1 && !plain.isConnected(), 5000, 'the publishers to notice the broker is gone');
    const infos = Array.from({ length: 10 }, (_, i) => pub.publish(topic, `m${i}`, 0));
    expect(infos.map((i) => i.rc)).toEqual(Array(10).fill(MQTT_ERR_SUCCESS));
    expect(plain.publish(topic, 'refused', 0).rc).toBe(MQTT_ERR_NO_CONN); // the default: paho's refusal
    expect(infos.some((i) => i.isPublished())).toBe(false);

    await broker.restart(); // same config, same port
    const sub = clients.make();
    const got: string[] = [];
    let subscribed = false;
    sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); };
    sub.on_subscribe = () => { subscribed = true; };
    sub.on_connect = (c: Client) => { c.subscribe(topic, 0); };
    await sub.connect(broker.host, broker.port, 60);
    sub.loopStart();
    await waitFor(() => subscribed, 5000, 'the subscriber on the restarted broker');
    expect(connects).toBe(1); // the publisher has not reconnected yet

    await waitFor(() => got.length === 10, 10_000, 'the queued messages at the subscriber');
    expect(connects).toBe(2);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(infos.every((i) => i.isPublished())).toBe(true);
  }, 30_000);
});
