import { expect } from 'chai';
import fc from 'fast-check';
import { encodeFrame, splitFrames } from '../../../streams/sources/modbusFrame';
import { decodeRequest, exceptionPdu } from '../../../streams/sources/modbusRequest';
import { adu, cuts, modbusInput, splitAt } from '../../helpers/fuzzInputs';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('splitFrames (Modbus TCP framing)', () => {
  it('yields each whole request and carries the unfinished rest', () => {
    const split = splitFrames(bytes(), Uint8Array.from([...adu([1, 0, 1, 0, 1], { transactionId: 7 }), 0, 2]));
    expect(split.frames).to.deep.equal([{ transactionId: 7, unitId: 1, pdu: bytes(1, 0, 1, 0, 1) }]);
    expect(split.carry).to.deep.equal(bytes(0, 2));
    expect(split.error).to.equal(undefined);
  });

  it('stops at a protocol id other than 0 or a length outside 2..254, keeping the requests before it', () => {
    const good = adu([3, 0, 1, 0, 1]);
    expect(splitFrames(bytes(), Uint8Array.from([...good, ...adu([3], { protocolId: 1 })]))).to.deep.include({
      error: { reason: 'bad_protocol_id', message: 'protocol id 1, not 0 (Modbus)' },
    });
    for (const length of [0, 1, 255, 65535]) {
      const split = splitFrames(bytes(), Uint8Array.from([...good, ...adu([3], { length })]));
      expect(split.frames, `length ${length}`).to.have.length(1);
      expect(split.error?.reason, `length ${length}`).to.equal('bad_length');
    }
    // 2 and 254 are the bounds, inclusive.
    expect(splitFrames(bytes(), adu([8])).frames).to.have.length(1);
    expect(splitFrames(bytes(), adu(new Array<number>(253).fill(16))).frames).to.have.length(1);
  });

  it('frames the same requests however the stream is cut into packets', () => {
    fc.assert(
      fc.property(
        fc.array(modbusInput, { minLength: 1, maxLength: 5 }).chain((inputs) => {
          const whole = Uint8Array.from(inputs.flatMap((i) => [...i.bytes]));
          return cuts(whole.length).map((at) => ({ whole, at }));
        }),
        ({ whole, at }) => {
          const once = splitFrames(bytes(), whole);
          let carry: Uint8Array = bytes();
          const frames = [];
          let error;
          for (const packet of splitAt(whole, at)) {
            const split = splitFrames(carry, packet);
            frames.push(...split.frames);
            carry = split.carry;
            if ((error = split.error)) break;
          }
          expect(frames).to.deep.equal(once.frames);
          expect(error).to.deep.equal(once.error);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encodes an answer with the request’s transaction and unit id and the true length', () => {
    expect(encodeFrame({ transactionId: 0x0102, unitId: 9 }, exceptionPdu(3, 2))).to.deep.equal(bytes(1, 2, 0, 0, 0, 3, 9, 0x83, 2));
  });
});

describe('decodeRequest (Modbus PDU checks)', () => {
  it('gives every generated request the exception it was built for', () => {
    fc.assert(
      fc.property(modbusInput, (input) => {
        if (input.expect.kind !== 'exception' || input.expect.code === 2) return;
        const decoded = decodeRequest(input.bytes.subarray(7));
        expect(decoded, input.what).to.deep.equal({ ok: false, exception: input.expect.code });
      }),
      { numRuns: 500 },
    );
  });

  it('takes the protocol bounds at their edges', () => {
    expect(decodeRequest(bytes(3, 0, 0, 0, 125))).to.deep.equal({ ok: true, request: { fc: 3, address: 0, quantity: 125 } });
    expect(decodeRequest(bytes(3, 0, 0, 0, 126))).to.deep.equal({ ok: false, exception: 3 });
    expect(decodeRequest(bytes(1, 0xff, 0xff, 0, 1))).to.deep.equal({ ok: true, request: { fc: 1, address: 0xffff, quantity: 1 } });
    expect(decodeRequest(bytes(1, 0xff, 0xff, 0, 2))).to.deep.equal({ ok: false, exception: 2 });
    expect(decodeRequest(bytes(5, 0, 1, 0xff, 0))).to.deep.equal({ ok: true, request: { fc: 5, address: 1, value: true } });
    expect(decodeRequest(bytes(15, 0, 1, 0, 9, 2, 0b1000_0001, 1))).to.deep.equal({
      ok: true,
      request: { fc: 15, address: 1, values: [true, false, false, false, false, false, false, true, true] },
    });
    expect(decodeRequest(bytes(16, 0, 1, 0, 1, 2, 0x12, 0x34))).to.deep.equal({ ok: true, request: { fc: 16, address: 1, values: [0x1234] } });
    expect(decodeRequest(bytes(0x81))).to.deep.equal({ ok: false, exception: 1 });
  });
});
