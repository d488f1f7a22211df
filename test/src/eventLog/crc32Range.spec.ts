import { expect } from 'chai';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { crc32Range } from '../../../src/eventLog/crc32Range';

describe('crc32Range', () => {
  it('is zlib’s CRC-32 of the range, for any bytes and any range of them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        expect(crc32Range(bytes, start, end)).to.equal(crc32(bytes.subarray(start, end)));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads only the range: the bytes around it change nothing', () => {
    const record = Buffer.from('[1,"event","Stage.Mode","intro",null,"Discrete","stage","default","TCP","2026-12-07T06:40:00.123Z",5]');
    const inside = Buffer.concat([Buffer.alloc(13, 0xff), record, Buffer.alloc(7, 0x5a)]);
    expect(crc32Range(inside, 13, 13 + record.length)).to.equal(crc32(record));
    expect(crc32Range(inside, 13, 13)).to.equal(0);
  });
});
