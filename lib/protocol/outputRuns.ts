/**
 * Small packets written into one shared block instead of a Buffer each: a run of consecutive
 * small packets (acknowledgements, PUBLISHes up to SMALL_PACKET bytes) in a session's output
 * becomes one chunk, a view of the block. A turn's PUBACKs, or the PUBLISHes that refill a
 * window, then reach the transport as one buffer: no Buffer per packet, and no join of the
 * pieces before the write (tcp.ts joins chunks into one buffer, copying each).
 *
 * The block is the process's, not a session's (idle memory per connection is benchmarked): the
 * one run still open is tracked here, and whatever else is pushed onto that output closes it
 * first (closeRun()), so the output keeps its order. Bytes handed out are never written again:
 * the cursor only moves forward, and a full block is replaced, never reused, so a chunk still
 * queued in a transport keeps its bytes. A writer validates everything before it reserves, so a
 * reserved range is always written whole.
 */

/** Packets up to this size go into the block; larger ones get a Buffer of their own. */
export const SMALL_PACKET = 1024;
/** Large enough that most turns' packets share one block; small next to a socket's buffers. */
const BLOCK_SIZE = 16 * 1024;

/** Stands in the output for the open run until closeRun() puts the run's view there (never written: closed first). */
const OPEN_RUN = Buffer.alloc(0);

let block = Buffer.allocUnsafe(0);
/** Bytes of `block` handed out or in the open run. */
let used = 0;
/** The output whose last chunk is the open run (OPEN_RUN), and where the run starts in `block`. */
let runOut: Buffer[] | null = null;
let runStart = 0;

/**
 * Reserves `n` (<= SMALL_PACKET) bytes at the end of `out`'s run, opening a run if `out` has
 * none open; returns their offset in runBlock(). The caller writes all `n` bytes at once.
 */
export function reserve(out: Buffer[], n: number): number {
  if (runOut !== out || used + n > block.length) {
    if (runOut !== null) closeOpenRun();
    if (used + n > block.length) {
      block = Buffer.allocUnsafe(BLOCK_SIZE);
      used = 0;
    }
    runOut = out;
    runStart = used;
    out.push(OPEN_RUN);
  }
  const off = used;
  used += n;
  return off;
}

/** The block the last reserve() handed out bytes of. */
export function runBlock(): Buffer {
  return block;
}

/** Appends a 4-byte acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP: reason 0, no properties) to `out`. */
export function pushAck(out: Buffer[], byte1: number, mid: number): void {
  const off = reserve(out, 4);
  const b = block;
  b[off] = byte1;
  b[off + 1] = 2;
  b[off + 2] = mid >> 8;
  b[off + 3] = mid & 0xff;
}

/** Before anything else is pushed onto `out`, or `out` is taken: its open run becomes its chunk. */
export function closeRun(out: Buffer[]): void {
  if (runOut === out) closeOpenRun();
}

/** `out` is dropped unwritten (the connection is gone): its open run is forgotten. */
export function dropRun(out: Buffer[]): void {
  if (runOut === out) runOut = null;
}

function closeOpenRun(): void {
  const out = runOut!;
  runOut = null;
  out[out.length - 1] = block.subarray(runStart, used);
}
