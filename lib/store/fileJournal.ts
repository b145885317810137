/**
 * One journal file of the file store: the store's calls (put / state / delete / clear) appended
 * as records (fileRecords.ts), replayed into memory when the file is opened, rewritten
 * (compacted) when it outgrows what it holds, and synced to disk by the fsync policy below.
 * It knows nothing of the directory's lock: the FileStore (file.ts) takes that around it.
 *
 * Recovery: damage found by the replay is reported to `onCorrupt` and in `warnings`, and the
 * records around it are kept. After damage the journal is rewritten at once (compaction), so
 * the same damage is reported only once. A leftover temp file is a compaction that did not
 * finish: the journal itself is still whole, and the temp file is removed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { openAppend, syncDir, wrap, writeAll } from './fileIo';
import {
  clearBody, CorruptRecord, decodeRecord, deleteBody, HEADER, putBody, readRecords, recordBytes, recordHeader, stateBody,
} from './fileRecords';
import type { OutgoingState, StoredMessage } from './types';

/** Options of fileStore() and `new FileStore()`. */
export interface FileStoreOptions {
  /**
   * fdatasync the journal after every write (put/setState/delete/clear): a QoS 1/2
   * message is then durable against power loss when publish() returns, at the cost of one
   * disk sync per call. Default false: one sync per pump turn (see `fileStore`).
   */
  syncEveryWrite?: boolean;
  /**
   * Told of every damaged or truncated record found when the journal is read. Default: a
   * no-op (the store never writes to the console); the reports are also kept in
   * `FileStore.warnings`. A damaged record is skipped; the records around it are kept.
   */
  onCorrupt?: (report: CorruptRecord) => void;
  /**
   * The journal is compacted when it is larger than max(compactMinBytes, 4 x the bytes of
   * the live records). Default 1 MiB.
   */
  compactMinBytes?: number;
}

const DEFAULT_COMPACT_MIN = 1024 * 1024;
const COMPACT_RATIO = 4;

interface Live {
  msg: StoredMessage;
  /** Size of this message's record once compacted. */
  bytes: number;
}

/** One journal file and the live messages it holds. Opened by `FileJournal.openAt` or by a subclass. */
export class FileJournal {
  /** The store's directory (resolved). */
  readonly dir: string;
  /** Path of the journal file. */
  readonly file: string;
  /** Damage found by the last read of the journal (also passed to `onCorrupt`). */
  warnings: CorruptRecord[] = [];

  private readonly syncEveryWrite: boolean;
  private readonly onCorrupt: (r: CorruptRecord) => void;
  private readonly compactMin: number;
  private fd = -1;
  private readonly live = new Map<number, Live>();
  private liveBytesTotal = 0;
  private size = 0;
  private seq = 0;
  private dirty = false;
  private idleSync: NodeJS.Immediate | null = null;
  private compactions = 0;
  private syncs = 0;

  /** The journal `name` in the directory `dir` (already resolved). Does not open it. */
  protected constructor(dir: string, name: string, opts: FileStoreOptions) {
    this.dir = dir;
    this.file = path.join(dir, name);
    this.syncEveryWrite = opts.syncEveryWrite === true;
    this.onCorrupt = opts.onCorrupt ?? (() => undefined);
    this.compactMin = opts.compactMinBytes ?? DEFAULT_COMPACT_MIN;
  }

  /** Opens (and replays) the journal `name` in `dir`, which a caller already holds the lock of. */
  protected static openAt(dir: string, name: string, opts: FileStoreOptions): FileJournal {
    const j = new FileJournal(dir, name, opts);
    j.open();
    return j;
  }

  // ---- introspection ---------------------------------------------------------------------------

  /** True between construction (or a re-opening load()) and close(). */
  get isOpen(): boolean {
    return this.fd >= 0;
  }

  /** Current size of the journal file in bytes. */
  get journalBytes(): number {
    return this.size;
  }

  /** Bytes the live (unacknowledged) messages take once compacted. */
  get liveBytes(): number {
    return this.liveBytesTotal;
  }

  /** Number of unacknowledged messages held. */
  get liveCount(): number {
    return this.live.size;
  }

  /** Whether a message with packet id `mid` is held. */
  holds(mid: number): boolean {
    return this.live.has(mid);
  }

  /** How many times the journal was synced to disk (fdatasync) since this store was made. */
  get syncCount(): number {
    return this.syncs;
  }

