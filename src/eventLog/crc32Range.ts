/**
 * zlib's CRC-32 (IEEE 802.3, the one `node:zlib`'s `crc32` computes) of `bytes[start, end)`, read
 * in place. `crc32` from `node:zlib` takes a whole view: the writer checksums every record of a
 * batch inside one scratch buffer, and a view made per record cost more than the native sum of its
 * hundred-odd bytes (about 460 ns per record here, against 200 ns for this slicing-by-4 loop). For
 * a whole buffer, or a large one, `node:zlib`'s is the faster; the reader uses that.
 */
export function crc32Range(bytes: Uint8Array, start: number, end: number): number {
  let c = -1;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = T3[c & 0xff] ^ T2[(c >>> 8) & 0xff] ^ T1[(c >>> 16) & 0xff] ^ T0[c >>> 24];
  }
  for (; i < end; i++) c = T0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** The reflected polynomial's table, and three more that each advance it one byte further (Intel's slicing-by-4). */
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T0[n] = c;
}
for (let n = 0; n < 256; n++) {
  T1[n] = T0[T0[n] & 0xff] ^ (T0[n] >>> 8);
  T2[n] = T0[T1[n] & 0xff] ^ (T1[n] >>> 8);
  T3[n] = T0[T2[n] & 0xff] ^ (T2[n] >>> 8);
}
