import { ProtocolError } from './errors';
import { MAX_REMAINING_LENGTH } from './types';

/** Bytes a Variable Byte Integer takes (1..4). */
export function vbiLength(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

export function writeVbi(buf: Buffer, off: number, n: number): number {
  do {
    let b = n % 128;
    n = (n - b) / 128;
    if (n > 0) b |= 0x80;
    buf[off++] = b;
  } while (n > 0);
  return off;
}

export function writeU16(buf: Buffer, off: number, n: number): number {
  buf[off] = n >>> 8;
  buf[off + 1] = n & 0xff;
  return off + 2;
}

export function writeU32(buf: Buffer, off: number, n: number): number {
  buf.writeUInt32BE(n, off);
  return off + 4;
}

/**
 * UTF-8 byte length of a string field, checked against the 65535-byte limit and U+0000.
 * Callers pass the result to writeString so the string is measured once.
 */
export function stringLength(s: string, what: string): number {
  if (typeof s !== 'string') throw new ProtocolError('invalid-utf8', `${what} must be a string`);
  const n = Buffer.byteLength(s, 'utf8');
  if (n > 65535) throw new ProtocolError('string-too-long', `${what} is ${n} bytes, over 65535`);
  if (s.indexOf('\u0000') !== -1) throw new ProtocolError('null-character', `${what} contains U+0000`);
  if (n !== s.length && hasLoneSurrogate(s)) {
    throw new ProtocolError('invalid-utf8', `${what} contains a lone UTF-16 surrogate`);
  }
  return n;
}

/** Writes a two-byte length then the string's bytes; `byteLen` from stringLength. */
export function writeString(buf: Buffer, off: number, s: string, byteLen: number): number {
  buf[off] = byteLen >>> 8;
  buf[off + 1] = byteLen & 0xff;
  off += 2;
  if (byteLen === s.length && byteLen < 32) {
    for (let i = 0; i < byteLen; i++) buf[off + i] = s.charCodeAt(i);
    return off + byteLen;
  }
  return off + buf.utf8Write(s, off, byteLen);
}

export function binaryLength(b: Uint8Array, what: string): number {
  if (!(b instanceof Uint8Array)) throw new ProtocolError('invalid-property-value', `${what} must be a Buffer`);
  if (b.length > 65535) throw new ProtocolError('string-too-long', `${what} is ${b.length} bytes, over 65535`);
  return b.length;
}

export function writeBinary(buf: Buffer, off: number, b: Uint8Array): number {
  off = writeU16(buf, off, b.length);
  buf.set(b, off);
  return off + b.length;
}

/** Allocates a whole packet and writes its fixed header; the body starts at bodyOffset(remaining). */
export function allocPacket(byte1: number, remaining: number): Buffer {
  checkRemaining(remaining);
  const buf = Buffer.allocUnsafe(1 + vbiLength(remaining) + remaining);
  buf[0] = byte1;
  writeVbi(buf, 1, remaining);
  return buf;
}

/** Throws when a packet's remaining length is over the protocol's largest. */
export function checkRemaining(remaining: number): void {
  if (remaining > MAX_REMAINING_LENGTH) {
    throw new ProtocolError('packet-too-large', `remaining length ${remaining} exceeds ${MAX_REMAINING_LENGTH}`, 0x95);
  }
}

/** Offset of the body in a buffer made by allocPacket. */
export function bodyOffset(remaining: number): number {
  return 1 + vbiLength(remaining);
}

/**
 * A string's UTF-16 form can hold a surrogate half that UTF-8 cannot encode (Buffer would
 * silently write U+FFFD): refuse it instead of sending something else than asked.
 */
function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}