  /** How many times the journal was rewritten since this store was made. */
  get compactionCount(): number {
    return this.compactions;
  }

  // ---- the store's calls -----------------------------------------------------------------------

  /**
   * The unacknowledged messages, in publish order, with their state and everSent. On a
   * closed store it re-opens it first (takes the lock, re-reads the journal).
   */
  load(): StoredMessage[] {
    if (this.fd < 0) this.open();
    const out: StoredMessage[] = [];
    for (const { msg } of this.live.values()) out.push({ ...msg });
    return out;
  }

  put(msg: StoredMessage): void {
    this.check();
    const m: StoredMessage = {
      mid: msg.mid, topic: msg.topic, payload: msg.payload, qos: msg.qos, retain: msg.retain,
      properties: msg.properties, state: msg.state, everSent: msg.everSent,
    };
    const parts = putBody(m, this.nextSeq());
    this.append(parts);
    this.setLive(m, recordBytes(parts));
    this.afterWrite();
  }

  setState(mid: number, state: OutgoingState, everSent: boolean): void {
    this.check();
    this.append([stateBody(this.nextSeq(), mid, state, everSent)]);
    const l = this.live.get(mid);
    if (l !== undefined) {
      l.msg.state = state;
      l.msg.everSent = everSent;
    }
    this.afterWrite();
  }

  delete(mid: number): void {
    this.check();
    this.append([deleteBody(this.nextSeq(), mid)]);
    this.dropLive(mid);
    this.afterWrite();
  }

  clear(): void {
    this.check();
    this.append([clearBody(this.nextSeq())]);
    this.live.clear();
    this.liveBytesTotal = 0;
    this.afterWrite();
  }

  /** One fdatasync if anything was written since the last one. A no-op on a closed store. */
  flush(): void {
    if (this.fd < 0 || !this.dirty) return;
    this.sync();
  }

  /** Syncs what is pending and closes the journal. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    try {
      if (this.dirty) this.sync();
    } finally {
      this.closeFile();
    }
  }

  // ---- opening: replay, recovery ---------------------------------------------------------------

  /** Opens the journal (re-opens it after close()); a subclass takes the lock around it. */
  protected open(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    try {
      this.openFile();
    } catch (e) {
      this.closeFile();
      throw e;
    }
  }

  /** Replays the journal into memory and opens it for appending; compacts it when damaged or oversized. */
  protected openFile(): void {
    // A leftover temp file is a compaction that did not finish: the journal is still whole.
    fs.rmSync(this.file + '.tmp', { force: true });
    const damaged = this.replay();
    this.fd = openAppend(this.file, false);
    this.size = fs.fstatSync(this.fd).size;
    // Rewrite at once after damage (reported once, not at every start) or when oversized.
    if (damaged || this.size > this.threshold()) this.compact();
  }

  /** Closes the file descriptor, if open; nothing is synced. */
  protected closeFile(): void {
    this.cancelIdleSync();
    if (this.fd >= 0) {
      try { fs.closeSync(this.fd); } catch { /* already gone */ }
      this.fd = -1;
    }
  }

