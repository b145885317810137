/**
 * The journal's record codec: how one call of the store (put / state / delete / clear) is
 * framed on disk, and how a journal file is read back, damage included. Pure functions over
 * Buffers; the file I/O is the journal's (fileJournal.ts).
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
 * end of the file (a torn write) ends the replay. Each is reported, and the records around
 * it are kept.
 */
import type { PacketProperties, QoS } from '../protocol/types';
import type { OutgoingState, StoredMessage } from './types';
import { crc32 } from './crc32';

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

const MAGIC = 0x4d514a31;
const MAGIC_BYTES = Buffer.from([0x4d, 0x51, 0x4a, 0x31]);
/** Bytes of a record's header (magic, bodyLen, hdrCrc, bodyCrc). */
export const HEADER = 16;
const SEQ_BYTES = 6;
const T_PUT = 1;
const T_STATE = 2;
const T_DELETE = 3;
const T_CLEAR = 4;
const PUT_FIXED = 1 + SEQ_BYTES + 2 + 1 + 1 + 1 + 2; // up to the topic
const STATES: OutgoingState[] = ['queued', 'sent', 'released'];
const EMPTY = Buffer.alloc(0);

// ---- writing ---------------------------------------------------------------------------------------

/** A put record's body, in two parts: the fields up to the properties, and the payload (not copied). */
export function putBody(m: StoredMessage, seq: number): Buffer[] {
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

export function stateBody(seq: number, mid: number, state: OutgoingState, everSent: boolean): Buffer {
  const body = Buffer.allocUnsafe(1 + SEQ_BYTES + 4);
  body[0] = T_STATE;
  body.writeUIntBE(seq, 1, SEQ_BYTES);
  body.writeUInt16BE(mid, 7);
  body[9] = STATES.indexOf(state);
  body[10] = everSent ? 1 : 0;
  return body;
}

export function deleteBody(seq: number, mid: number): Buffer {
  const body = Buffer.allocUnsafe(1 + SEQ_BYTES + 2);
  body[0] = T_DELETE;
  body.writeUIntBE(seq, 1, SEQ_BYTES);
  body.writeUInt16BE(mid, 7);
  return body;
}

export function clearBody(seq: number): Buffer {
  const body = Buffer.allocUnsafe(1 + SEQ_BYTES);
  body[0] = T_CLEAR;
  body.writeUIntBE(seq, 1, SEQ_BYTES);
  return body;
}

/** The header that frames `body` (given in parts) as one record. */
export function recordHeader(body: Buffer[]): Buffer {
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
  return header;
}

/** Bytes of the whole record framing `body`. */
export function recordBytes(body: Buffer[]): number {
  let n = HEADER;
  for (const b of body) n += b.length;
  return n;
}

// ---- reading ---------------------------------------------------------------------------------------

/** One record body, understood. A put's payload is a view of the body. */
export type JournalRecord =
  | { type: 'put'; msg: StoredMessage }
  | { type: 'state'; mid: number; state: OutgoingState; everSent: boolean }
  | { type: 'delete'; mid: number }
  | { type: 'clear' };

/**
 * Walks a journal file's bytes: hands each body that checks to `apply` (which returns why it is
 * unusable, or null) and each damaged stretch to `damage`. Returns the highest seq applied, or -1.
 */
export function readRecords(
  buf: Buffer,
  apply: (body: Buffer) => string | null,
  damage: (offset: number, length: number, reason: CorruptRecord['reason'], detail: string) => void,
): number {
  const n = buf.length;
  let pos = 0;
  let lastSeq = -1;
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
        damage(pos, n - pos, 'truncated', `the journal ends inside a record header (${n - pos} of ${HEADER} bytes)`);
      } else {
        damage(pos, next - pos, 'bad-header', `${next - pos} bytes that are not a journal record`);
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
        damage(pos, next - pos, 'bad-header', `a record of ${len} bytes overlaps later records`);
        pos = next;
        continue;
      }
      damage(pos, n - pos, 'truncated', `the journal ends inside a record (${n - pos - HEADER} of ${len} body bytes)`);
      break;
    }
    const body = buf.subarray(pos + HEADER, end);
    if (crc32(body) !== buf.readUInt32BE(pos + 12)) {
      damage(pos, end - pos, 'bad-crc', `record of ${len} bytes fails its checksum`);
      pos = end;
      continue;
    }
    const problem = apply(body);
    if (problem !== null) damage(pos, end - pos, 'bad-record', problem);
    else lastSeq = Math.max(lastSeq, body.readUIntBE(1, SEQ_BYTES));
    pos = end;
  }
  return lastSeq;
}

/** Understands one checked record body; returns why it is unusable when it cannot. */
export function decodeRecord(body: Buffer): JournalRecord | string {
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
      return { type: 'put', msg };
    }
    case T_STATE: {
      if (body.length !== 1 + SEQ_BYTES + 4) return 'state record of the wrong size';
      const state = STATES[body[9]];
      if (state === undefined) return `state record with bad state ${body[9]}`;
      return { type: 'state', mid: body.readUInt16BE(7), state, everSent: body[10] !== 0 };
    }
    case T_DELETE:
      if (body.length !== 1 + SEQ_BYTES + 2) return 'delete record of the wrong size';
      return { type: 'delete', mid: body.readUInt16BE(7) };
    case T_CLEAR:
      return { type: 'clear' };
    default:
      return `unknown record type ${type}`;
  }
}

function headerOk(buf: Buffer, at: number): boolean {
  return at + HEADER <= buf.length && buf.readUInt32BE(at) === MAGIC &&
    crc32(buf.subarray(at, at + 8)) === buf.readUInt32BE(at + 8);
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
