/**
 * The durable outgoing-message store: an append-only journal of the session engine's calls
 * (put / state / delete / clear), replayed at start-up, so a process that was killed resumes
 * its unacknowledged QoS 1/2 flows after a restart (API.md §1c).
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
 *
 * Record format (all integers big-endian):
 *   magic   u32  0x4D514A31 ("MQJ1")  lets the reader resynchronise after damage
 *   bodyLen u32
 *   hdrCrc  u32  CRC-32 of magic + bodyLen: a damaged length is never trusted
 *   bodyCrc u32  CRC-32 of the body
 *   body:   type u8 (1 put, 2 state, 3 delete, 4 clear), seq u48 (increasing), then
 *     put:    mid u16, qos u8, flags u8 (1 retain, 2 everSent), state u8 (0 queued, 1 sent,
 *             2 released), topicLen u16, topic, propsLen u32, properties as JSON (Buffers as
 *             {"$b64": ...}), payload (the rest of the body)
 *     state:  mid u16, state u8, everSent u8
 *     delete: mid u16
 *     clear:  (nothing)
 *
 * Reading: a record whose header checks but whose body does not (a flipped byte) is skipped
 * by its length; a damaged header makes the reader scan forward to the next magic whose
 * header checks (and whose seq is higher than the last good one); a record cut short at the
 * end of the file (a torn write) ends the replay. Each is reported to `onCorrupt` and in
 * `warnings`, and the records around it are kept. After damage the journal is rewritten
 * at once (compaction), so the same damage is reported only once.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import * as zlib from 'zlib';
import type { PacketProperties, QoS } from '../protocol/types';
import { FileIncomingStore } from './fileIncoming';
import type { OutgoingState, OutgoingStore, StoredMessage } from './types';

/** What `onCorrupt` and `FileStore.warnings` report about one damaged stretch of the journal. */
export interface CorruptRecord {
  /** The journal file. */
  file: string;
  /** Byte offset of the damaged stretch. */
  offset: number;
  /** Bytes skipped. */
  length: number;
  /**
   * 'truncated': the file ends inside a record (a torn write at the tail);
   * 'bad-crc': a record's body does not match its checksum (skipped by its length);
   * 'bad-header': bytes that are not a valid record header (skipped up to the next valid record);
   * 'bad-record': a record that checks but cannot be understood (unknown type, bad field).
   */
  reason: 'truncated' | 'bad-crc' | 'bad-header' | 'bad-record';
  /** Human-readable detail. */
  detail: string;
}

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

const MAGIC = 0x4d514a31;
const MAGIC_BYTES = Buffer.from([0x4d, 0x51, 0x4a, 0x31]);
const HEADER = 16;
const SEQ_BYTES = 6;
const T_PUT = 1;
const T_STATE = 2;
const T_DELETE = 3;
const T_CLEAR = 4;
const PUT_FIXED = 1 + SEQ_BYTES + 2 + 1 + 1 + 1 + 2; // up to the topic
const STATES: OutgoingState[] = ['queued', 'sent', 'released'];
const JOURNAL = 'outgoing.journal';
const INCOMING_JOURNAL = 'incoming.journal';
const LOCK = 'lock';
const DEFAULT_COMPACT_MIN = 1024 * 1024;
const COMPACT_RATIO = 4;

const crc32: (data: Buffer, value?: number) => number = zlib.crc32;

interface Live {
  msg: StoredMessage;
  /** Size of this message's record once compacted. */
  bytes: number;
}

/**
 * The file-backed store. Construction takes the directory's lock and replays the journal;
 * `close()` releases the lock (a later `load()` takes it again and re-reads the journal).
 */
export class FileStore implements OutgoingStore {
  readonly dir: string;
  readonly file: string;
  readonly lockFile: string;
  /** Damage found by the last read of the journal (also passed to `onCorrupt`). */
  warnings: CorruptRecord[] = [];

  private readonly syncEveryWrite: boolean;
  private readonly onCorrupt: (r: CorruptRecord) => void;
  private readonly compactMin: number;
  private fd = -1;
  private lockToken = '';
  private readonly live = new Map<number, Live>();
  private liveBytesTotal = 0;
  private size = 0;
  private seq = 0;
  private dirty = false;
  private idleSync: NodeJS.Immediate | null = null;
  private compactions = 0;
  private syncs = 0;
  private readonly opts: FileStoreOptions;
  /** The incoming journal's own store lives under this one's lock and takes none itself. */
  private readonly role: 'outgoing' | 'incoming';
  /** Incoming QoS 2 messages awaiting PUBREL (the outgoing role only). */
  incoming: FileIncomingStore | undefined;

