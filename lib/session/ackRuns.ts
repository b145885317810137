/**
 * Acknowledgements written into one shared block instead of a Buffer each: a run of consecutive
 * 4-byte acks (PUBACK, PUBREC, PUBREL, PUBCOMP) in a session's output becomes one chunk, a view
 * of the block. A subscriber answering a turn's PUBLISHes then hands the transport one buffer
 * (no Buffer per ack, no join of 4-byte pieces before the write).
 *
 * The block is the process's, not a session's (idle memory per connection is benchmarked): the
 * one run still open is tracked here, and whatever else is pushed onto that output closes it
 * first (closeRun()), so the output keeps its order. Bytes handed out are never written again:
 * the cursor only moves forward, and a full block is replaced, never reused, so a chunk still
 * queued in a transport keeps its bytes.
 */

/** Large enough that most turns' acks share one block; small next to a socket's buffers. */
const BLOCK_SIZE = 16 * 1024;

/** Stands in the output for the open run until closeRun() puts the run's view there (never written: closed first). */
const OPEN_RUN = Buffer.alloc(0);

let block = Buffer.allocUnsafe(0);
/** Bytes of `block` handed out or in the open run. */
let used = 0;
/** The output whose last chunk is the open run (OPEN_RUN), and where the run starts in `block`. */
let runOut: Buffer[] | null = null;
let runStart = 0;

/** Appends a 4-byte acknowledgement to `out`: onto its open run, or as a new run. */
export function pushAck(out: Buffer[], byte1: number, mid: number): void {
  if (runOut !== out || used + 4 > block.length) {
    if (runOut !== null) closeOpenRun();
    if (used + 4 > block.length) {
      block = Buffer.allocUnsafe(BLOCK_SIZE);
      used = 0;
    }
    runOut = out;
    runStart = used;
    out.push(OPEN_RUN);
  }
  const b = block;
  b[used] = byte1;
  b[used + 1] = 2;
  b[used + 2] = mid >> 8;
  b[used + 3] = mid & 0xff;
  used += 4;
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
