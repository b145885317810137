import type { OutgoingStore, StoredMessage } from './types';

/**
 * The default store: nothing survives the process. The session engine already holds every
 * unacknowledged message in memory, so this journal has nothing to do.
 */
class MemoryStore implements OutgoingStore {
  load(): StoredMessage[] { return []; }
  put(): void {}
  setState(): void {}
  delete(): void {}
  clear(): void {}
  flush(): void {}
  close(): void {}
}

/** It holds nothing, so every session shares one: no object per connection (idle memory is benchmarked). */
const SHARED = new MemoryStore();

/** The in-memory outgoing-message store (the default). */
export function memoryStore(): OutgoingStore {
  return SHARED;
}
