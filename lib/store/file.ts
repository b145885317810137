/**
 * lib/store/: where the session's outgoing QoS 1/2 messages (and a durable store's incoming
 * QoS 2 messages awaiting PUBREL) are kept, behind the interfaces of types.ts. memory.ts is
 * the default (nothing survives the process); this file is the durable one, built from:
 *   fileJournal.ts   one journal file: replay, recovery, compaction, the fsync policy
 *   fileRecords.ts   the record codec (the on-disk format) and the damage-tolerant reader
 *   fileLock.ts      the directory's lock file
 *   fileIncoming.ts  the incoming journal's IncomingStore view
 *   fileIo.ts        the system calls, with errors that name the file
 *
 * FileStore: the durable outgoing-message store, an append-only journal of the session
 * engine's calls (put / state / delete / clear), replayed at start-up, so a process that was
 * killed resumes its unacknowledged QoS 1/2 flows after a restart (API.md §1c).
 *
 * Directory layout (`dir`, created mode 0700 when missing):
 *   outgoing.journal      the journal, mode 0600, opened O_APPEND
 *   outgoing.journal.tmp  only during compaction (a leftover one is a crash mid-compaction: removed)
 *   lock                  {"pid","start","host","token"}: the process that owns the directory
 *   incoming.journal      incoming QoS 2 messages awaiting PUBREL (fileIncoming.ts): the same
 *                         record format, recovery and compaction (incoming.journal.tmp), under
 *                         the same lock; missing in a directory written before it existed
 *                         (nothing awaiting). Beside the outgoing journal, not in a
 *                         subdirectory: the store stays one flat directory of files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileIncomingStore } from './fileIncoming';
import { FileJournal, FileStoreOptions } from './fileJournal';
import { acquireLock, LOCK, releaseLock } from './fileLock';
import type { OutgoingStore } from './types';

export type { CorruptRecord } from './fileRecords';
export type { FileStoreOptions } from './fileJournal';

const JOURNAL = 'outgoing.journal';
const INCOMING_JOURNAL = 'incoming.journal';

/**
 * The file-backed store: the outgoing journal, the directory's lock around it, and the
 * incoming journal beside it. Construction takes the lock and replays both journals;
 * `close()` releases the lock (a later `load()` takes it again and re-reads the journals).
 */
export class FileStore extends FileJournal implements OutgoingStore {
  /** Path of the directory's lock file. */
  readonly lockFile: string;
  /** Incoming QoS 2 messages awaiting PUBREL. */
  incoming: FileIncomingStore | undefined;

  private lockToken = '';
  private readonly opts: FileStoreOptions;

  /** Opens the store in `dir` (created if missing): takes the lock, replays the journals. */
  constructor(dir: string, opts: FileStoreOptions = {}) {
    super(resolveDir(dir), JOURNAL, opts);
    this.lockFile = path.join(this.dir, LOCK);
    this.opts = opts;
    this.open();
  }

  /** One fdatasync per journal written since the last one. A no-op on a closed store. */
  override flush(): void {
    this.incoming?.journal.flush();
    super.flush();
  }

  /** Syncs what is pending, closes both journals and releases the directory's lock. Idempotent. */
  override close(): void {
    if (!this.isOpen) return;
    try {
      this.incoming?.journal.close();
    } finally {
      try {
        super.close();
      } finally {
        this.releaseLock();
      }
    }
  }

  /** Takes the lock, then opens the outgoing journal and the incoming one; on failure lets go of both. */
  protected override open(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.lockToken = acquireLock(this.dir, this.lockFile);
    try {
      this.openFile();
      this.openIncoming();
    } catch (e) {
      this.closeFile();
      this.releaseLock();
      throw e;
    }
  }

  /** Opens (or re-opens, after close()) the incoming journal; its damage is reported here too. */
  private openIncoming(): void {
    if (this.incoming === undefined) {
      this.incoming = new FileIncomingStore(FileJournal.openAt(this.dir, INCOMING_JOURNAL, this.opts));
    } else {
      this.incoming.journal.load(); // re-opens a closed journal
    }
    this.warnings.push(...this.incoming.journal.warnings);
  }

  private releaseLock(): void {
    if (this.lockToken === '') return;
    releaseLock(this.lockFile, this.lockToken);
    this.lockToken = '';
  }
}

/**
 * A durable outgoing-message store in `dir` (created mode 0700 if missing; files mode 0600):
 * unacknowledged QoS 1/2 messages survive a crash of the process, and a client restarted
 * with the same client id, directory and `cleanSession: false` resends them (DUP where they
 * were sent before; PUBREL, not PUBLISH, for QoS 2 messages past PUBREC), in order.
 *
 * Durability, exactly:
 * - Against a crash of the process (SIGKILL, an exception, OOM): a QoS 1/2 message is safe
 *   once `publish()` has returned an MQTTMessageInfo: the record was handed to the kernel
 *   (write(2)) inside that call. State changes (sent, released, acknowledged) are written
 *   the same way, before the session's next packet goes out.
 * - Against a crash of the machine (power loss, kernel panic): the journal is fdatasync'ed
 *   by `flush()`, which the Client calls once per pump turn *before* writing that turn's
 *   packets to the socket. So a message is durable once the pump turn that sends it began,
 *   i.e. before its PUBLISH reaches the socket; a PUBREL likewise goes out only after the
 *   'released' state is on disk. Writes no pump turn flushes (a message published while
 *   offline) are synced at the end of the current event-loop turn. With
 *   `syncEveryWrite: true` every write is synced inside the call, so a message is durable
 *   against power loss when `publish()` returns.
 * - An acknowledgement reaches the disk with the next sync; a crash just before it makes the
 *   restarted client resend that message: a duplicate at QoS 1 (allowed), a PUBREL the
 *   broker answers at QoS 2 (no duplicate delivery).
 * - Incoming QoS 2 messages (delivered at the broker's PUBREL, as paho): each is written to
 *   incoming.journal when its PUBLISH arrives and synced before its PUBREC goes out, and
 *   deleted when its PUBCOMP goes out (after its handler, or at ack() with manual acks). A
 *   process killed in between finds it again: with `cleanSession: false` and Session Present,
 *   the broker's resent PUBREL delivers it. One killed after the handler ran but before the
 *   delete was written delivers it again: at least once at a crash, never lost.
 *
 * One directory serves one client: a second store on a directory whose lock is held by a
 * live process throws; a lock left by a dead process is taken over. `close()` releases it.
 * The journal is compacted when it exceeds max(1 MiB, 4 x the live records), so its size
 * stays bounded by what is unacknowledged. I/O errors throw (an Error naming the file, with
 * the system error as `cause` and its `code`).
 */
export function fileStore(dir: string, opts?: FileStoreOptions): FileStore {
  return new FileStore(dir, opts);
}

function resolveDir(dir: string): string {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('fileStore: dir must be a non-empty string');
  return path.resolve(dir);
}
