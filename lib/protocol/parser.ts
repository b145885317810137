/**
 * The incremental parser: bytes in, packets out, any chunking.
 *
 * Framing only lives here (fixed header, Remaining Length, reassembly); packet bodies are
 * decoded in decode.ts. A packet that arrives whole inside one chunk is decoded in place,
 * so its payload is a view of that chunk. A packet split across chunks is copied once: a
 * small one into a buffer sized from its Remaining Length, a large one (over 64 KiB) by
 * joining its pieces when the last arrives, so memory follows the bytes actually received,
 * never what a header claims. The size limit is enforced from the fixed header, before any
 * of the body is buffered.
 */
import { checkFirstByte, decodeBody } from './decode';
import { ProtocolError, PACKET_TOO_LARGE } from './errors';
import { Reader } from './reader';
import { MAX_REMAINING_LENGTH, Packet, ProtocolLevel } from './types';

/** Options of `new Parser()`. */
export interface ParserOptions {
  /** Protocol level of the connection: 3, 4 (default) or 5. A decoded CONNECT sets it. */
  protocolVersion?: ProtocolLevel;
  /** Largest whole packet accepted, in bytes (fixed header included). Default: no limit beyond the protocol's. */
  maxPacketSize?: number;
  /**
   * Told of every decoded packet (its first byte and whole length): the session's traffic counters.
   * @internal
   */
  counter?: PacketCounter;
}

/** What counts decoded packets (lib/session/traffic.ts). */
export interface PacketCounter {
  received(byte1: number, bytes: number): void;
}

/** Largest packet the protocol can express: 1 type byte + 4 length bytes + 268435455. */
const PROTOCOL_MAX_PACKET = 1 + 4 + MAX_REMAINING_LENGTH;

/** The incremental decoder: `feed(chunk)` returns the packets completed so far and keeps the rest. */
export class Parser {
  /** Protocol level the packets are decoded at; a decoded CONNECT sets it. */
  protocolVersion: ProtocolLevel;
  /** Largest whole packet accepted, in bytes; a larger one is a 'packet-too-large' ProtocolError. */
  maxPacketSize: number;

  /** A fixed header that arrived in pieces (at most 5 bytes); allocated the first time one does. */
  private head: Buffer | null = null;
  private headLen = 0;
  /** The packet being reassembled across chunks: pre-sized when small, else its pieces. */
  private partial: Buffer | null = null;
  private parts: Buffer[] | null = null;
  private partialTotal = 0;
  private partialFill = 0;
  private failure: ProtocolError | null = null;
  private readonly counter: PacketCounter | null;

  /** A parser for one connection (level 4 and the protocol's largest packet by default). */
  constructor(opts: ParserOptions = {}) {
    this.protocolVersion = opts.protocolVersion ?? 4;
    this.counter = opts.counter ?? null;
    this.maxPacketSize = Math.min(opts.maxPacketSize ?? PROTOCOL_MAX_PACKET, PROTOCOL_MAX_PACKET);
  }

  /** Bytes held for a packet that has not fully arrived yet. */
  get bufferedBytes(): number {
    return this.headLen + this.partialFill;
  }

  /** Forgets any partial packet and a previous failure (for a new connection). */
  reset(): void {
    this.headLen = 0;
    this.partial = null;
    this.parts = null;
    this.partialTotal = 0;
    this.partialFill = 0;
    this.failure = null;
  }

  /**
   * Feeds bytes; returns every packet they complete (possibly none). Malformed input throws
   * a ProtocolError whose `packets` holds the packets completed before it in this call;
   * the parser then stays failed until reset().
   */
  feed(chunk: Buffer): Packet[] {
    if (this.failure !== null) {
      throw new ProtocolError('parser-failed', `the stream failed earlier (${this.failure.message}); reset() before reuse`,
        this.failure.reasonCode);
    }
    const out: Packet[] = [];
    try {
      let pos = 0;
      if (this.partialTotal > 0) pos = this.continuePartial(chunk, out);
      else if (this.headLen > 0) pos = this.continueHeader(chunk, out);
      this.scan(chunk, pos, out);
    } catch (e) {
      READER.buf = EMPTY; // a decode that threw left its chunk there
      if (e instanceof ProtocolError) {
        e.packets = out;
        this.failure = e;
        this.partial = null;
        this.parts = null;
        this.partialTotal = 0;
      }
      throw e;
    }
    return out;
  }

