/**
 * A half-open link: the path to the broker goes silent without a FIN or RST (the fault
 * proxy's stall()). With keepalive 2 s the client sends PINGREQ 2 s after its last packet and
 * gives up 1 s (half a keepalive) later without an answer: the loss is seen within 1.5 x
 * keepalive of the stall. It then reconnects through the (repaired) path, resumes its session
 * and delivers the QoS 1 and QoS 2 messages published while the link was dead.
 */
import { performance } from 'perf_hooks';
import { Client, MQTT_ERR_KEEPALIVE } from '../../lib';
import { useClients } from '../client/support';
import { FaultProxy, startFaultProxy } from '../support/faultProxy';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { history, report, StreamCounter, topicOf, uid, waitFor } from './support';
import { debugSizes } from '../support/clientInternals';

const KEEPALIVE_S = 2;
const MARGIN_MS = 300; // timer and scheduling slack on a loaded machine

describeWithMosquitto('half-open link (proxy stall)', () => {
  const clients = useClients();
  let broker: MosquittoBroker;
  let proxy: FaultProxy;

  beforeAll(async () => {
    broker = await startMosquitto({ persistence: true });
    proxy = await startFaultProxy({ targetPort: broker.port });
  });
  afterAll(async () => {
    await proxy?.close();
    await broker?.stop();
  });

  it('is detected within 1.5 x keepalive, and the client reconnects and delivers what was published meanwhile', async () => {
    const run = uid('half');
    const counter = new StreamCounter(run, 10);
    const sub = clients.make({ clientId: uid('hsub'), cleanSession: false });
    counter.attach(sub);
    await sub.connect(broker.host, broker.port, 60);
    sub.loopStart();
    await waitFor(() => counter.subacks === 1, 5000, 'the subscriber SUBACK');

    const pub: Client = clients.make({ clientId: uid('hpub'), cleanSession: false });
    pub.reconnectDelaySet(0.1, 0.5);
    const h = history(pub);
    await pub.connect(proxy.host, proxy.port, KEEPALIVE_S);
    pub.loopStart();
    await waitFor(() => h.connects.length === 1, 5000, 'the publisher connected');
    // One message through the healthy link.
    pub.publish(topicOf(run, 1), '0', 1);
    pub.publish(topicOf(run, 2), '0', 2);
    await waitFor(() => counter.q1.distinct === 1 && counter.q2.distinct === 1, 5000, () => counter.describe());

    proxy.stall();
    const stalledAt = performance.now();
    // Published into the dead link: written to a socket whose bytes never arrive.
    for (let i = 1; i < 10; i++) {
      pub.publish(topicOf(run, 1), String(i), 1);
      pub.publish(topicOf(run, 2), String(i), 2);
    }
    await waitFor(() => h.disconnects.length === 1, KEEPALIVE_S * 1500 + 2000, 'on_disconnect after the stall');
    const detectedMs = h.disconnects[0].at - stalledAt;
    expect(h.disconnects[0].rc).toBe(MQTT_ERR_KEEPALIVE);
    expect(detectedMs).toBeLessThanOrEqual(KEEPALIVE_S * 1500 + MARGIN_MS);

    // The path comes back (the dead links stay dead: their bytes are dropped, as on a real half-open link).
    proxy.dropAll();
    proxy.unstall();
    await waitFor(() => h.connects.length === 2, 5000, () => `reconnected (fails ${h.fails.length})`);
    const reconnectMs = h.connects[1].at - h.disconnects[0].at;
    expect(h.connects[1].sessionPresent).toBe(true);
    await waitFor(() => counter.complete, 10000, () => counter.describe());
    await waitFor(() => debugSizes(pub).outgoing === 0, 5000, 'the publisher to finish every flow');
    expect(counter.q2.duplicates()).toEqual([]);
    expect(counter.q1.missing()).toEqual([]);
    expect(counter.q2.missing()).toEqual([]);
    report('half-open (stall)', counter, { detectedMs: Math.round(detectedMs), reconnectMs: Math.round(reconnectMs) });
  }, 30000);
});
