import fc from 'fast-check';
import * as zlib from 'zlib';
import { crc32, tableCrc32 } from '../../lib/store/crc32';

// The journal's checksums must not depend on which Node wrote them: the table fallback (a Node 20
// before 20.15 has no zlib.crc32) has to give zlib's values exactly, or a journal written on one
// Node would read back as damaged on another.
const native = zlib.crc32 as (data: Uint8Array, value?: number) => number;

describe('crc32', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(tableCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('uses zlib.crc32 where this Node has it', () => {
    expect(crc32).toBe(native);
  });

  it('falls back to the table on a Node whose zlib has no crc32', () => {
    jest.isolateModules(() => {
      jest.doMock('zlib', () => {
        const { crc32: _dropped, ...rest } = jest.requireActual<typeof zlib>('zlib');
        return rest;
      });
      const fresh = jest.requireActual<typeof import('../../lib/store/crc32')>('../../lib/store/crc32');
      expect(fresh.crc32).toBe(fresh.tableCrc32);
      expect(fresh.crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    });
    jest.dontMock('zlib');
  });

  it('equals zlib.crc32 on random buffers, from 0 and from a running value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.nat({ max: 0xffffffff }), (bytes, start) => {
        const buf = Buffer.from(bytes);
        expect(tableCrc32(buf)).toBe(native(buf));
        // An empty buffer is left to the table (Node 20's zlib.crc32 may drop the running value).
        if (buf.length > 0) expect(tableCrc32(buf, start)).toBe(native(buf, start));
        else expect(tableCrc32(buf, start)).toBe(start);
      }),
      { numRuns: 500 },
    );
  });

  it('continues across parts as over the whole, as recordHeader chains them', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 6 }), (parts) => {
        let running = 0;
        for (const p of parts) running = tableCrc32(p, running);
        expect(running).toBe(native(Buffer.concat(parts)));
      }),
      { numRuns: 300 },
    );
  });
});