  /** Reads the journal into `live`; returns true when anything was damaged. */
  private replay(): boolean {
    this.live.clear();
    this.liveBytesTotal = 0;
    this.warnings = [];
    this.seq = 0;
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw wrap(e, `cannot read ${this.file}`);
    }
    let damaged = false;
    const lastSeq = readRecords(buf, (body) => this.apply(body), (offset, length, reason, detail) => {
      damaged = true;
      const r: CorruptRecord = { file: this.file, offset, length, reason, detail };
      this.warnings.push(r);
      try { this.onCorrupt(r); } catch { /* a failing callback must not stop recovery */ }
    });
    this.seq = lastSeq + 1;
    // Payloads are views of the file buffer: copy the survivors' so the buffer can be freed.
    for (const l of this.live.values()) l.msg.payload = Buffer.from(l.msg.payload);
    return damaged;
  }

  /** Applies one checked record body to `live`; returns why it is unusable, or null. */
  private apply(body: Buffer): string | null {
    const rec = decodeRecord(body);
    if (typeof rec === 'string') return rec;
    switch (rec.type) {
      case 'put':
        this.setLive(rec.msg, HEADER + body.length);
        break;
      case 'state': {
        const l = this.live.get(rec.mid);
        if (l !== undefined) {
          l.msg.state = rec.state;
          l.msg.everSent = rec.everSent;
        }
        break;
      }
      case 'delete':
        this.dropLive(rec.mid);
        break;
      case 'clear':
        this.live.clear();
        this.liveBytesTotal = 0;
        break;
    }
    return null;
  }

  // ---- writing -----------------------------------------------------------------------------------

  private check(): void {
    if (this.fd < 0) throw new Error(`fileStore(${this.dir}): the store is closed`);
  }

  private nextSeq(): number {
    return this.seq++;
  }

  private setLive(msg: StoredMessage, bytes: number): void {
    this.dropLive(msg.mid); // a reused mid moves to the end: publish order
    this.live.set(msg.mid, { msg, bytes });
    this.liveBytesTotal += bytes;
  }

  private dropLive(mid: number): void {
    const l = this.live.get(mid);
    if (l === undefined) return;
    this.live.delete(mid);
    this.liveBytesTotal -= l.bytes;
  }

  /** Frames a body (given in parts) as one record and appends it. */
  private append(body: Buffer[]): void {
    this.writeRecord(this.fd, body);
  }

  /** Writes a framed record to `fd` (the journal, or a compaction's temp file); counts its size. */
  private writeRecord(fd: number, body: Buffer[]): number {
    const header = recordHeader(body);
    const total = recordBytes(body);
    try {
      writeAll(fd, [header, ...body], total);
    } catch (e) {
      throw wrap(e, `cannot write ${fd === this.fd ? this.file : this.file + '.tmp'}`);
    }
    if (fd === this.fd) this.size += total;
    return total;
  }

  // ---- the fsync policy and compaction -----------------------------------------------------------

  /**
   * After each write: compact when oversized (which leaves everything synced); else sync now
   * (`syncEveryWrite`) or once the event-loop turn is over, unless a pump turn's flush() does first.
   */
  private afterWrite(): void {
    this.dirty = true;
    if (this.size > this.threshold()) {
      this.compact(); // leaves everything synced
      return;
    }
    if (this.syncEveryWrite) this.sync();
    else this.scheduleIdleSync();
  }

  private threshold(): number {
    return Math.max(this.compactMin, COMPACT_RATIO * this.liveBytesTotal);
  }

  private sync(): void {
    try {
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      throw wrap(e, `cannot sync ${this.file}`);
    }
    this.syncs++;
    this.dirty = false;
    this.cancelIdleSync();
  }

  /**
   * A safety net for writes no pump turn flushes (a message published while offline): sync
   * once the current event-loop turn is over. Unref'd: it never keeps the process alive.
   */
  private scheduleIdleSync(): void {
    if (this.idleSync !== null) return;
    this.idleSync = setImmediate(() => {
      this.idleSync = null;
      try {
        this.flush();
      } catch {
        this.dirty = true; // reported by the next flush()/close(), which throw
      }
    });
    this.idleSync.unref?.();
  }

  private cancelIdleSync(): void {
    if (this.idleSync !== null) clearImmediate(this.idleSync);
    this.idleSync = null;
  }

  /**
   * Rewrites the live messages (one put record each, current state) to a temp file, syncs it,
   * renames it over the journal and syncs the directory. A crash before the rename leaves the
   * old journal whole (the temp file is removed at the next open); after it, the new one.
   */
  private compact(): void {
    const tmp = this.file + '.tmp';
    const fd = openAppend(tmp, true);
    let size = 0;
    try {
      for (const l of this.live.values()) {
        const bytes = this.writeRecord(fd, putBody(l.msg, this.nextSeq()));
        l.bytes = bytes;
        size += bytes;
      }
      fs.fdatasyncSync(fd);
      fs.renameSync(tmp, this.file);
    } catch (e) {
      try { fs.closeSync(fd); } catch { /* ignore */ }
      fs.rmSync(tmp, { force: true });
      throw wrap(e, `cannot compact ${this.file}`);
    }
    syncDir(this.dir);
    if (this.fd >= 0) {
      try { fs.closeSync(this.fd); } catch { /* ignore */ }
    }
    this.fd = fd; // the temp file's descriptor now is the journal's (O_APPEND)
    this.size = size;
    this.liveBytesTotal = size;
    this.dirty = false;
    this.cancelIdleSync();
    this.compactions++;
  }
}
