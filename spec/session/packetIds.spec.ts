/**
 * PacketIds (lib/session/packetIds.ts): the ids in use, a Set while few and a bitmap past that,
 * made on first use and given up with the last id, answer as one Set would; the one emptied
 * bitmap the process keeps for the next user carries no id of the connection that gave it up,
 * also after clear() with ids still in use.
 */
import { seeded } from '../support/random';
import { PacketIds } from '../../lib/session/packetIds';

describe('PacketIds', () => {
  it('allocates in order, skips ids in use, frees them, and counts them', () => {
    const ids = new PacketIds();
    expect([ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([1, 2, 3]);
    ids.release(2);
    ids.release(2); // twice: counted once
    expect(ids.size).toBe(2);
    expect([ids.has(1), ids.has(2), ids.has(3)]).toEqual([true, false, true]);
    ids.claim(70); // restored from a store: the counter moves past it
    ids.claim(70);
    expect(ids.size).toBe(3);
    expect(ids.allocate()).toBe(71);
  });

  it('wraps from 65535 to 1 past ids in use, and refuses a 65536th', () => {
    const ids = new PacketIds();
    for (let i = 1; i <= 65535; i++) expect(ids.allocate()).toBe(i);
    expect(ids.allocate()).toBe(0);
    ids.release(5);
    ids.release(40000);
    expect(ids.allocate()).toBe(5);
    expect(ids.allocate()).toBe(40000);
  });

  it('a bitmap given up by one connection holds none of its ids for the next', () => {
    const a = new PacketIds();
    for (let i = 0; i < 100; i++) a.allocate();
    for (let i = 1; i <= 100; i++) a.release(i);
    expect(a.size).toBe(0);
    const b = new PacketIds();
    b.claim(200); // takes the kept bitmap
    for (let i = 1; i <= 100; i++) expect(b.has(i)).toBe(false);
    expect(b.size).toBe(1);
  });

  it('clear() with ids in use leaves them in no one else\'s bitmap', () => {
    const a = new PacketIds();
    for (let i = 0; i < 100; i++) a.allocate();
    a.clear();
    expect(a.size).toBe(0);
    expect(a.has(7)).toBe(false);
    const b = new PacketIds();
    for (let i = 0; i < 100; i++) b.claim(60000 + i); // a bitmap again: the one a gave up
    for (let i = 1; i <= 100; i++) expect(b.has(i)).toBe(false);
    expect(a.allocate()).toBe(101); // the counter goes on
    expect(a.has(7)).toBe(false);
  });

  it('answers as a Set would while ids come and go across the Set/bitmap boundary', () => {
    const rnd = seeded(17);
    const ids = new PacketIds();
    const model = new Set<number>();
    for (let step = 0; step < 20000; step++) {
      const r = rnd();
      if (r < 0.55 || model.size === 0) {
        const id = ids.allocate();
        expect(model.has(id)).toBe(false);
        model.add(id);
      } else if (r < 0.6) {
        const id = 1 + Math.floor(rnd() * 65535);
        ids.claim(id);
        model.add(id);
      } else {
        const all = [...model];
        const id = all[Math.floor(rnd() * all.length)];
        ids.release(id);
        model.delete(id);
      }
      if (step % 97 === 0) {
        expect(ids.size).toBe(model.size);
        for (const id of model) expect(ids.has(id)).toBe(true);
      }
      if (step % 1000 === 999) { // drain: given up, made again
        for (const id of [...model]) ids.release(id);
        model.clear();
        expect(ids.size).toBe(0);
      }
    }
  });
});
