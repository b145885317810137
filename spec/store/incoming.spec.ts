/**
 * fileStore's journal of incoming QoS 2 messages awaiting PUBREL (store.incoming,
 * lib/store/fileIncoming.ts): put / delete / clear survive close + reopen and a crash image,
 * in arrival order, with retain, DUP, MQTT 5 properties and binary payloads; it shares the
 * outgoing journal's lock, flush and compaction; damage is reported in the store's warnings;
 * and a directory written before this journal existed still opens (nothing awaiting).
 */
import * as fs from 'fs';
import * as path from 'path';
import { fileStore } from '../../lib/store/file';
import type { StoredIncoming } from '../../lib/store/types';
import { useStoreDirs } from './support';
const { tmpDir, open, crashImage } = useStoreDirs('incoming');


function inc(mid: number, payload: string | Buffer, over: Partial<StoredIncoming> = {}): StoredIncoming {
  return { mid, topic: `in/${mid}`, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, retain: false, dup: false, ...over };
}

/** What a restarted process finds in the incoming journal. */
function reloadIncoming(dir: string): StoredIncoming[] {
  const s = fileStore(dir);
  try {
    return s.incoming!.load();
  } finally {
    s.close();
  }
}

function view(list: StoredIncoming[]) {
  return list.map((m) => ({ ...m, payload: m.payload.toString('hex') }));
}