  /** `role` is internal: 'incoming' is the incoming.journal beside it, opened by the outgoing store. */
  constructor(dir: string, opts: FileStoreOptions = {}, role: 'outgoing' | 'incoming' = 'outgoing') {
    if (typeof dir !== 'string' || dir === '') throw new TypeError('fileStore: dir must be a non-empty string');
    this.dir = path.resolve(dir);
    this.role = role;
    this.file = path.join(this.dir, role === 'outgoing' ? JOURNAL : INCOMING_JOURNAL);
    this.lockFile = path.join(this.dir, LOCK);
    this.opts = opts;
    this.syncEveryWrite = opts.syncEveryWrite === true;
    this.onCorrupt = opts.onCorrupt ?? (() => undefined);
    this.compactMin = opts.compactMinBytes ?? DEFAULT_COMPACT_MIN;
    this.open();
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

  // ---- OutgoingStore ---------------------------------------------------------------------------

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
    const parts = this.encodePut(m, this.nextSeq());
    this.append(parts);
    this.setLive(m, recordBytes(parts));
    this.afterWrite();
  }

  setState(mid: number, state: OutgoingState, everSent: boolean): void {
    this.check();
    const body = Buffer.allocUnsafe(1 + SEQ_BYTES + 4);
    body[0] = T_STATE;
    body.writeUIntBE(this.nextSeq(), 1, SEQ_BYTES);
    body.writeUInt16BE(mid, 7);
    body[9] = STATES.indexOf(state);
    body[10] = everSent ? 1 : 0;
    this.append([body]);
    const l = this.live.get(mid);
    if (l !== undefined) {
      l.msg.state = state;
      l.msg.everSent = everSent;
    }
    this.afterWrite();
  }

  delete(mid: number): void {
    this.check();
    const body = Buffer.allocUnsafe(1 + SEQ_BYTES + 2);
    body[0] = T_DELETE;
    body.writeUIntBE(this.nextSeq(), 1, SEQ_BYTES);
    body.writeUInt16BE(mid, 7);
    this.append([body]);
    this.dropLive(mid);
    this.afterWrite();
  }

  clear(): void {
    this.check();
    const body = Buffer.allocUnsafe(1 + SEQ_BYTES);
    body[0] = T_CLEAR;
    body.writeUIntBE(this.nextSeq(), 1, SEQ_BYTES);
    this.append([body]);
    this.live.clear();
    this.liveBytesTotal = 0;
    this.afterWrite();
  }

  /** One fdatasync per journal written since the last one. A no-op on a closed store. */
  flush(): void {
    this.incoming?.journal.flush();
    if (this.fd < 0 || !this.dirty) return;
    this.sync();
  }

