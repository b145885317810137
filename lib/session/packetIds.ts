/**
 * Packet identifiers 1..65535, shared by PUBLISH, SUBSCRIBE and UNSUBSCRIBE (one counter, as
 * paho), skipping identifiers still in use so a long-unacknowledged message is never
 * confused with a new one.
 */
export class PacketIds {
  private last = 0;
  private readonly inUse = new Set<number>();

  /** The next free identifier, marked in use; 0 when all 65535 are taken. */
  allocate(): number {
    if (this.inUse.size >= 65535) return 0;
    let id = this.last;
    do {
      id = id === 65535 ? 1 : id + 1;
    } while (this.inUse.has(id));
    this.last = id;
    this.inUse.add(id);
    return id;
  }

  /** Marks an identifier taken by a message restored from a store. */
  claim(id: number): void {
    this.inUse.add(id);
    if (id > this.last) this.last = id;
  }

  release(id: number): void {
    this.inUse.delete(id);
  }

  has(id: number): boolean {
    return this.inUse.has(id);
  }

  get size(): number {
    return this.inUse.size;
  }

  clear(): void {
    this.inUse.clear();
  }
}
