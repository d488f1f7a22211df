import { expect } from 'chai';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import type { TriggerEvent } from '../../../streams/contracts';
import {
  createBatchFramer,
  decodePayload,
  recordJson,
  FRAME_HEADER_BYTES,
  frameBatch,
  MAX_PAYLOAD_BYTES,
  payloadSeq,
  scanFrames,
} from '../../../src/eventLog/recordFrame';
import { event } from '../../streams/fixtures';

const at = (seq: number, fields: Partial<TriggerEvent> = {}): TriggerEvent => event('Phone.Button', { seq, id: seq, ...fields });

/** Every frame `scanFrames` visits from `start`: its offset and the seq its payload holds. */
function visited(buffer: Buffer, start = 0) {
  const frames: Array<{ offset: number; seq: number }> = [];
  const scan = scanFrames(buffer, start, (payload, offset) => void frames.push({ offset, seq: decodePayload(payload).seq }));
  return { frames, scan };
}

/** The byte offset of each frame of `events`, framed as one batch, and the batch's length. */
function offsetsOf(events: readonly TriggerEvent[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const e of events) {
    offsets.push(total);
    total += FRAME_HEADER_BYTES + Buffer.byteLength(recordJson(e));
  }
  return { offsets, total };
}

describe('eventLog/recordFrame', () => {
  describe('recordJson', () => {
    const decoded = (json: string) => decodePayload(Buffer.from(json));
    const full: TriggerEvent = {
      seq: 41,
      kind: 'event',
      name: 'Stage.Mode',
      value: 'intro',
      id: 7,
      type: 'Discrete',
      category: 'stage',
      organization: 'acme',
      source: 'TCP',
      timestamp: '2026-12-02T10:07:02.114Z',
      receivedAt: 1234,
    };

    it('is a JSON array of every field, seq first, that decodes to the event, for every kind of value, id and text', () => {
      const cases: TriggerEvent[] = [
        full,
        { ...full, kind: 'status', value: 12.25, id: null, source: 'MODBUS' },
        { ...full, value: null, type: 'OneShot' },
        { ...full, value: 'a "quoted"\\ line\nwith ünïcode \u2028', name: 'Odd "name"', category: 'c\\d', organization: 'o\tp', source: 'plug"in' },
        { ...full, seq: 0, id: 0, value: -0.5, receivedAt: 0 },
      ];
      for (const e of cases) {
        const json = recordJson(e);
        expect(json.startsWith(`[${e.seq},`), json).to.equal(true);
        expect(JSON.parse(json)).to.have.length(11);
        // Same fields in the same order as the gateway builds them: a decoded event prints as the live one.
        expect(JSON.stringify(decoded(json))).to.equal(JSON.stringify(e));
      }
    });

    it('keeps receivedAt (a monotonic time of this process only) to the millisecond', () => {
      expect(decoded(recordJson({ ...full, receivedAt: 1234.5678 })).receivedAt).to.equal(1235);
    });

    it('follows a trigger whose catalog entry changed (a reload), instead of repeating the old one', () => {
      // The encoder keeps each trigger's catalog part as bytes: a changed entry must not reuse them.
      const framed = (e: TriggerEvent) => decodePayload(frameBatch([e]).subarray(FRAME_HEADER_BYTES));
      expect(framed(full).category).to.equal('stage');
      expect(framed({ ...full, category: 'lobby', type: 'On/Off', organization: 'other' })).to.include({
        category: 'lobby',
        type: 'On/Off',
        organization: 'other',
      });
    });
  });

  describe('frameBatch', () => {
    it('lays each record out as [u32 LE length][u32 LE CRC-32] then the JSON payload, back to back', () => {
      const events = [at(1), at(2, { value: 'Off' })];
      const buffer = frameBatch(events);
      const { offsets, total } = offsetsOf(events);
      expect(buffer.length).to.equal(total);
      for (const [i, e] of events.entries()) {
        const json = Buffer.from(recordJson(e));
        const offset = offsets[i];
        expect(buffer.readUInt32LE(offset), 'length').to.equal(json.length);
        expect(buffer.readUInt32LE(offset + 4), 'checksum').to.equal(crc32(json));
        expect(buffer.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + json.length).equals(json)).to.equal(true);
      }
    });

    it('counts the length in UTF-8 bytes, not characters', () => {
      const e = at(3, { value: 'Flamme à 100 % 🔥' });
      const buffer = frameBatch([e]);
      const bytes = Buffer.byteLength(recordJson(e));
      expect(bytes).to.be.greaterThan(recordJson(e).length);
      expect(buffer.readUInt32LE(0)).to.equal(bytes);
      expect(buffer.length).to.equal(FRAME_HEADER_BYTES + bytes);
      expect(decodePayload(buffer.subarray(FRAME_HEADER_BYTES))).to.deep.equal(e);
    });

    it('has room for records of nothing but three- and four-byte characters, back to back', () => {
      // A lone surrogate too (JSON.stringify escapes it, so the record stays valid UTF-8).
      const events = [at(4, { value: '€'.repeat(500) }), at(5, { value: '🔥'.repeat(300) }), at(6, { value: 'a\ud800b' })];
      const buffer = frameBatch(events);
      expect(buffer.length).to.equal(events.reduce((n, e) => n + FRAME_HEADER_BYTES + Buffer.byteLength(recordJson(e)), 0));
      const decoded: unknown[] = [];
      expect(scanFrames(buffer, 0, (payload) => void decoded.push(decodePayload(payload)))).to.deep.equal({ end: buffer.length });
      expect(decoded).to.deep.equal(events);
    });

    // The frames are encoded byte by byte, not from recordJson's string: they must be its bytes exactly.
    const anyText = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', '"', '\\', '\u0000', '\u007f', 'é'),
    );
    const anyEvent: fc.Arbitrary<TriggerEvent> = fc.record({
      seq: fc.nat(),
      kind: fc.constantFrom('event' as const, 'status' as const),
      name: anyText,
      value: fc.oneof(anyText, fc.double(), fc.integer(), fc.constant(null)),
      id: fc.oneof(fc.nat(), fc.constant(null)),
      type: fc.constantFrom('OneShot' as const, 'On/Off' as const, 'Discrete' as const, 'Continuous' as const),
      category: anyText,
      organization: anyText,
      source: anyText,
      timestamp: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        anyText,
      ),
      receivedAt: fc.double({ min: 0, max: 1e12, noNaN: true }),
    });
    const recordsOf = (events: readonly TriggerEvent[]) => Buffer.concat(events.map((e) => Buffer.from(recordJson(e))));
    const payloadsOf = (buffer: Buffer) => {
      const payloads: Buffer[] = [];
      expect(scanFrames(buffer, 0, (payload) => void payloads.push(payload))).to.deep.equal({ end: buffer.length });
      return Buffer.concat(payloads);
    };

    it('writes each record as exactly the UTF-8 of its recordJson, for any text, number and null', () => {
      fc.assert(
        fc.property(fc.array(anyEvent, { maxLength: 20 }), (events) => {
          expect(payloadsOf(frameBatch(events)).equals(recordsOf(events))).to.equal(true);
        }),
        { numRuns: 300 },
      );
    });

    it('reuses one framer across batches, growing for a batch larger than its buffer and framing smaller ones after it', () => {
      const framer = createBatchFramer();
      const batches = [[at(1)], Array.from({ length: 2000 }, (_, i) => at(2 + i, { value: 'x'.repeat(100) })), [at(2002, { value: 'Off' })]];
      expect(batches[1].reduce((n, e) => n + recordJson(e).length, 0)).to.be.greaterThan(128 * 1024);
      for (const batch of batches) expect(payloadsOf(framer.frame(batch)).equals(recordsOf(batch))).to.equal(true);
    });

    it('frames the longest record an input can make (1 MiB of characters JSON escapes), and refuses one past MAX_PAYLOAD_BYTES, which a scan calls damage', () => {
      const longest = at(1, { type: 'Discrete', value: '\u0001'.repeat(1 << 20) });
      const framed = frameBatch([longest]);
      expect(framed.length).to.be.greaterThan(6 << 20);
      expect(visited(framed).frames.map((f) => f.seq)).to.deep.equal([1]);
      expect(() => frameBatch([at(2), at(3, { type: 'Discrete', value: 'x'.repeat(MAX_PAYLOAD_BYTES) })])).to.throw(
        RangeError,
        /over the event log's .* \(seq 3\)/,
      );
    });

    it('frames an empty batch as an empty buffer', () => {
      expect(frameBatch([]).length).to.equal(0);
    });
  });

  describe('scanFrames', () => {
    const events = [at(1), at(2), at(3)];
    const batch = frameBatch(events);
    const { offsets } = offsetsOf(events);

    it('visits every record in order with its offset, and ends at the end with no damage', () => {
      const { frames, scan } = visited(batch);
      expect(frames).to.deep.equal(offsets.map((offset, i) => ({ offset, seq: i + 1 })));
      expect(scan).to.deep.equal({ end: batch.length });
    });

    it('starts at a given offset (a snapshot position) and reads an empty buffer as no records', () => {
      expect(visited(batch, offsets[1]).frames.map((f) => f.seq)).to.deep.equal([2, 3]);
      expect(visited(Buffer.alloc(0))).to.deep.equal({ frames: [], scan: { end: 0 } });
    });

    it('stops where the visitor returns false, ending at that record (not past it)', () => {
      const seen: number[] = [];
      const scan = scanFrames(batch, 0, (payload) => {
        seen.push(payloadSeq(payload));
        return payloadSeq(payload) < 2;
      });
      expect(seen).to.deep.equal([1, 2]);
      expect(scan).to.deep.equal({ end: offsets[1] });
    });

    it('calls a header cut short torn, ending after the last whole record', () => {
      for (const extra of [1, FRAME_HEADER_BYTES - 1]) {
        const { frames, scan } = visited(batch.subarray(0, offsets[2] + extra));
        expect(
          frames.map((f) => f.seq),
          `${extra} header bytes`,
        ).to.deep.equal([1, 2]);
        expect(scan).to.deep.equal({ end: offsets[2], damage: 'torn' });
      }
    });

    it('calls a payload cut short torn', () => {
      const { frames, scan } = visited(batch.subarray(0, batch.length - 1));
      expect(frames.map((f) => f.seq)).to.deep.equal([1, 2]);
      expect(scan).to.deep.equal({ end: offsets[2], damage: 'torn' });
      expect(visited(batch.subarray(0, offsets[2] + FRAME_HEADER_BYTES)).scan).to.deep.equal({ end: offsets[2], damage: 'torn' });
    });

    it('calls a flipped payload byte corrupt (checksum), and stops there though whole records follow', () => {
      const damaged = Buffer.from(batch);
      damaged[offsets[1] + FRAME_HEADER_BYTES + 3] ^= 0x01;
      const { frames, scan } = visited(damaged);
      expect(frames.map((f) => f.seq)).to.deep.equal([1]);
      expect(scan).to.deep.equal({ end: offsets[1], damage: 'corrupt' });
    });

    it('calls a flipped checksum byte corrupt', () => {
      const damaged = Buffer.from(batch);
      damaged[offsets[2] + 4] ^= 0x80;
      expect(visited(damaged).scan).to.deep.equal({ end: offsets[2], damage: 'corrupt' });
    });

    it('calls a zero-filled tail corrupt (length 0, though its checksum 0 is the CRC of nothing)', () => {
      const zeroed = Buffer.concat([batch.subarray(0, offsets[2]), Buffer.alloc(64)]);
      expect(crc32(Buffer.alloc(0))).to.equal(0);
      expect(visited(zeroed)).to.deep.equal({ frames: [1, 2].map((seq, i) => ({ offset: offsets[i], seq })), scan: { end: offsets[2], damage: 'corrupt' } });
    });

    it('calls a zero length or one past the bound corrupt, without reading that far', () => {
      for (const length of [0, MAX_PAYLOAD_BYTES + 1]) {
        const damaged = Buffer.from(batch);
        damaged.writeUInt32LE(length, offsets[1]);
        expect(visited(damaged).scan, `length ${length}`).to.deep.equal({ end: offsets[1], damage: 'corrupt' });
      }
    });

    it('calls a payload that opens neither a JSON array nor an object corrupt, though its checksum matches', () => {
      const text = Buffer.from('"On"');
      const header = Buffer.alloc(FRAME_HEADER_BYTES);
      header.writeUInt32LE(text.length, 0);
      header.writeUInt32LE(crc32(text), 4);
      const odd = Buffer.concat([batch.subarray(0, offsets[1]), header, text]);
      expect(visited(odd)).to.deep.equal({ frames: [{ offset: 0, seq: 1 }], scan: { end: offsets[1], damage: 'corrupt' } });
    });

    it('calls a length past the buffer but within the bound torn (a write cut short)', () => {
      const damaged = Buffer.from(batch);
      damaged.writeUInt32LE(MAX_PAYLOAD_BYTES, offsets[2]);
      expect(visited(damaged).scan).to.deep.equal({ end: offsets[2], damage: 'torn' });
    });
  });

  describe('payloadSeq', () => {
    const payloadOf = (e: unknown) => Buffer.from(JSON.stringify(e));

    it('reads the seq of a record written seq first, as the gateway builds events', () => {
      for (const seq of [1, 9, 10, 1234567890123]) expect(payloadSeq(Buffer.from(recordJson(at(seq))))).to.equal(seq);
    });

    it("reads the seq of an event's JSON object too, seq first or not", () => {
      for (const seq of [1, 9, 10, 1234567890123]) expect(payloadSeq(payloadOf(at(seq)))).to.equal(seq);
    });

    it('parses a payload that does not start with the seq', () => {
      expect(payloadSeq(payloadOf({ name: 'Phone.Button', seq: 42 }))).to.equal(42);
      expect(payloadSeq(Buffer.from('{ "seq": 7 }'))).to.equal(7);
    });
  });
});
