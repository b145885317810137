/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial) for the file store's journal records.
 * zlib.crc32 exists from Node 20.15 / 22.2 only; on an older Node 20 the table-driven
 * version below computes the same value, so `engines` can stay `>=20`.
 */
import * as zlib from 'zlib';

/** crc32(data, value): the CRC-32 of `data`, continued from `value` (0 to start). */
export type Crc32 = (data: Uint8Array, value?: number) => number;

let table: Uint32Array | undefined;

/** The 256-entry table of the reflected polynomial 0xEDB88320, built on first use. */
function crcTable(): Uint32Array {
  if (table !== undefined) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The byte-at-a-time CRC-32; equal to zlib.crc32 (proven on random inputs in spec/store). */
export function tableCrc32(data: Uint8Array, value = 0): number {
  const t = crcTable();
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** zlib's native crc32 where this Node has it (much faster), else the table. */
export const crc32: Crc32 = (zlib as { crc32?: Crc32 }).crc32 ?? tableCrc32;
