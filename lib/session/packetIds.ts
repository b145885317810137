/**
 * Packet identifiers 1..65535, shared by PUBLISH, SUBSCRIBE and UNSUBSCRIBE (one counter, as
 * paho), skipping identifiers still in use so a long-unacknowledged message is never
 * confused with a new one.
 *
 * The ids in use are a bitmap (65536 bits, 8 KB, and their count): each QoS 1/2 message
 * allocates and releases one, and every QoS 0 publish asks for the next free one, so these run
 * per message. A Set cost
 * 3% of the QoS 1 bench's busy time, most of it hashing and rehashing while tens of thousands of
 * queued messages held ids; a bit test costs nothing of the kind. The bitmap is made on first use
 * and given up when the last id is released: an idle connection never holds one, also after its
 * SUBSCRIBE was answered (idle memory per connection is benchmarked). A bitmap given up is all
 * zeros; the process keeps one such for the next connection that needs one, so a connection
 * whose window empties and refills between turns does not make 8 KB each time.
 */
export class PacketIds {
  private last = 0;
  /**
   * Bit `id` set: `id` is in use; the word after the bits counts them (no field of its own:
   * idle memory). Null while none is.
   */
  private inUse: Uint32Array | null = null;

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
    const used = this.inUse;
    let id = this.last;
    if (used === null || used[COUNT] >= 65535) {
      id = id === 65535 ? 1 : id + 1;
    } else {
      do {
        id = id === 65535 ? 1 : id + 1;
      } while ((used[id >>> 5] & (1 << (id & 31))) !== 0);
    }
    this.last = id;
    return id;
  }

  /** Marks an identifier taken by a message restored from a store. */
  claim(id: number): void {
    this.mark(id);
    if (id > this.last) this.last = id;
  }

  /** Frees an identifier; the bitmap goes with the last one (made again by the next allocate()). */
  release(id: number): void {
    const used = this.inUse;
    if (used === null) return;
    const bit = 1 << (id & 31);
    const word = id >>> 5;
    if ((used[word] & bit) === 0) return;
    used[word] &= ~bit;
    if (--used[COUNT] === 0) this.giveUp();
  }

  has(id: number): boolean {
    const used = this.inUse;
    return used !== null && (used[id >>> 5] & (1 << (id & 31))) !== 0;
  }

  get size(): number {
    return this.inUse === null ? 0 : this.inUse[COUNT];
  }

  clear(): void {
    this.inUse?.fill(0);
    this.giveUp();
  }

  private giveUp(): void {
    if (this.inUse !== null && spare === null) spare = this.inUse;
    this.inUse = null;
  }

  private mark(id: number): void {
    const used = this.inUse ?? this.takeBitmap();
    const bit = 1 << (id & 31);
    const word = id >>> 5;
    if ((used[word] & bit) !== 0) return;
    used[word] |= bit;
    used[COUNT]++;
  }

  private takeBitmap(): Uint32Array {
    const b = spare ?? new Uint32Array(COUNT + 1);
    spare = null;
    return (this.inUse = b);
  }
}

/** Index of the count, after the 2048 words of bits. */
const COUNT = 2048;

/** A bitmap no connection uses (all zeros), for the next that needs one. */
let spare: Uint32Array | null = null;