  /** Syncs what is pending, closes the journal and releases the directory's lock. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    try {
      try {
        this.incoming?.journal.close();
      } finally {
        if (this.dirty) this.sync();
      }
    } finally {
      this.cancelIdleSync();
      try { fs.closeSync(this.fd); } catch { /* already gone */ }
      this.fd = -1;
      this.releaseLock();
    }
  }

  // ---- opening: lock, replay, recovery ---------------------------------------------------------

  private open(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.acquireLock();
    try {
      // A leftover temp file is a compaction that did not finish: the journal is still whole.
      fs.rmSync(this.file + '.tmp', { force: true });
      const damaged = this.replay();
      this.fd = openAppend(this.file, false);
      this.size = fs.fstatSync(this.fd).size;
      // Rewrite at once after damage (reported once, not at every start) or when oversized.
      if (damaged || this.size > this.threshold()) this.compact();
      if (this.role === 'outgoing') this.openIncoming();
    } catch (e) {
      if (this.fd >= 0) {
        try { fs.closeSync(this.fd); } catch { /* ignore */ }
        this.fd = -1;
      }
      this.releaseLock();
      throw e;
    }
  }

  /** Opens (or re-opens, after close()) the incoming journal; its damage is reported here too. */
  private openIncoming(): void {
    if (this.incoming === undefined) {
      this.incoming = new FileIncomingStore(new FileStore(this.dir, this.opts, 'incoming'));
    } else {
      this.incoming.journal.load(); // re-opens a closed store
    }
    this.warnings.push(...this.incoming.journal.warnings);
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
    const n = buf.length;
    let pos = 0;
    let lastSeq = -1;
    let damaged = false;
    const report = (offset: number, length: number, reason: CorruptRecord['reason'], detail: string): void => {
      damaged = true;
      const r: CorruptRecord = { file: this.file, offset, length, reason, detail };
      this.warnings.push(r);
      try { this.onCorrupt(r); } catch { /* a failing callback must not stop recovery */ }
    };
    /** The next offset >= from holding a header that checks, with a seq above lastSeq; or n. */
    const resync = (from: number): number => {
      for (let at = buf.indexOf(MAGIC_BYTES, from); at >= 0; at = buf.indexOf(MAGIC_BYTES, at + 1)) {
        if (!headerOk(buf, at)) continue;
        const len = buf.readUInt32BE(at + 4);
        if (at + HEADER + len <= n) {
          if (len < 1 + SEQ_BYTES || crc32(buf.subarray(at + HEADER, at + HEADER + len)) !== buf.readUInt32BE(at + 12)) continue;
          if (buf.readUIntBE(at + HEADER + 1, SEQ_BYTES) <= lastSeq) continue;
        }
        return at;
      }
      return n;
    };
    while (pos < n) {
      if (n - pos < HEADER || !headerOk(buf, pos)) {
        const next = resync(pos + 1);
        if (next === n && n - pos < HEADER && buf.subarray(pos, Math.min(n, pos + 4)).equals(MAGIC_BYTES.subarray(0, Math.min(4, n - pos)))) {
          report(pos, n - pos, 'truncated', `the journal ends inside a record header (${n - pos} of ${HEADER} bytes)`);
        } else {
          report(pos, next - pos, 'bad-header', `${next - pos} bytes that are not a journal record`);
        }
        pos = next;
        continue;
      }
      const len = buf.readUInt32BE(pos + 4);
      const end = pos + HEADER + len;
      if (end > n) {
        // The header checks, so the length is right: the file ends inside this record.
        const next = resync(pos + 1);
        if (next < n) {
          report(pos, next - pos, 'bad-header', `a record of ${len} bytes overlaps later records`);
          pos = next;
          continue;
        }
        report(pos, n - pos, 'truncated', `the journal ends inside a record (${n - pos - HEADER} of ${len} body bytes)`);
        break;
      }
      const body = buf.subarray(pos + HEADER, end);
      if (crc32(body) !== buf.readUInt32BE(pos + 12)) {
        report(pos, end - pos, 'bad-crc', `record of ${len} bytes fails its checksum`);
        pos = end;
        continue;
      }
      const problem = this.apply(body);
      if (problem !== null) report(pos, end - pos, 'bad-record', problem);
      else lastSeq = Math.max(lastSeq, body.readUIntBE(1, SEQ_BYTES));
      pos = end;
    }
    this.seq = lastSeq + 1;
    // Payloads are views of the file buffer: copy the survivors' so the buffer can be freed.
    for (const l of this.live.values()) l.msg.payload = Buffer.from(l.msg.payload);
    return damaged;
  }

  /** Applies one checked record body; returns why it is unusable, or null. */
  private apply(body: Buffer): string | null {
    if (body.length < 1 + SEQ_BYTES) return 'record too short';
    const type = body[0];
    switch (type) {
      case T_PUT: {
        if (body.length < PUT_FIXED + 4) return 'put record too short';
        const mid = body.readUInt16BE(7);
        const qos = body[9];
        const flags = body[10];
        const state = STATES[body[11]];
        const topicLen = body.readUInt16BE(12);
        const topicEnd = PUT_FIXED + topicLen;
        if (mid === 0 || (qos !== 1 && qos !== 2) || state === undefined || topicEnd + 4 > body.length) {
          return `put record with bad fields (mid ${mid}, qos ${qos}, state ${body[11]})`;
        }
        const propsLen = body.readUInt32BE(topicEnd);
        const propsEnd = topicEnd + 4 + propsLen;
        if (propsEnd > body.length) return 'put record with bad properties length';
        let properties: PacketProperties | undefined;
        if (propsLen > 0) {
          try {
            properties = decodeProperties(body.toString('utf8', topicEnd + 4, propsEnd));
          } catch (e) {
            return `put record with unreadable properties: ${(e as Error).message}`;
          }
        }
        const msg: StoredMessage = {
          mid, topic: body.toString('utf8', PUT_FIXED, topicEnd), payload: body.subarray(propsEnd), qos: qos as QoS,
          retain: (flags & 1) !== 0, state, everSent: (flags & 2) !== 0,
        };
        if (properties !== undefined) msg.properties = properties;
        this.setLive(msg, HEADER + body.length);
        return null;
      }
      case T_STATE: {
        if (body.length !== 1 + SEQ_BYTES + 4) return 'state record of the wrong size';
        const state = STATES[body[9]];
        if (state === undefined) return `state record with bad state ${body[9]}`;
        const l = this.live.get(body.readUInt16BE(7));
        if (l !== undefined) {
          l.msg.state = state;
          l.msg.everSent = body[10] !== 0;
        }
        return null;
      }
      case T_DELETE:
        if (body.length !== 1 + SEQ_BYTES + 2) return 'delete record of the wrong size';
        this.dropLive(body.readUInt16BE(7));
        return null;
      case T_CLEAR:
        this.live.clear();
        this.liveBytesTotal = 0;
        return null;
      default:
        return `unknown record type ${type}`;
    }
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

  private encodePut(m: StoredMessage, seq: number): Buffer[] {
    const topic = Buffer.from(m.topic, 'utf8');
    const props = m.properties !== undefined && Object.keys(m.properties).length > 0
      ? Buffer.from(encodeProperties(m.properties), 'utf8') : EMPTY;
    const head = Buffer.allocUnsafe(PUT_FIXED + topic.length + 4 + props.length);
    head[0] = T_PUT;
    head.writeUIntBE(seq, 1, SEQ_BYTES);
    head.writeUInt16BE(m.mid, 7);
    head[9] = m.qos;
    head[10] = (m.retain ? 1 : 0) | (m.everSent ? 2 : 0);
    head[11] = STATES.indexOf(m.state);
    head.writeUInt16BE(topic.length, 12);
    topic.copy(head, PUT_FIXED);
    head.writeUInt32BE(props.length, PUT_FIXED + topic.length);
    props.copy(head, PUT_FIXED + topic.length + 4);
    return [head, m.payload];
  }

  /** Frames a body (given in parts) as one record and appends it. */
  private append(body: Buffer[]): void {
    this.writeRecord(this.fd, body);
  }

  /** Writes a framed record to `fd` (the journal, or a compaction's temp file); counts its size. */
  private writeRecord(fd: number, body: Buffer[]): number {
    let len = 0;
    let crc = 0;
    for (const b of body) {
      len += b.length;
      // Node 20's zlib.crc32 can return 0 for an empty buffer once optimised (its fast path drops
      // the running value): an empty part (a QoS 1/2 message with no payload) changes nothing.
      if (b.length > 0) crc = crc32(b, crc);
    }
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32BE(MAGIC, 0);
    header.writeUInt32BE(len, 4);
    header.writeUInt32BE(crc32(header.subarray(0, 8)), 8);
    header.writeUInt32BE(crc, 12);
    const total = HEADER + len;
    try {
      writeAll(fd, [header, ...body], total);
    } catch (e) {
      throw wrap(e, `cannot write ${fd === this.fd ? this.file : this.file + '.tmp'}`);
    }
    if (fd === this.fd) this.size += total;
    return total;
  }

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
        const bytes = this.writeRecord(fd, this.encodePut(l.msg, this.nextSeq()));
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

  // ---- the lock ----------------------------------------------------------------------------------

  private acquireLock(): void {
    if (this.role === 'incoming') return; // under the outgoing store's lock
    const token = randomBytes(8).toString('hex');
    const content = JSON.stringify({ pid: process.pid, start: processStart(process.pid), host: os.hostname(), token }) + '\n';
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createExclusive(this.lockFile, content, this.dir)) {
        this.lockToken = token;
        return;
      }
      let text: string;
      try {
        text = fs.readFileSync(this.lockFile, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw wrap(e, `cannot read the lock file ${this.lockFile}`);
      }
      const holder = parseLock(text);
      if (holder !== null && !isStale(holder)) {
        throw new Error(
          `fileStore: the directory ${this.dir} is in use by another client (process ${holder.pid} on ${holder.host}); ` +
          `two clients cannot share one store directory: give each client its own. ` +
          `If that process is gone for good, remove ${this.lockFile}.`);
      }
      // Stale (its process is dead) or unreadable: move it aside atomically, so that of two
      // processes taking it over at once only one removes it, then try again.
      const aside = `${this.lockFile}.stale-${process.pid}-${token}`;
      try {
        fs.renameSync(this.lockFile, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw wrap(e, `cannot take over the stale lock ${this.lockFile}`);
      }
      const moved = readOrNull(aside);
      if (moved !== text) {
        // Someone else took it over between our read and our rename: theirs was live. Put it back.
        try { fs.linkSync(aside, this.lockFile); } catch { /* best effort */ }
      }
      fs.rmSync(aside, { force: true });
    }
    throw new Error(`fileStore: could not take the lock ${this.lockFile} (it keeps changing hands)`);
  }

  private releaseLock(): void {
    if (this.lockToken === '') return;
    const holder = parseLock(readOrNull(this.lockFile) ?? '');
    if (holder !== null && holder.token === this.lockToken) fs.rmSync(this.lockFile, { force: true });
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

// ---- helpers --------------------------------------------------------------------------------------

const EMPTY = Buffer.alloc(0);

function recordBytes(body: Buffer[]): number {
  let n = HEADER;
  for (const b of body) n += b.length;
  return n;
}

function headerOk(buf: Buffer, at: number): boolean {
  return at + HEADER <= buf.length && buf.readUInt32BE(at) === MAGIC &&
    crc32(buf.subarray(at, at + 8)) === buf.readUInt32BE(at + 8);
}

function openAppend(file: string, truncate: boolean): number {
  const c = fs.constants;
  const flags = c.O_WRONLY | c.O_APPEND | c.O_CREAT | (truncate ? c.O_TRUNC : 0);
  let fd: number;
  try {
    fd = fs.openSync(file, flags, 0o600);
  } catch (e) {
    throw wrap(e, `cannot open ${file}`);
  }
  try { fs.fchmodSync(fd, 0o600); } catch { /* not our file to chmod: keep its mode */ }
  return fd;
}

/** Writes every byte of `bufs` (writev may write less than asked). */
function writeAll(fd: number, bufs: Buffer[], total: number): void {
  let written = fs.writevSync(fd, bufs);
  while (written < total) {
    // Drop the fully written buffers, slice the partly written one.
    let skip = written;
    const rest: Buffer[] = [];
    for (const b of bufs) {
      if (skip >= b.length) { skip -= b.length; continue; }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    bufs = rest;
    total -= written;
    written = fs.writevSync(fd, bufs);
  }
}

function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return; // platforms that cannot open a directory (Windows): nothing to sync
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    /* EINVAL/EISDIR on some file systems: the rename is as durable as they make it */
  } finally {
    fs.closeSync(fd);
  }
}

function wrap(e: unknown, what: string): Error {
  const cause = e as NodeJS.ErrnoException;
  const err = new Error(`fileStore: ${what}: ${cause?.message ?? String(e)}`, { cause: e }) as NodeJS.ErrnoException;
  if (cause?.code !== undefined) err.code = cause.code;
  return err;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Creates `file` with `content` only if it does not exist, atomically (content complete when it appears). */
function createExclusive(file: string, content: string, dir: string): boolean {
  const tmp = path.join(dir, `.lock-${process.pid}-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw wrap(e, `cannot create ${file}`);
    // No hard links on this file system: fall back to O_EXCL.
    try {
      fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw wrap(e2, `cannot create ${file}`);
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

interface LockHolder {
  pid: number;
  start: string | null;
  host: string;
  token: string;
}

function parseLock(text: string): LockHolder | null {
  try {
    const o = JSON.parse(text) as Partial<LockHolder>;
    if (typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 0) return null;
    return { pid: o.pid, start: typeof o.start === 'string' ? o.start : null, host: String(o.host ?? ''), token: String(o.token ?? '') };
  } catch {
    return null;
  }
}

/** A lock is stale when its process is gone (or its pid now belongs to another process). */
function isStale(h: LockHolder): boolean {
  if (h.host !== os.hostname()) return false; // cannot tell: treat as held
  if (h.pid === process.pid) return false; // this process: another store (or one never closed)
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const stat = readOrNull(`/proc/${h.pid}/stat`);
  if (stat === null) return false;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return true; // a zombie: dead, not yet reaped
  return h.start !== null && fields[19] !== undefined && fields[19] !== h.start; // pid reused
}

/** The process's start time (Linux: /proc/PID/stat field 22), to tell a reused pid; else null. */
function processStart(pid: number): string | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

/** Properties as JSON; Buffers (CorrelationData, AuthenticationData) as {"$b64": base64}. */
function encodeProperties(p: PacketProperties): string {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) continue;
    o[k] = Buffer.isBuffer(v) ? { $b64: v.toString('base64') } : v;
  }
  return JSON.stringify(o);
}

function decodeProperties(json: string): PacketProperties {
  const o = JSON.parse(json) as Record<string, unknown>;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('not an object');
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { $b64?: unknown }).$b64 === 'string') {
      o[k] = Buffer.from((v as { $b64: string }).$b64, 'base64');
    }
  }
  return o as PacketProperties;
}