  /** Decodes the whole packets in chunk[pos..] in place; keeps the tail. */
  private scan(chunk: Buffer, pos: number, out: Packet[]): void {
    const len = chunk.length;
    while (pos < len) {
      const byte1 = chunk[pos];
      checkFirstByte(byte1, this.protocolVersion);
      // Remaining Length: up to 4 bytes after the first.
      let rem = 0;
      let mul = 1;
      let i = pos + 1;
      let done = false;
      for (; i < len && i <= pos + 4; i++) {
        const b = chunk[i];
        rem += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) { done = true; i++; break; }
      }
      if (!done) {
        if (i > pos + 4) throw new ProtocolError('remaining-length-too-long', 'Remaining Length is longer than 4 bytes');
        chunk.copy((this.head ??= Buffer.alloc(5)), 0, pos, len); // header incomplete: hold its bytes
        this.headLen = len - pos;
        return;
      }
      const total = i - pos + rem;
      this.checkSize(total);
      if (pos + total <= len) {
        out.push(this.decode(chunk, byte1, pos, i, pos + total));
        pos += total;
      } else {
        this.startPartial(total, chunk.subarray(pos, len), false);
        return;
      }
    }
  }

  /** Adds bytes to a fixed header that arrived in pieces; returns where the chunk's unread bytes start. */
  private continueHeader(chunk: Buffer, out: Packet[]): number {
    const head = this.head!;
    let pos = 0;
    while (pos < chunk.length) {
      head[this.headLen++] = chunk[pos++];
      const b = head[this.headLen - 1];
      if ((b & 0x80) === 0 && this.headLen >= 2) {
        let rem = 0;
        for (let k = this.headLen - 1; k >= 1; k--) rem = rem * 128 + (head[k] & 0x7f);
        const total = this.headLen + rem;
        this.checkSize(total);
        this.startPartial(total, head.subarray(0, this.headLen), true);
        this.headLen = 0;
        return this.continuePartial(chunk.subarray(pos), out) + pos;
      }
      if (this.headLen === 5) throw new ProtocolError('remaining-length-too-long', 'Remaining Length is longer than 4 bytes');
    }
    return pos;
  }

  /** Begins reassembling a packet of `total` bytes from its first bytes (`copy` when they will be reused). */
  private startPartial(total: number, first: Buffer, copy: boolean): void {
    this.partialTotal = total;
    this.partialFill = first.length;
    if (total <= PRESIZE_LIMIT) {
      this.partial = Buffer.allocUnsafe(total);
      first.copy(this.partial, 0);
    } else {
      this.parts = [copy ? Buffer.from(first) : first];
    }
  }

  /** Adds bytes to the packet being reassembled; decodes it when complete. */
  private continuePartial(chunk: Buffer, out: Packet[]): number {
    const total = this.partialTotal;
    const n = Math.min(total - this.partialFill, chunk.length);
    if (this.partial !== null) chunk.copy(this.partial, this.partialFill, 0, n);
    else this.parts!.push(chunk.subarray(0, n));
    this.partialFill += n;
    if (this.partialFill === total) {
      const partial = this.partial ?? Buffer.concat(this.parts!, total);
      this.partial = null;
      this.parts = null;
      this.partialTotal = 0;
      this.partialFill = 0;
      let bodyStart = 1;
      while (partial[bodyStart] & 0x80) bodyStart++;
      out.push(this.decode(partial, partial[0], 0, bodyStart + 1, partial.length));
    }
    return n;
  }

  private checkSize(total: number): void {
    if (total > this.maxPacketSize) {
      throw new ProtocolError('packet-too-large',
        `packet of ${total} bytes exceeds the maximum packet size of ${this.maxPacketSize}`, PACKET_TOO_LARGE);
    }
  }

  /** Decodes the packet in buf[frameStart..end] whose body starts at `start`. */
  private decode(buf: Buffer, byte1: number, frameStart: number, start: number, end: number): Packet {
    if (this.counter !== null) this.counter.received(byte1, end - frameStart);
    const r = READER;
    r.reset(buf, start, end);
    const p = decodeBody(r, byte1, this.protocolVersion);
    r.buf = EMPTY; // do not keep the chunk alive through the reader
    if (p.type === 'connect') this.protocolVersion = p.protocolVersion;
    return p;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * The one Reader of every Parser: decoding a packet is synchronous (nothing else runs in
 * between), so parsers take turns with it (its topic cache is the process's, reader.ts). A Reader per
 * parser would be an object more per connection (idle memory is benchmarked).
 */
const READER = new Reader();
/** Packets up to this size are reassembled into one buffer allocated up front. */
const PRESIZE_LIMIT = 64 * 1024;
