import { ValueError } from '../errors';
import { MAX_REMAINING_LENGTH } from '../protocol/types';

const EMPTY = Buffer.alloc(0);

/**
 * A payload as paho accepts it: str, bytes, int/float (sent as decimal text), or None (empty).
 *
 * @inline
 */
export type PayloadLike = string | Buffer | Uint8Array | number | null | undefined;

/** Converts a payload argument to bytes; throws ValueError naming `argName` for anything else. */
export function toPayload(payload: PayloadLike, argName = 'payload'): Buffer {
  let buf: Buffer;
  if (payload === null || payload === undefined) return EMPTY;
  if (Buffer.isBuffer(payload)) buf = payload;
  else if (typeof payload === 'string') buf = Buffer.from(payload, 'utf8');
  else if (payload instanceof Uint8Array) buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  else if (typeof payload === 'number') {
    if (!Number.isFinite(payload)) throw new ValueError(`${argName}: a number payload must be finite, got ${payload}`);
    buf = Buffer.from(String(payload), 'utf8');
  } else {
    throw new ValueError(`${argName}: must be a string, Buffer, Uint8Array, number, null or undefined, got ${typeof payload}`);
  }
  if (buf.length > MAX_REMAINING_LENGTH) {
    throw new ValueError(`${argName}: ${buf.length} bytes is more than the ${MAX_REMAINING_LENGTH} an MQTT packet can carry`);
  }
  return buf;
}