describe('the incoming journal', () => {
  it('put / delete survive close + reopen, in arrival order, with retain, DUP, properties and binary payloads', () => {
    const dir = tmpDir();
    const s = open(dir);
    const binary = Buffer.from([0, 1, 2, 255, 254, 0]);
    s.incoming!.put(inc(7, 'a'));
    s.incoming!.put(inc(3, binary, { retain: true, dup: true }));
    s.incoming!.put(inc(9, 'c', { properties: { UserProperty: [['k', 'v']], CorrelationData: Buffer.from('cd'), ContentType: 'text/plain' } }));
    s.incoming!.put(inc(4, 'd'));
    s.incoming!.delete(9);
    s.close();
    const back = reloadIncoming(dir);
    expect(view(back)).toEqual(view([inc(7, 'a'), inc(3, binary, { retain: true, dup: true }), inc(4, 'd')]));

    const s2 = open(dir);
    s2.incoming!.put(inc(9, 'c', { properties: { UserProperty: [['k', 'v']], CorrelationData: Buffer.from('cd') } }));
    s2.close();
    const again = reloadIncoming(dir);
    expect(again.map((m) => m.mid)).toEqual([7, 3, 4, 9]);
    expect(again[3].properties).toEqual({ UserProperty: [['k', 'v']], CorrelationData: Buffer.from('cd') });
  });

  it('a resend of a kept id replaces it (one record, the latest, moved to the end)', () => {
    const dir = tmpDir();
    const s = open(dir);
    s.incoming!.put(inc(1, 'first'));
    s.incoming!.put(inc(2, 'other'));
    s.incoming!.put(inc(1, 'resent', { dup: true }));
    s.close();
    expect(view(reloadIncoming(dir))).toEqual(view([inc(2, 'other'), inc(1, 'resent', { dup: true })]));
  });

  it('a crash image (no close, no flush) holds every put and delete: each is written inside the call', () => {
    const dir = tmpDir();
    const s = open(dir);
    s.incoming!.put(inc(1, 'x'));
    s.incoming!.put(inc(2, 'y'));
    s.incoming!.delete(1);
    const image = crashImage(dir);
    expect(view(reloadIncoming(image))).toEqual(view([inc(2, 'y')]));
  });

  it('clear() forgets everything; clear() with nothing kept and delete() of an id not kept write nothing', () => {
    const dir = tmpDir();
    const s = open(dir);
    const file = path.join(dir, 'incoming.journal');
    s.incoming!.clear();
    s.incoming!.delete(42);
    expect(fs.statSync(file).size).toBe(0);
    s.incoming!.put(inc(1, 'x'));
    const afterPut = fs.statSync(file).size;
    expect(afterPut).toBeGreaterThan(0);
    s.incoming!.delete(42);
    expect(fs.statSync(file).size).toBe(afterPut);
    s.incoming!.clear();
    expect(fs.statSync(file).size).toBeGreaterThan(afterPut);
    s.close();
    expect(reloadIncoming(dir)).toEqual([]);
  });

  it('the outgoing journal and the incoming one are independent (the same packet id in both)', () => {
    const dir = tmpDir();
    const s = open(dir);
    s.put({ mid: 1, topic: 'out', payload: Buffer.from('o'), qos: 2, retain: false, state: 'sent', everSent: true });
    s.incoming!.put(inc(1, 'i'));
    s.incoming!.delete(1);
    s.close();
    const again = open(dir);
    expect(again.load().map((m) => [m.mid, m.topic, m.state])).toEqual([[1, 'out', 'sent']]);
    expect(again.incoming!.load()).toEqual([]);
    again.delete(1);
    again.incoming!.put(inc(1, 'i2'));
    again.close();
    const third = open(dir);
    expect(third.load()).toEqual([]);
    expect(third.incoming!.load().map((m) => m.payload.toString())).toEqual(['i2']);
  });

  it('flush() syncs the incoming journal too, only when it was written', () => {
    const s = open(tmpDir());
    const j = s.incoming!.journal;
    s.flush();
    expect(j.syncCount).toBe(0);
    s.incoming!.put(inc(1, 'x'));
    s.flush();
    expect(j.syncCount).toBe(1);
    expect(s.syncCount).toBe(0); // nothing outgoing was written
    s.flush();
    expect(j.syncCount).toBe(1);
  });

  it('keeps its file bounded by compaction across many put/delete cycles, and the kept ones survive', () => {
    const dir = tmpDir();
    const s = open(dir, { compactMinBytes: 4096 });
    const payload = Buffer.alloc(100, 7);
    for (let i = 0; i < 5000; i++) {
      const mid = (i % 60000) + 1;
      s.incoming!.put(inc(mid, payload));
      if (i >= 3) s.incoming!.delete(mid - 3); // three awaiting at any time
    }
    const j = s.incoming!.journal;
    expect(j.compactionCount).toBeGreaterThan(10);
    expect(fs.statSync(path.join(dir, 'incoming.journal')).size).toBeLessThanOrEqual(4096 + 200);
    s.close();
    expect(reloadIncoming(dir).map((m) => m.mid)).toEqual([4998, 4999, 5000]);
    expect(fs.readdirSync(dir).sort()).toEqual(['incoming.journal', 'outgoing.journal']);
  });

  it('damage in the incoming journal is reported in the store warnings and skipped; its neighbours survive', () => {
    const dir = tmpDir();
    const s = open(dir);
    s.incoming!.put(inc(1, 'one'));
    s.incoming!.put(inc(2, 'two'));
    s.incoming!.put(inc(3, 'three'));
    s.close();
    const file = path.join(dir, 'incoming.journal');
    const buf = fs.readFileSync(file);
    const second = 16 + buf.readUInt32BE(4); // start of the second record
    buf[second + 20] ^= 0xff; // a byte of its body
    fs.writeFileSync(file, buf);
    const reports: string[] = [];
    const s2 = open(dir, { onCorrupt: (r) => reports.push(`${path.basename(r.file)} ${r.reason}`) });
    expect(s2.incoming!.load().map((m) => m.mid)).toEqual([1, 3]);
    expect(s2.warnings.map((w) => `${path.basename(w.file)} ${w.reason}`)).toEqual(['incoming.journal bad-crc']);
    expect(reports).toEqual(['incoming.journal bad-crc']);
  });

  it('shares the directory lock: a second store on the directory throws; after close() it opens', () => {
    const dir = tmpDir();
    const s = open(dir);
    s.incoming!.put(inc(1, 'x'));
    expect(() => fileStore(dir)).toThrow(/in use by another client/);
    expect(fs.statSync(path.join(dir, 'incoming.journal')).mode & 0o777).toBe(0o600);
    s.close();
    expect(fs.readdirSync(dir).sort()).toEqual(['incoming.journal', 'outgoing.journal']);
    expect(reloadIncoming(dir).map((m) => m.mid)).toEqual([1]);
  });

  it('load() re-opens a closed store, incoming journal included', () => {
    const dir = tmpDir();
    const s = open(dir);
    s.incoming!.put(inc(5, 'x'));
    s.close();
    expect(() => s.incoming!.put(inc(6, 'y'))).toThrow(/closed/);
    s.load();
    expect(s.incoming!.load().map((m) => m.mid)).toEqual([5]);
    s.incoming!.put(inc(6, 'y'));
    s.close();
    expect(reloadIncoming(dir).map((m) => m.mid)).toEqual([5, 6]);
  });

  it('a directory written before the incoming journal existed opens: its outgoing messages, nothing awaiting', () => {
    const dir = tmpDir();
    // What the store wrote before: outgoing.journal (and the lock while open), nothing else.
    const s = open(dir);
    s.put({ mid: 4, topic: 'old', payload: Buffer.from('kept'), qos: 1, retain: false, state: 'sent', everSent: true });
    s.close();
    fs.rmSync(path.join(dir, 'incoming.journal'));
    expect(fs.readdirSync(dir)).toEqual(['outgoing.journal']);
    const old = open(dir);
    expect(old.load().map((m) => [m.mid, m.payload.toString()])).toEqual([[4, 'kept']]);
    expect(old.incoming!.load()).toEqual([]);
    expect(old.warnings).toEqual([]);
  });
});
