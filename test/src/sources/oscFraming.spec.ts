import { expect } from 'chai';
import { createOscFrameReader, frameOscPacket } from '../../../src/sources/osc/oscFraming';

function reader(max = 64) {
  const packets: string[] = [];
  const errors: string[] = [];
  const r = createOscFrameReader(
    max,
    (p) => packets.push(p.toString('latin1')),
    (e) => errors.push(e),
  );
  return { r, packets, errors };
}

const bytes = (...parts: Buffer[]) => Buffer.concat(parts);

describe('OSC over TCP framing', () => {
  it('reads SLIP when the stream starts with END, escapes undone, across chunk bounds', () => {
    const { r, packets, errors } = reader();
    const a = Buffer.from([1, 0xc0, 2, 0xdb, 3]);
    const stream = bytes(frameOscPacket(a, 'slip'), frameOscPacket(Buffer.from('bb'), 'slip'));
    for (let i = 0; i < stream.length; i += 3) r.push(stream.subarray(i, i + 3));
    expect(packets).to.deep.equal([a.toString('latin1'), 'bb']);
    expect(r.framing()).to.equal('slip');
    expect(errors).to.deep.equal([]);
  });

  it('reads an int32 length prefix otherwise (liblo), split anywhere', () => {
    const { r, packets } = reader();
    const stream = bytes(frameOscPacket(Buffer.from('/abc'), 'length'), frameOscPacket(Buffer.from('/defgh'), 'length'));
    for (const b of stream) r.push(Buffer.from([b]));
    expect(packets).to.deep.equal(['/abc', '/defgh']);
    expect(r.framing()).to.equal('length');
  });

  it('fails once on a length prefix over the bound, and reads nothing after it', () => {
    const { r, packets, errors } = reader(16);
    r.push(bytes(frameOscPacket(Buffer.alloc(17), 'length'), frameOscPacket(Buffer.from('/ok'), 'length')));
    expect(packets).to.deep.equal([]);
    expect(errors).to.have.length(1);
  });

  it('fails on a SLIP packet over the bound', () => {
    const { r, errors } = reader(16);
    r.push(frameOscPacket(Buffer.alloc(40, 1), 'slip'));
    expect(errors).to.have.length(1);
  });
});
