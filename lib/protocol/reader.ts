import { isUtf8 } from 'node:buffer';
import { ProtocolError } from './errors';

/**
 * A bounds-checked cursor over one packet's bytes. Every read checks `end` first, so a
 * malformed packet becomes a ProtocolError('truncated'), never a RangeError or a read
 * into the next packet. One Reader serves every Parser (parser.ts), packet after packet.
 */
export class Reader {
  buf: Buffer = EMPTY;
  pos = 0;
  end = 0;

  reset(buf: Buffer, pos: number, end: number): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new ProtocolError('truncated', `${what} runs past the end of the packet`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what: string): number {
    this.need(2, what);
    const b = this.buf, p = this.pos;
    this.pos = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Variable Byte Integer (MQTT 5 §1.5.5): at most 4 bytes. */
  vbi(what: string): number {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 4; i++) {
      const b = this.u8(what);
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return value;
      mul *= 128;
    }
    throw new ProtocolError('remaining-length-too-long', `${what}: variable byte integer longer than 4 bytes`);
  }

  /** Two-byte length then that many bytes: returned as a slice, not a copy. */
  binary(what: string): Buffer {
    const len = this.u16(what);
    this.need(len, what);
    const s = this.pos;
    this.pos = s + len;
    return this.buf.subarray(s, s + len);
  }

  /** UTF-8 Encoded String: well-formed UTF-8 without U+0000 (MQTT 3.1.1 §1.5.3). */
  utf8(what: string): string {
    const len = this.u16(what);
    this.need(len, what);
    const s = this.pos;
    this.pos = s + len;
    return decodeUtf8(this.buf, s, s + len, what, false);
  }

  /**
   * A PUBLISH or will topic: a UTF-8 string that must not contain '+' or '#'. A subscriber
   * sees the same topics over and over, and building a JS string costs more than the rest
   * of a PUBLISH together: topics seen recently are looked up by a hash computed in the
   * same pass that validates the bytes, and their string is reused.
   */
  topicName(what: string): string {
    const len = this.u16(what);
    this.need(len, what);
    const s = this.pos;
    const e = s + len;
    this.pos = e;
    const buf = this.buf;
    let h = len;
    let high = 0;
    for (let i = s; i < e; i++) {
      const c = buf[i];
      if (c === 0 || c === 0x23 || c === 0x2b) return decodeUtf8(buf, s, e, what, true); // throws the right rule
      high |= c;
      h = (Math.imul(h, 31) + c) | 0;
    }
    const hit = recentTopics.get(h);
    if (hit !== undefined && hit.bytes.length === len) {
      const b = hit.bytes;
      let i = 0;
      while (i < len && buf[s + i] === b[i]) i++;
      if (i === len) return hit.str;
    }
    let str: string;
    if (high < 0x80) str = buf.latin1Slice(s, e);
    else if (isUtf8(buf.subarray(s, e))) str = buf.utf8Slice(s, e);
    else throw new ProtocolError('invalid-utf8', `${what} is not well-formed UTF-8`);
    if (len <= MAX_CACHED_TOPIC) {
      if (recentTopics.size >= TOPIC_CACHE_SIZE) recentTopics.clear();
      recentTopics.set(h, { bytes: Buffer.from(buf.subarray(s, e)), str });
    }
    return str;
  }
}

interface CachedTopic {
  bytes: Buffer;
  str: string;
}

/**
 * Recently decoded topics by hash of their bytes, shared by every connection of the process:
 * a message fanned out to thousands of clients in one process is one topic for all of them
 * (the first decodes it, the others reuse its string and allocate nothing), and an idle
 * connection holds no cache of its own. Dropped whole when full.
 */
const recentTopics = new Map<number, CachedTopic>();

const EMPTY = Buffer.alloc(0);
const TOPIC_CACHE_SIZE = 2048;
const MAX_CACHED_TOPIC = 128;

/**
 * Decodes buf[start, end) as an MQTT UTF-8 string. One pass over the bytes finds U+0000,
 * wildcards (when `isTopic`) and whether any byte is non-ASCII; only then is the
 * (native) UTF-8 validator run.
 */
export function decodeUtf8(buf: Buffer, start: number, end: number, what: string, isTopic: boolean): string {
  let high = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === 0) throw new ProtocolError('null-character', `${what} contains U+0000`);
    if (isTopic && (c === 0x23 || c === 0x2b)) {
      throw new ProtocolError('topic-wildcard', `${what} contains the wildcard '${String.fromCharCode(c)}'`);
    }
    high |= c;
  }
  if (high < 0x80) return buf.latin1Slice(start, end);
  if (!isUtf8(buf.subarray(start, end))) {
    throw new ProtocolError('invalid-utf8', `${what} is not well-formed UTF-8`);
  }
  return buf.utf8Slice(start, end);
}


// Node's Buffer has these fast, undocumented-in-types methods since v0.x; toString() wraps them.
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    utf8Slice(start: number, end: number): string;
    utf8Write(str: string, offset: number, length?: number): number;
  }
}
