/*
 * Soak (user-pain.md §16): 1,000 reconnects and 100,000 QoS 1 round trips through mosquitto, then
 * the client's internal collections are back to their starting sizes, the socket carries no
 * extra listeners, the client emitter no extra listeners, and no timer or socket is left over.
 */
import * as net from 'net';
import { performance } from 'perf_hooks';
import { Client, MQTT_ERR_SUCCESS, MQTTMessage, MQTTMessageInfo } from '../../lib';
import { describeWithMosquitto } from '../support/mosquitto';
import {
  activeResources, Clients, MOSQUITTO, nextEvent, SeqCounter, socketListeners, startClient, TestBroker, waitFor, within,
} from './support';
import { debugSizes } from '../support/clientInternals';

const RECONNECTS = 1000;
const ROUND_TRIPS = 100_000;
/** Publish in batches and await each: the broker queues at most max_queued_messages per subscriber. */
const BATCH = 500;

const CLIENT_EVENTS = ['connect', 'connect_fail', 'disconnect', 'message', 'publish', 'subscribe', 'unsubscribe', 'log', 'error'] as const;
function emitterListeners(c: Client): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of CLIENT_EVENTS) out[e] = c.listenerCount(e);
  return out;
}

describeWithMosquitto('soak', () => {
  let broker: TestBroker | undefined;
  const clients = new Clients();

  beforeAll(async () => {
    broker = await MOSQUITTO.start({ extraConfig: 'max_queued_messages 10000' });
  });
  afterEach(async () => {
    await clients.cleanup();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  test(`${RECONNECTS} reconnects and ${ROUND_TRIPS} QoS 1 round trips leave no state, listener or timer behind`, async () => {
    const b = broker!;
    const resourcesBefore = activeResources();

    const sub = clients.make();
    const counter = new SeqCounter(ROUND_TRIPS);
    sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => counter.add(m.payload);
    await startClient(sub, b, [['soak/data', 1]]);

    const pub = clients.make();
    pub.reconnectDelaySet(0, 0); // reconnect at once after a lost connection (the soak is about leaks, not backoff)
    let connects = 0;
    let disconnects = 0;
    pub.on_connect = () => { connects++; };
    pub.on_disconnect = () => { disconnects++; };
    await startClient(pub, b);

    const firstSocket = pub.socket() as net.Socket;
    const baseSizes = { pub: debugSizes(pub), sub: debugSizes(sub) };
    const baseSocket = socketListeners(firstSocket);
    const baseEmitter = { pub: emitterListeners(pub), sub: emitterListeners(sub) };

    // ---- 1,000 reconnects: half through reconnect(), half by killing the socket under loopStart
    const t0 = performance.now();
    const oldSockets: net.Socket[] = [];
    for (let i = 0; i < RECONNECTS; i++) {
      oldSockets.push(pub.socket() as net.Socket);
      const back = nextEvent(pub, 'connect', 5000);
      if (i % 2 === 0) {
        expect(await pub.reconnect()).toBe(MQTT_ERR_SUCCESS);
      } else {
        (pub.socket() as net.Socket).destroy();
      }
      const [, rc] = await back;
      expect(rc).toBe(0);
      if (i % 100 === 99) {
        // The connection works: a QoS 1 publish completes.
        await within(pub.publish('soak/ping', String(i), 1).waitForPublish(), 5000, `a publish after reconnect ${i + 1}`);
      }
    }
    const reconnectMs = performance.now() - t0;
    expect(connects).toBe(RECONNECTS + 1);
    expect(disconnects).toBe(RECONNECTS / 2); // reconnect() closes without on_disconnect; a dead socket fires it
    expect(firstSocket.destroyed).toBe(true);
    expect(new Set(oldSockets).size).toBe(RECONNECTS);
    // Every replaced socket is closed and carries none of the transport's handlers any more.
    await waitFor(() => oldSockets.every((s) => s.destroyed && s.listenerCount('close') === 0), 2000,
      'the replaced sockets to close and shed their listeners');
    const stale = oldSockets.filter((s) => s.listenerCount('data') + s.listenerCount('error') + s.listenerCount('drain') > 0);
    expect(stale.length).toBe(0);

    // ---- 100,000 QoS 1 round trips, paced by the window: publish a batch, await it.
    const t1 = performance.now();
    for (let start = 0; start < ROUND_TRIPS; start += BATCH) {
      const end = Math.min(start + BATCH, ROUND_TRIPS);
      const infos: MQTTMessageInfo[] = new Array(end - start);
      for (let i = start; i < end; i++) infos[i - start] = pub.publish('soak/data', String(i), 1);
      await within(Promise.all(infos.map((x) => x.waitForPublish())), 10000, `PUBACKs for batch ${start}..${end - 1}`);
      await waitFor(() => counter.distinct >= end, 10000, () => `delivery of batch ${start}..${end - 1}: ${counter.describe()}`);
    }
    const roundTripMs = performance.now() - t1;
    expect(counter.missing()).toEqual([]);
    expect(counter.total).toBe(ROUND_TRIPS); // QoS 1 without a reconnect in between: no duplicates either

    // ---- everything back to where it started
    await waitFor(() => debugSizes(pub).inflight === 0 && debugSizes(sub).inbox === 0, 2000, 'the last acks');
    expect(debugSizes(pub)).toEqual(baseSizes.pub);
    expect(debugSizes(sub)).toEqual(baseSizes.sub);
    // One handler per event at most beyond what Node itself puts on a connected socket ('end': 1).
    for (const [event, n] of Object.entries(baseSocket)) expect({ event, n: n <= (event === 'end' ? 2 : 1) }).toEqual({ event, n: true });
    expect(socketListeners(pub.socket() as net.Socket)).toEqual(baseSocket);
    expect(socketListeners(sub.socket() as net.Socket)).toEqual(baseSocket);
    expect(emitterListeners(pub)).toEqual(baseEmitter.pub);
    expect(emitterListeners(sub)).toEqual(baseEmitter.sub);

    await clients.cleanup(); // disconnect + loopStop, and it fails if a client still holds a timer
    expect(debugSizes(pub).timers).toBe(0);
    expect(debugSizes(sub).timers).toBe(0);
    // No socket or timer of ours left in the process.
    await waitFor(() => {
      const now = activeResources();
      return (now.TCPSocketWrap ?? 0) <= (resourcesBefore.TCPSocketWrap ?? 0) && (now.Timeout ?? 0) <= (resourcesBefore.Timeout ?? 0);
    }, 2000, () => `sockets/timers back to ${JSON.stringify(resourcesBefore)}, now ${JSON.stringify(activeResources())}`);

    // For the report (jest prints it with --verbose).
    console.log(`soak: ${RECONNECTS} reconnects in ${reconnectMs.toFixed(0)} ms; ` +
      `${ROUND_TRIPS} QoS 1 round trips in ${roundTripMs.toFixed(0)} ms (${(ROUND_TRIPS / roundTripMs * 1000).toFixed(0)}/s)`);
  }, 60000);
});
