/**
 * The file store's journal of incoming QoS 2 messages awaiting PUBREL (IncomingStore): a
 * second journal (FileJournal), incoming.journal beside outgoing.journal, with the same record
 * codec, recovery and compaction, under the outgoing journal's lock. A message is a put record of
 * QoS 2 in state 'queued' whose everSent bit carries the received DUP flag.
 */
import type { FileJournal } from './fileJournal';
import type { IncomingStore, StoredIncoming } from './types';

export class FileIncomingStore implements IncomingStore {
  constructor(readonly journal: FileJournal) {}

  load(): StoredIncoming[] {
    return this.journal.load().map((m) => {
      const msg: StoredIncoming = { mid: m.mid, topic: m.topic, payload: m.payload, retain: m.retain, dup: m.everSent };
      if (m.properties !== undefined) msg.properties = m.properties;
      return msg;
    });
  }

  put(msg: StoredIncoming): void {
    this.journal.put({
      mid: msg.mid, topic: msg.topic, payload: msg.payload, qos: 2, retain: msg.retain,
      properties: msg.properties, state: 'queued', everSent: msg.dup,
    });
  }

  /** Nothing is written for an id not kept (a message the journal never held). */
  delete(mid: number): void {
    if (this.journal.holds(mid)) this.journal.delete(mid);
  }

  /** Nothing is written when nothing is kept: a clean session's every connect stays free. */
  clear(): void {
    if (this.journal.liveCount > 0) this.journal.clear();
  }
}
