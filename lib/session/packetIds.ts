/**
 * Packet identifiers 1..65535, shared by PUBLISH, SUBSCRIBE and UNSUBSCRIBE (one counter, as
 * paho), skipping identifiers still in use so a long-unacknowledged message is never
 * confused with a new one.
 *
 * Each QoS 1/2 message allocates and releases an id, and every QoS 0 publish asks for the next
 * free one, so these run per message. The ids in use are a Set while there are few, and a bitmap
 * (65536 bits, 8 KB, and their count) past FEW_IDS: a Set cost 3% of the QoS 1 bench's busy time,
 * most of it hashing and rehashing while tens of thousands of queued messages held ids, where a
 * bit test costs nothing of the kind; but 8 KB for a connection's one SUBSCRIBE or its window of
 * 20 would weigh on thousands of connections. Either is made on first use and given up with the
 * last id: an idle connection never holds one, also after its SUBSCRIBE was answered (idle memory
 * per connection is benchmarked). A bitmap given up is all zeros; the process keeps one such for
 * the next connection that needs one, so a busy queue that drains and refills does not make 8 KB
 * each time.
 */
import { ValueError } from '../errors';

/**
 * A message id read back from a store (ours or the caller's OutgoingStore): an integer from 1 to
 * 65535, or a ValueError naming the record. Checked before it reaches the id table or an ack's
 * two bytes, where a bad value would be silently wrapped.
 */
export function checkStoredId(id: unknown, what: string): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 65535) {
    throw new ValueError(`store: ${what} has message id ${String(id)}; message ids are integers from 1 to 65535`);
  }
  return id;
}

export class PacketIds {
  private last = 0;
  /** The ids in use: a Set, or past FEW_IDS a bitmap whose word COUNT counts them; null while none is. */
  private inUse: Set<number> | Uint32Array | null = null;

  /** The next free identifier, marked in use; 0 when all 65535 are taken. */
  allocate(): number {
    if (this.size >= 65535) return 0;
    const id = this.next();
    this.mark(id);
    return id;
  }

  /**
   * The next free identifier, not marked in use: what a QoS 0 PUBLISH reports as its mid (it
   * carries none on the wire; paho still numbers it from the same counter).
   */
  next(): number {
    let id = this.last;
    if (this.inUse === null || this.size >= 65535) {
      id = id === 65535 ? 1 : id + 1;
    } else {
      do {
        id = id === 65535 ? 1 : id + 1;
      } while (this.has(id));
    }
    this.last = id;
    return id;
  }

  /** Marks an identifier taken by a message restored from a store. */
  claim(id: number): void {
    this.mark(id);
    if (id > this.last) this.last = id;
  }

  /** Frees an identifier; the Set or bitmap goes with the last one (made again by the next allocate()). */
  release(id: number): void {
    const used = this.inUse;
    if (used === null) return;
    if (!(used instanceof Uint32Array)) {
      if (used.delete(id) && used.size === 0) this.inUse = null;
      return;
    }
    const bit = 1 << (id & 31);
    const word = id >>> 5;
    if ((used[word] & bit) === 0) return;
    used[word] &= ~bit;
    if (--used[COUNT] === 0) this.giveUp(used);
  }

  has(id: number): boolean {
    const used = this.inUse;
    if (used === null) return false;
    if (!(used instanceof Uint32Array)) return used.has(id);
    return (used[id >>> 5] & (1 << (id & 31))) !== 0;
  }

  get size(): number {
    const used = this.inUse;
    if (used === null) return 0;
    return used instanceof Uint32Array ? used[COUNT] : used.size;
  }

  clear(): void {
    const used = this.inUse;
    if (used instanceof Uint32Array) {
      used.fill(0);
      this.giveUp(used);
    }
    this.inUse = null;
  }

  private mark(id: number): void {
    const used = this.inUse;
    if (used === null) {
      const ids = new Set<number>();
      ids.add(id);
      this.inUse = ids;
      return;
    }
    if (!(used instanceof Uint32Array)) {
      if (used.size < FEW_IDS || used.has(id)) {
        used.add(id);
        return;
      }
      this.inUse = bitmapOf(used);
      this.mark(id);
      return;
    }
    const bit = 1 << (id & 31);
    const word = id >>> 5;
    if ((used[word] & bit) !== 0) return;
    used[word] |= bit;
    used[COUNT]++;
  }

  private giveUp(bitmap: Uint32Array): void {
    if (spare === null) spare = bitmap;
    this.inUse = null;
  }
}

/** Ids a Set holds before they move to a bitmap. */
const FEW_IDS = 64;
/** Index of the bitmap's count, after its 2048 words of bits. */
const COUNT = 2048;

/** A bitmap no connection uses (all zeros), for the next that needs one. */
let spare: Uint32Array | null = null;

function bitmapOf(ids: Set<number>): Uint32Array {
  const b = spare ?? new Uint32Array(COUNT + 1);
  spare = null;
  for (const id of ids) b[id >>> 5] |= 1 << (id & 31);
  b[COUNT] = ids.size;
  return b;
}
