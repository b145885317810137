/*
 * Read batching against mosquitto: a subscriber of a dense QoS 0 stream pauses its socket
 * between reads, so each read carries many messages, and gets every message once, in order;
 * a QoS 1 stream and readBatchingSet(0) never pause it.
 */
import * as net from 'net';
import { Client, MQTT_ERR_SUCCESS, MQTTMessage } from '../../lib';
import { describeEachBroker, MOSQUITTO, startClient, uid, useBroker, useClients, waitFor } from './support';

const N = 20_000;

describeEachBroker('read batching', () => {
  const broker = useBroker(MOSQUITTO, { extraConfig: 'max_queued_messages 0\nmax_inflight_messages 0\n' });
  const clients = useClients();

  /** Floods `topic` with N messages from a second client (tight loop, a turn every 500); returns the subscriber's socket figures. */
  async function flood(sub: Client, qos: 0 | 1): Promise<{ pauses: number; reads: number; got: number; outOfOrder: number }> {
    const topic = `batch/${uid('t')}`;
    let got = 0;
    let outOfOrder = 0;
    sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
      if (m.payload.readUInt32BE(0) !== got) outOfOrder++;
      got++;
    };
    await startClient(sub, broker(), [[topic, qos]]);
    const sock = sub.socket() as net.Socket;
    let pauses = 0;
    let reads = 0;
    sock.on('pause', () => pauses++);
    sock.on('data', () => reads++);
    const pub = clients.make();
    pub.maxQueuedQos0Set(0, 0);
    pub.maxInflightMessagesSet(100);
    await startClient(pub, broker());
    for (let i = 0; i < N; i++) {
      const payload = Buffer.alloc(64);
      payload.writeUInt32BE(i, 0);
      expect(pub.publish(topic, payload, qos).rc).toBe(MQTT_ERR_SUCCESS);
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => got === N, 30_000, () => `all ${N} messages (have ${got})`);
    return { pauses, reads, got, outOfOrder };
  }

  test('a dense QoS 0 stream: reads are batched (many messages per read), all arrive once and in order', async () => {
    const r = await flood(clients.make(), 0);
    expect(r.outOfOrder).toBe(0);
    expect(r.pauses).toBeGreaterThan(0);
    expect(N / r.reads).toBeGreaterThanOrEqual(4);
  }, 40_000);

  test('readBatchingSet(0): the same stream never pauses the socket', async () => {
    const sub = clients.make();
    sub.readBatchingSet(0);
    const r = await flood(sub, 0);
    expect(r.outOfOrder).toBe(0);
    expect(r.pauses).toBe(0);
  }, 40_000);

  test('a dense QoS 1 stream is read eagerly (its PUBACKs are not delayed)', async () => {
    const r = await flood(clients.make(), 1);
    expect(r.outOfOrder).toBe(0);
    expect(r.pauses).toBe(0);
  }, 40_000);
}, [MOSQUITTO]);
