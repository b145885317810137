/**
 * The broker is killed (SIGKILL) and restarted, with persistence, in the middle of a QoS 1 +
 * QoS 2 stream. Unlike spec/client/outage.spec.ts, which kills it only while quiet,
 * packets are in flight both ways when it dies.
 *
 * 1. Killed while the network holds packets in flight (both clients reach mosquitto through
 *    fault proxies, stalled just before the kill): the clients have sent PUBLISH / PUBREL /
 *    PUBREC / PUBCOMP the broker never read, and the broker has saved everything it answered.
 *    This is the client's test: 0 lost, 0 duplicated at QoS 2, 0 lost at QoS 1.
 * 2. Killed at an arbitrary instant of the stream. mosquitto (2.0, autosave_on_changes) writes
 *    PUBACK/PUBREC/PUBREL/PUBCOMP during a main-loop turn and saves its database at the end of
 *    it, so a SIGKILL can roll the broker back behind what it already told the clients. Seen in
 *    its log: (a) it sent PUBREL m54 to the subscriber (so it had its PUBREC), the subscriber
 *    completed m54; after the restart it sent PUBLISH (d1, m54) again: a QoS 2 duplicate no
 *    client can tell from a new message; (b) after the restart it reused m61 for a new message
 *    while the subscriber still held m61 awaiting PUBREL from before the kill: the spec says the
 *    receiver must not deliver it ([MQTT-4.3.3-2]), so that message is lost. These are broker
 *    losses; the spec prints them and bounds them by the in-flight windows.
 */
import { useClients } from '../client/support';
import { describeWithMosquitto } from '../support/mosquitto';
import { brokerSaved, publishPaced, report, startStreamClient, StreamCounter, uid, useProxiedBroker, waitFor } from './support';
import { debugSizes } from '../support/clientInternals';

const N = 1000;
const WINDOW = 20; // the clients' default in-flight window

describeWithMosquitto('broker SIGKILL + restart with persistence during a stream', () => {
  const clients = useClients();
  const net = useProxiedBroker();
  const delays: [number, number] = [0.05, 0.2];

  async function setup(run: string, viaProxy: boolean) {
    const { broker, pubProxy, subProxy } = net;
    const counter = new StreamCounter(run, N);
    const subAt = { host: broker.host, port: viaProxy ? subProxy.port : broker.port };
    const pubAt = { host: broker.host, port: viaProxy ? pubProxy.port : broker.port };
    const { client: sub, h: subH } = await startStreamClient(clients, { id: 'bsub', cleanSession: false, delays, at: subAt, what: 'the subscriber' }, counter);
    const { client: pub, h: pubH } = await startStreamClient(clients, { id: 'bpub', cleanSession: false, delays, at: pubAt, what: 'the publisher' });
    return { counter, sub, subH, pub, pubH };
  }

  it(`killed with packets in flight both ways (network held): ${N} QoS 1 + ${N} QoS 2, none lost, none duplicated`, async () => {
    const { broker, pubProxy, subProxy } = net;
    const { counter, sub, subH, pub, pubH } = await setup(uid('bkh'), true);
    const { client: helper, h: helperH } = await startStreamClient(clients, { id: 'bhelp', cleanSession: true, delays, at: broker, what: 'the helper' });
    let kills = 0;
    const killAt = [N * 0.3, N * 0.65].map(Math.floor);
    let busy: Promise<void> = Promise.resolve();
    await publishPaced(pub, counterRun(counter), N, 25, 30, (sent) => {
      if (killAt.length > 0 && sent >= killAt[0]) {
        killAt.shift();
        busy = busy.then(async () => {
          pubProxy.stall();
          subProxy.stall();
          await brokerSaved(broker, helper, kills);
          const inFlight = debugSizes(pub).outgoing;
          await broker.kill9();
          kills++;
          pubProxy.dropAll();
          subProxy.dropAll();
          await waitFor(() => pubH.disconnects.length >= kills && subH.disconnects.length >= kills, 5000, 'both clients to notice');
          await broker.restart();
          await waitFor(() => helperH.connects.length === kills + 1, 5000, 'the helper back');
          pubProxy.unstall();
          subProxy.unstall();
          expect(inFlight).toBeGreaterThan(0);
        });
      }
    });
    await busy;
    await waitFor(() => counter.complete, 20000, () => counter.describe());
    await waitFor(() => debugSizes(pub).outgoing === 0, 10000, () => `the publisher to finish every flow (${JSON.stringify(debugSizes(pub))})`);
    await waitFor(() => debugSizes(sub).incomingQos2 === 0, 5000, 'the subscriber QoS 2 state to drain');
    report('broker SIGKILL (network held) + restart', counter, { kills, pubReconnects: pubH.connects.length - 1, subReconnects: subH.connects.length - 1 });
    expect(kills).toBe(2);
    expect(pubH.connects.slice(1).every((c) => c.sessionPresent)).toBe(true);
    expect(subH.connects.slice(1).every((c) => c.sessionPresent)).toBe(true);
    expect(counter.q1.missing()).toEqual([]);
    expect(counter.q2.missing()).toEqual([]);
    expect(counter.q2.duplicates()).toEqual([]);
  }, 40000);

  it(`killed at an arbitrary instant: ${N} QoS 1 + ${N} QoS 2; every flow completes, broker rollbacks bounded by the windows`, async () => {
    const { broker } = net;
    const { counter, sub, subH, pub, pubH } = await setup(uid('bka'), false);
    let kills = 0;
    const killAt = [N * 0.3, N * 0.65].map(Math.floor);
    let busy: Promise<void> = Promise.resolve();
    await publishPaced(pub, counterRun(counter), N, 25, 30, (sent) => {
      if (killAt.length > 0 && sent >= killAt[0]) {
        killAt.shift();
        busy = busy.then(async () => {
          await broker.kill9();
          kills++;
          await waitFor(() => pubH.disconnects.length >= kills && subH.disconnects.length >= kills, 5000, 'both clients to notice');
          await broker.restart();
        });
      }
    });
    await busy;
    await waitFor(() => debugSizes(pub).outgoing === 0, 20000, () => `the publisher to finish every flow (${JSON.stringify(debugSizes(pub))})`);
    await waitFor(() => debugSizes(sub).incomingQos2 === 0, 10000, 'the subscriber QoS 2 state to drain');
    // Whatever the broker still holds reaches the subscriber: a QoS 2 round trip on a fresh topic after it.
    await waitFor(() => counter.complete, 3000, () => counter.describe()).catch(() => undefined);
    const f = counter.figures();
    report('broker SIGKILL (arbitrary instant) + restart', counter, {
      kills, missingQos1: counter.q1.missing(), missingQos2: counter.q2.missing(), duplicatedQos2: counter.q2.duplicates(),
    });
    expect(kills).toBe(2);
    expect(pubH.connects.slice(1).every((c) => c.sessionPresent)).toBe(true);
    expect(f.qos1.lost + f.qos2.lost).toBeLessThanOrEqual(2 * WINDOW * kills);
    expect(f.qos2.duplicated).toBeLessThanOrEqual(WINDOW * kills);
  }, 40000);
});

function counterRun(c: StreamCounter): string {
  return c.run;
}
