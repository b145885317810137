/**
 * Links cut in the middle of a packet, in both directions, under a QoS 1 + QoS 2
 * stream. The publisher talks to mosquitto through one fault proxy, the subscriber through
 * another; both use cleanSession false and reconnect fast. Repeatedly, the next PUBLISH the
 * publisher sends is cut in half (the broker sees a truncated packet and a closed socket), then
 * the next PUBLISH the broker sends the subscriber, then any packet either way (PUBREC, PUBREL,
 * PUBACK...). Every message must arrive; QoS 2 exactly once; QoS 1 duplicates are counted.
 */
import { useClients } from '../client/support';
import { CutInfo, FaultProxy } from '../support/faultProxy';
import { describeWithMosquitto } from '../support/mosquitto';
import { publishPaced, report, sleep, startStreamClient, StreamCounter, uid, useProxiedBroker, waitFor } from './support';
import { debugSizes } from '../support/clientInternals';

const N = 1000;

describeWithMosquitto('links cut mid-packet', () => {
  const clients = useClients();
  const net = useProxiedBroker();

  it(`${N} QoS 1 + ${N} QoS 2 messages: none lost, no QoS 2 duplicate`, async () => {
    const { pubProxy, subProxy } = net;
    const run = uid('cut');
    const counter = new StreamCounter(run, N);
    const delays: [number, number] = [0.02, 0.1];
    const { h: subH } = await startStreamClient(clients, { id: 'csub', cleanSession: false, delays, at: subProxy, what: 'the subscriber' }, counter);
    const { client: pub, h: pubH } = await startStreamClient(clients, { id: 'cpub', cleanSession: false, delays, at: pubProxy, what: 'the publisher' });

    // The fault loop: one cut at a time, in rotation, while the stream runs.
    const cuts: CutInfo[] = [];
    let streaming = true;
    const plan: Array<[FaultProxy, 'toBroker' | 'toClient', number | undefined]> = [
      [pubProxy, 'toBroker', 3], // PUBLISH client -> broker
      [subProxy, 'toClient', 3], // PUBLISH broker -> client
      [pubProxy, 'toClient', undefined], // PUBACK / PUBREC / PUBCOMP to the publisher
      [subProxy, 'toBroker', undefined], // PUBACK / PUBREC / PUBCOMP from the subscriber
    ];
    const faults = (async () => {
      for (let i = 0; streaming; i++) {
        const [proxy, dir, type] = plan[i % plan.length];
        const cut = proxy.cutMidPacket(dir, { type });
        const done = await Promise.race([cut, (async () => { while (streaming) await sleep(20); return null; })()]);
        if (done === null) {
          proxy.cancelCut();
          return;
        }
        cuts.push(done);
        await sleep(100); // let the stream run a little between faults
      }
    })();

    await publishPaced(pub, run, N, 25, 40);
    await waitFor(() => counter.complete, 20000, () => counter.describe());
    streaming = false;
    await faults;
    await waitFor(() => debugSizes(pub).outgoing === 0, 5000, 'the publisher to finish every flow');

    report('cut mid-packet', counter, {
      cuts: cuts.length,
      cutsByKind: cuts.reduce<Record<string, number>>((a, c) => { const k = `${c.direction}:type${c.packetType}`; a[k] = (a[k] ?? 0) + 1; return a; }, {}),
      pubReconnects: pubH.connects.length - 1, subReconnects: subH.connects.length - 1,
    });
    expect(cuts.length).toBeGreaterThanOrEqual(8);
    expect(cuts.some((c) => c.direction === 'toBroker' && c.packetType === 3)).toBe(true);
    expect(cuts.some((c) => c.direction === 'toClient' && c.packetType === 3)).toBe(true);
    expect(counter.q1.missing()).toEqual([]);
    expect(counter.q2.missing()).toEqual([]);
    expect(counter.q2.duplicates()).toEqual([]);
    expect(counter.q1.strays.concat(counter.q2.strays)).toEqual([]);
  }, 40000);
});
