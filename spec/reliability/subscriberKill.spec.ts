/**
 * The subscriber process is killed (SIGKILL) while QoS 2 messages sit between PUBREC and
 * PUBREL, and restarted with its fileStore: none is lost. QoS 2 is delivered at PUBREL (as
 * paho), so the messages PUBREC'd but not yet released live in the store's incoming journal;
 * the restarted process loads them and the broker's resent PUBRELs deliver them.
 *
 * A child subscriber (child-subscriber.ts) connects through a fault proxy to mosquitto:
 *   1. H messages are delivered and their handlers never settle (PUBCOMP held at the kill);
 *   2. the proxy holds the subscriber's PUBRECs while K more PUBLISHes reach it, then lets
 *      them through and holds the broker's PUBRELs instead (mosquitto's log says it sent them);
 *   3. SIGKILL; restart with the same client id and directory.
 * Expected: the K messages delivered once each (only after the restart), the H messages
 * twice (delivered, not completed at the kill: at least once at a crash), nothing else.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Client } from '../../lib';
import { fileStore } from '../../lib/store/file';
import { useClients } from '../client/support';
import { FaultProxy, startFaultProxy } from '../support/faultProxy';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { ChildClientProcess } from './childProcess';
import { uid, waitFor } from './support';

const H = 3; // delivered, PUBCOMP held at the kill
const K = 40; // PUBREC'd, PUBREL held at the kill

/** child-subscriber.ts as a process: delivered payloads (M p), traced log lines (G line), named values (KIND v). */
class SubscriberProcess extends ChildClientProcess {
  constructor(args: Record<string, string | number>) {
    super('child-subscriber.ts', args);
  }

  /** Payloads delivered, in order. */
  get delivered(): string[] {
    return this.lines.filter((l) => l.startsWith('M ')).map((l) => l.slice(2));
  }

  /** How many traced log lines start with `prefix` ('Received PUBREL', 'Sending PUBCOMP'...). */
  traced(prefix: string): number {
    return this.lines.filter((l) => l.startsWith(`G ${prefix}`)).length;
  }

  value(kind: string): string | undefined {
    return this.lines.find((l) => l.startsWith(`${kind} `))?.slice(kind.length + 1);
  }
}

describeWithMosquitto('subscriber SIGKILL between PUBREC and PUBREL, restart with the file store', () => {
  const clients = useClients();
  let broker: MosquittoBroker;
  let proxy: FaultProxy;
  const children: SubscriberProcess[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    // Every message of the test in flight at once (mosquitto's default window is 20).
    broker = await startMosquitto({ extraConfig: 'max_inflight_messages 100' });
    proxy = await startFaultProxy({ targetPort: broker.port });
  });
  afterAll(async () => {
    await proxy?.close();
    await broker?.stop();
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.stop();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it(`${K} QoS 2 messages awaiting PUBREL and ${H} awaiting PUBCOMP at the kill: 0 lost, exactly the ${H} delivered twice`, async () => {
    const topic = `inpersist/${uid('t')}`;
    const id = uid('isub');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-isub-'));
    dirs.push(tmp);
    const dir = path.join(tmp, 'store');
    const start = (hold: string, expect: number) => {
      const p = new SubscriberProcess({ host: proxy.host, port: proxy.port, id, dir, topic, hold, expect });
      children.push(p);
      return p;
    };
    const pub: Client = clients.make({ clientId: uid('ipub') });
    await pub.connect(broker.host, broker.port, 10);
    pub.loopStart();
    const publish = (from: number, to: number) => {
      for (let k = from; k < to; k++) expect(pub.publish(topic, String(k), 2).rc).toBe(0);
    };
    const pubrelsSent = () => broker.log().split('\n').filter((l) => l.includes(`Sending PUBREL to ${id} `)).length;

    // Life 1, step 1: H messages delivered; their handlers never settle (PUBCOMP held).
    const life1 = start(Array.from({ length: H }, (_, k) => String(k)).join(','), 1 << 20);
    await life1.until(() => life1.lines.includes('S'), 10000, 'the first SUBACK');
    expect(life1.value('L')).toBe('0');
    publish(0, H);
    await life1.until(() => life1.delivered.length === H, 10000, `the first ${H} deliveries`);
    expect(life1.traced('Sending PUBCOMP')).toBe(0);

    // Step 2: the PUBLISHes reach the subscriber, its PUBRECs are held.
    proxy.stall('toBroker');
    const toClient = proxy.forwardedPackets.toClient;
    publish(H, H + K);
    await life1.until(() => life1.traced('Sending PUBREC') === H + K, 10000, `${K} more PUBRECs written`);
    expect(proxy.forwardedPackets.toClient).toBe(toClient + K);
    // Now the PUBRECs go to the broker and its PUBRELs are held (one synchronous switch: nothing slips by).
    const toBroker = proxy.forwardedPackets.toBroker;
    proxy.unstall();
    proxy.stall('toClient');
    // (The proxy may still be reading the last PUBRECs: they go on to the broker as they come.)
    await waitFor(() => proxy.forwardedPackets.toBroker === toBroker + K, 10000, `${K} PUBRECs forwarded`);
    await waitFor(() => pubrelsSent() === H + K, 10000, () => `mosquitto to send ${H + K} PUBRELs (sent ${pubrelsSent()})`);

    // Step 3: the kill, with K messages between PUBREC and PUBREL and H between delivery and PUBCOMP.
    await life1.kill9();
    expect(life1.traced('Received PUBREL')).toBe(H);
    expect(life1.delivered).toEqual(['0', '1', '2']);
    proxy.unstall();

    // Life 2: loads the H + K journaled messages; the broker resends its PUBRELs (Session Present).
    const life2 = start('', H + K);
    await life2.until(() => life2.traced('Sending PUBCOMP') >= H + K, 15000, `${H + K} PUBCOMPs after the restart`);
    expect(life2.value('L')).toBe(String(H + K));
    expect(life2.value('C')).toBe('0 1');
    expect(life2.traced('Received PUBLISH')).toBe(0); // the broker went on with PUBRELs only
    expect(life2.traced('Received PUBREL')).toBe(H + K);

    const all = [...life1.delivered, ...life2.delivered];
    const count = new Map<string, number>();
    for (const s of all) count.set(s, (count.get(s) ?? 0) + 1);
    const lost = Array.from({ length: H + K }, (_, k) => String(k)).filter((s) => !count.has(s));
    const twice = [...count].filter(([, n]) => n > 1).map(([s, n]) => `${s}x${n}`);
    expect(lost).toEqual([]);
    expect(twice).toEqual(Array.from({ length: H }, (_, k) => `${k}x2`));
    expect(all).toHaveLength(2 * H + K);

    await life2.until(() => life2.lines.includes('DONE'), 10000, 'the restarted subscriber to finish');
    expect((await life2.exited).code).toBe(0);
    const after = fileStore(dir);
    try {
      expect(after.incoming!.load()).toEqual([]);
      expect(after.load()).toEqual([]);
    } finally {
      after.close();
    }
  }, 40000);
});
