/**
 * Packet identifiers 1..65535, shared by PUBLISH, SUBSCRIBE and UNSUBSCRIBE (one counter, as
 * paho), skipping identifiers still in use so a long-unacknowledged message is never
 * confused with a new one. The set of ids in use is created on first use and dropped when it
 * empties: an idle connection never holds one, also after its SUBSCRIBE was answered (idle
 * memory per connection is benchmarked).
 */
export class PacketIds {
  private last = 0;
  private inUse: Set<number> | null = null;

  /** The next free identifier, marked in use; 0 when all 65535 are taken. */
  allocate(): number {
    const used = (this.inUse ??= new Set<number>());
    if (used.size >= 65535) return 0;
    const id = this.next();
    used.add(id);
    return id;
  }

  /**
   * The next free identifier, not marked in use: what a QoS 0 PUBLISH reports as its mid (it
   * carries none on the wire; paho still numbers it from the same counter).
   */
  next(): number {
    const used = this.inUse;
    let id = this.last;
    if (used === null || used.size === 0 || used.size >= 65535) {
      id = id === 65535 ? 1 : id + 1;
    } else {
      do {
        id = id === 65535 ? 1 : id + 1;
      } while (used.has(id));
    }
    this.last = id;
    return id;
  }

  /** Marks an identifier taken by a message restored from a store. */
  claim(id: number): void {
    (this.inUse ??= new Set<number>()).add(id);
    if (id > this.last) this.last = id;
  }

  /** Frees an identifier; the set goes with the last one (made again by the next allocate()). */
  release(id: number): void {
    const used = this.inUse;
    if (used !== null && used.delete(id) && used.size === 0) this.inUse = null;
  }

  has(id: number): boolean {
    return this.inUse !== null && this.inUse.has(id);
  }

  get size(): number {
    return this.inUse === null ? 0 : this.inUse.size;
  }

  clear(): void {
    this.inUse = null;
  }
}
