/**
 * The client process is killed (SIGKILL) and restarted with its fileStore: a child
 * process publishes N QoS 1 + N QoS 2 messages with cleanSession false and fileStore(dir); it
 * is killed mid-stream, started again with the same client id and directory (it takes over the
 * dead process's lock and resends everything unacknowledged: DUP PUBLISH, or PUBREL past
 * PUBREC), killed again, and started a last time to finish. A persistent subscriber counts by
 * sequence number: 0 lost, 0 duplicated at QoS 2; QoS 1 duplicates are counted and printed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { useClients } from '../client/support';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { PublisherProcess } from './childProcess';
import { report, startStreamClient, StreamCounter, uid, waitFor } from './support';
import { debugSizes } from '../support/clientInternals';

const N = 1000;

describeWithMosquitto('client SIGKILL + restart with the file store', () => {
  const clients = useClients();
  let broker: MosquittoBroker;
  const children: PublisherProcess[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    broker = await startMosquitto({ persistence: true });
  });
  afterAll(async () => {
    await broker?.stop();
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.stop();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it(`${N} QoS 1 + ${N} QoS 2 messages across two kills of the publishing process`, async () => {
    const run = uid('ck');
    const counter = new StreamCounter(run, N);
    const { client: sub } = await startStreamClient(clients, { id: 'ksub', cleanSession: false, delays: [0.05, 0.2], at: broker, what: 'the subscriber' }, counter);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-ck-'));
    dirs.push(dir);
    const base = { host: broker.host, port: broker.port, id: uid('kpub'), dir: path.join(dir, 'store'), run, n: N };
    const start = (phase: 'publish' | 'drain') => {
      const p = new PublisherProcess({ ...base, phase });
      children.push(p);
      return p;
    };

    // Life 1: publishes everything, killed after a quarter is acknowledged.
    const life1 = start('publish');
    await life1.until(() => life1.acked >= N / 2, 20000, 'a quarter acknowledged');
    await life1.kill9();
    const acked1 = life1.acked;

    // Life 2: resends what is left, killed again part-way.
    const life2 = start('drain');
    await life2.until(() => life2.acked >= N / 2, 20000, 'more acknowledged after the first restart');
    await life2.kill9();
    expect(life2.loaded).toBeGreaterThan(0);
    expect(life2.loaded).toBeLessThanOrEqual(2 * N - acked1);
    expect(life2.connacks[0]).toEqual({ rc: 0, sessionPresent: true });

    // Life 3: finishes.
    const life3 = start('drain');
    await life3.until(() => life3.done, 20000, 'the last life to empty its store');
    expect((await life3.exited).code).toBe(0);
    expect(life3.loaded).toBeGreaterThan(0);
    expect(fs.readdirSync(base.dir).sort()).toEqual(['incoming.journal', 'outgoing.journal']); // lock released

    await waitFor(() => counter.complete, 10000, () => counter.describe());
    await waitFor(() => debugSizes(sub).incomingQos2 === 0, 5000, 'the subscriber QoS 2 state to drain');
    report('client SIGKILL + restart (fileStore)', counter, {
      kills: 2, loadedAfterKill1: life2.loaded, loadedAfterKill2: life3.loaded,
    });
    expect(counter.q1.missing()).toEqual([]);
    expect(counter.q2.missing()).toEqual([]);
    expect(counter.q2.duplicates()).toEqual([]);
    expect(counter.q1.strays.concat(counter.q2.strays)).toEqual([]);
  }, 60000);
});
