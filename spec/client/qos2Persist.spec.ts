/**
 * Incoming QoS 2 with a fileStore through the whole Client (memory transport, scripted broker,
 * fake clock): the message is journaled and the journal synced before its PUBREC is written;
 * it stays journaled while on_message runs (a crash there delivers it again) and goes with its
 * PUBCOMP; a Client restarted on the crash image with cleanSession false delivers it once at
 * the broker's resent PUBREL.
 */
import { Client, MQTTMessage, MQTTv5 } from '../../lib';
import { Packet, Parser } from '../../lib/protocol';
import type { FileStore } from '../../lib/store/file';
import type { OutgoingStore } from '../../lib/store/types';
import type { Transport } from '../../lib/transport/types';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { settle, started, useFakeClock } from '../support/wait';
import { useStoreDirs } from '../store/support';
const { tmpDir, open, crashImage } = useStoreDirs('qos2persist');

useFakeClock();

const wire = (broker: MemoryBroker): string[] =>
  broker.received.filter((p) => p.type !== 'connect').map((p) => `${p.type}:${(p as { packetId?: number }).packetId ?? ''}`);

/**
 * A fileStore and a transport that note, in one sequence, each sync (with the incoming
 * messages then journaled) and each socket write (with the packets it carries).
 */
function tracing(store: FileStore, broker: MemoryBroker) {
  const trace: string[] = [];
  const traced: OutgoingStore = {
    load: () => store.load(),
    put: (m) => store.put(m),
    setState: (mid, state, everSent) => store.setState(mid, state, everSent),
    delete: (mid) => store.delete(mid),
    clear: () => store.clear(),
    close: () => store.close(),
    incoming: store.incoming,
    flush: () => {
      const before = store.incoming!.journal.syncCount;
      store.flush();
      if (store.incoming!.journal.syncCount > before) trace.push(`sync incoming [${store.incoming!.load().map((m) => m.mid).join(',')}]`);
    },
  };
  const parser = new Parser({ protocolVersion: 4 });
  const createTransport = (): Transport => {
    const t = broker.listener.createTransport();
    const write = t.write.bind(t);
    t.write = (chunks: Buffer[]) => {
      const packets = parser.feed(Buffer.concat(chunks)).filter((p) => p.type !== 'connect');
      if (packets.length > 0) trace.push(`write ${packets.map((p) => `${p.type}:${(p as { packetId?: number }).packetId ?? ''}`).join(' ')}`);
      return write(chunks);
    };
    return t;
  };
  return { traced, createTransport, trace };
}

const pubrel = (packetId: number): Packet => ({ type: 'pubrel', packetId });

describe('incoming QoS 2 with a fileStore (Client)', () => {
  test('journaled and synced before the PUBREC is written; journaled while on_message runs; gone with the PUBCOMP', async () => {
    const broker = new MemoryBroker();
    const store = open(tmpDir());
    const { traced, createTransport, trace } = tracing(store, broker);
    const c = broker.client({ cleanSession: false, store: traced, createTransport });
    const journaledAtCall: number[][] = [];
    c.on_message = () => { journaledAtCall.push(store.incoming!.load().map((m) => m.mid)); };
    await started(c);

    broker.send(publishPacket('t', 'x', 2, 7));
    await settle();
    expect(wire(broker)).toEqual(['pubrec:7']);
    broker.send(pubrel(7));
    await settle();
    expect(journaledAtCall).toEqual([[7]]);
    expect(wire(broker)).toEqual(['pubrec:7', 'pubcomp:7']);
    // The record was on disk before the PUBREC left; its delete is synced before the PUBCOMP leaves.
    expect(trace).toEqual(['sync incoming [7]', 'write pubrec:7', 'sync incoming []', 'write pubcomp:7']);
    expect(store.incoming!.load()).toEqual([]);
    c.disconnect();
    await settle();
  });

  test('a Client restarted on the crash image (cleanSession false, Session Present) delivers the message once at the PUBREL', async () => {
    const dir = tmpDir();
    const broker = new MemoryBroker();
    const c = broker.client({ cleanSession: false, store: open(dir) });
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); };
    await started(c);
    broker.send(publishPacket('t', 'one', 2, 7), publishPacket('t', 'two', 2, 8));
    await settle();
    expect(wire(broker)).toEqual(['pubrec:7', 'pubrec:8']);
    const image = crashImage(dir); // the process dies here, before any PUBREL
    await c.loopStop();

    const broker2 = new MemoryBroker();
    broker2.sessionPresent = true;
    const c2 = broker2.client({ cleanSession: false, store: open(image) });
    const got2: Array<[string, number]> = [];
    c2.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got2.push([m.payload.toString(), m.mid]); };
    await started(c2);
    broker2.send(pubrel(7), pubrel(8));
    await settle();
    broker2.send(pubrel(7)); // our PUBCOMP lost: completed again, not delivered again
    await settle();
    expect(got).toEqual([]);
    expect(got2).toEqual([['one', 7], ['two', 8]]);
    expect(wire(broker2)).toEqual(['pubcomp:7', 'pubcomp:8', 'pubcomp:7']);
    c2.disconnect();
    await settle();
  });

  test('MQTT 5: a Client restarted on the crash image with cleanStart false delivers the message at the PUBREL', async () => {
    const dir = tmpDir();
    const broker = new MemoryBroker(5);
    const c = broker.client({ protocol: MQTTv5, store: open(dir) });
    await c.connect('broker', 1883, 0); // cleanStart FIRST_ONLY: this first connection is clean
    c.loopStart();
    await settle();
    broker.send(publishPacket('t', 'one', 2, 7));
    await settle();
    expect(wire(broker)).toEqual(['pubrec:7']);
    const image = crashImage(dir); // the process dies here, before the PUBREL
    await c.loopStop();

    const broker2 = new MemoryBroker(5);
    broker2.sessionPresent = true;
    const c2 = broker2.client({ protocol: MQTTv5, store: open(image) });
    const got: string[] = [];
    c2.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); };
    await c2.connect('broker', 1883, 0, '', 0, false);
    c2.loopStart();
    await settle();
    broker2.send(pubrel(7));
    await settle();
    expect(got).toEqual(['one']);
    expect(wire(broker2)).toEqual(['pubcomp:7']);
    c2.disconnect();
    await settle();
  });
});
