/**
 * N QoS 1 + N QoS 2 messages under repeated faults of every kind at once: the
 * publisher is a child process with a fileStore behind one fault proxy, the subscriber is in
 * this process behind another; while the stream runs, faults rotate: PUBLISH cut mid-packet
 * towards the broker, PUBLISH cut towards the subscriber, any packet cut either way, every
 * link dropped, and the publisher process SIGKILLed and started again (same id and dir).
 * Used by spec/reliability/combined.spec.ts (10,000 of each, npm test) and
 * spec/soak/combined.spec.ts (50,000 of each, faults twice as often, npm run soak).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Clients } from '../client/support';
import { FaultProxy } from '../support/faultProxy';
import { PublisherProcess } from './childProcess';
import { ProxiedBroker, report, sleep, startProxiedBroker, startStreamClient, stopProxiedBroker, StreamCounter, uid, waitFor } from './support';
import { debugSizes } from '../support/clientInternals';

export async function runCombined(n: number, opts: { faultEveryMs: number; timeoutMs: number }): Promise<void> {
  const clients = new Clients();
  const net: Partial<ProxiedBroker> = {};
  const children: PublisherProcess[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-comb-'));
  let streaming = true;
  try {
    // Persistence on, but saved every 1,000 changes rather than after every main-loop turn:
    // the broker is not killed here, and saving its whole database per turn caps it at ~500 msg/s.
    const { broker, pubProxy, subProxy } = await startProxiedBroker(net, 'autosave_interval 1000');
    const t0 = performance.now();
    const run = uid('comb');
    const counter = new StreamCounter(run, n);
    const subAt = { host: broker.host, port: subProxy.port };
    const { client: sub, h: subH } = await startStreamClient(clients, { id: 'msub', cleanSession: false, delays: [0.02, 0.1], at: subAt, what: 'the subscriber' }, counter);

    const base = { host: broker.host, port: pubProxy.port, id: uid('mpub'), dir: path.join(dir, 'store'), run, n };
    let current = new PublisherProcess({ ...base, phase: 'publish' });
    children.push(current);
    await current.until(() => current.loaded >= 0, 20000, 'the first life to open its store');

    const tally: Record<string, number> = { cutPublishToBroker: 0, cutPublishToClient: 0, cutAnyToClient: 0, cutAnyToBroker: 0, dropAll: 0, clientKill: 0 };
    const loaded: number[] = [];
    const px = pubProxy;
    const sx = subProxy;
    /** Arms a cut and waits for it (or for the end of the stream). */
    const cut = async (proxy: FaultProxy, dir: 'toBroker' | 'toClient', type: number | undefined, name: string) => {
      const p = proxy.cutMidPacket(dir, { type });
      const done = await Promise.race([p, (async () => { while (streaming) await sleep(10); return null; })()]);
      if (done === null) proxy.cancelCut();
      else tally[name]++;
    };
    const faults = (async () => {
      for (let i = 0; streaming; i++) {
        await sleep(opts.faultEveryMs);
        if (!streaming) break;
        switch (i % 6) {
          case 0: await cut(px, 'toBroker', 3, 'cutPublishToBroker'); break;
          case 1: await cut(sx, 'toClient', 3, 'cutPublishToClient'); break;
          case 2: {
            if (current.done) break;
            await current.kill9();
            tally.clientKill++;
            current = new PublisherProcess({ ...base, phase: 'drain' });
            children.push(current);
            const c = current;
            await c.until(() => c.loaded >= 0, 20000, 'the restarted publisher to load its store');
            loaded.push(c.loaded);
            break;
          }
          case 3: await cut(px, 'toClient', undefined, 'cutAnyToClient'); break;
          case 4: await cut(sx, 'toBroker', undefined, 'cutAnyToBroker'); break;
          case 5: px.dropAll(); sx.dropAll(); tally.dropAll++; break;
        }
      }
    })();
    await waitFor(() => counter.complete, opts.timeoutMs, () => counter.describe());
    streaming = false;
    await faults;
    const last = current;
    await last.until(() => last.done, 20000, 'the publisher to empty its store');
    await waitFor(() => debugSizes(sub).incomingQos2 === 0, 5000, 'the subscriber QoS 2 state to drain');
    const seconds = (performance.now() - t0) / 1000;
    report(`combined faults, ${n} + ${n}`, counter, {
      seconds: Math.round(seconds * 10) / 10, faults: tally, publisherLives: children.length, loadedAfterKills: loaded,
      subReconnects: subH.connects.length - 1,
    });
    expect(counter.q1.missing()).toEqual([]);
    expect(counter.q2.missing()).toEqual([]);
    expect(counter.q2.duplicates()).toEqual([]);
    expect(counter.q1.strays.concat(counter.q2.strays)).toEqual([]);
    expect(tally.clientKill).toBeGreaterThanOrEqual(1);
  } finally {
    streaming = false;
    for (const c of children) c.stop();
    await clients.cleanup().catch(() => undefined);
    await stopProxiedBroker(net);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
