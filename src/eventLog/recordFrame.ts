import { crc32 } from 'node:zlib';
import type { TriggerEvent } from '../../streams/contracts';
import { crc32Range } from './crc32Range';

/**
 * How a record lies in a segment file: `[u32 LE payload length][u32 LE CRC-32 of the payload]`
 * then the payload, the event's record as UTF-8 JSON ({@link recordJson}). The length finds the next record without parsing;
 * the checksum tells a record the kernel had whole from one a power cut or a crash mid-write
 * left torn or scrambled.
 */
export const FRAME_HEADER_BYTES = 8;

/**
 * A record longer than this is damage, not data. Events are a few hundred bytes, but every source
 * bounds one input at 1 MiB (a TCP line, an MQTT payload, an OSC packet; an HTTP body at 64 KiB),
 * and a character takes at most {@link JSON_ESCAPE_CHARS} bytes in a record: the longest an input
 * can make is under 7 MiB. The writer refuses a longer one rather than write what start-up cuts.
 */
export const MAX_PAYLOAD_BYTES = 8 << 20;

/** A string's unit takes at most 6 bytes in a record: a JSON escape (`\u001f`) is 6, its UTF-8 at most 3. */
const JSON_ESCAPE_CHARS = 6;

/** A scratch buffer past this size is not kept for the next batch (one burst must not pin its memory). */
const KEEP_SCRATCH_BYTES = 16 * 1024 * 1024;

/** Frames batches into one reused scratch buffer: the log writes each batch with `writeSync`, so the bytes are free again once it returns. */
export interface BatchFramer {
  /** The batch's frames, for one `write(2)`: a view of the scratch buffer, valid until the next call. */
  frame(events: readonly TriggerEvent[]): Buffer;
}

/**
 * One allocation per burst instead of one per batch, and each record encoded straight into it by
 * {@link encodeRecord}: a 2 MB `allocUnsafe` per batch was paid again in V8's external-memory
 * collections, and building the record as a string first cost twice the encoding (see encodeRecord).
 */
export function createBatchFramer(): BatchFramer {
  let scratch = Buffer.allocUnsafe(64 * 1024);
  return {
    frame(events) {
      let offset = 0;
      for (const e of events) {
        const cat = catalogOf(e);
        const bound = FRAME_HEADER_BYTES + recordBound(e, cat);
        if (offset + bound > scratch.length) {
          const grown = Buffer.allocUnsafe(Math.max(2 * scratch.length, offset + bound));
          scratch.copy(grown, 0, 0, offset);
          scratch = grown;
        }
        const start = offset + FRAME_HEADER_BYTES;
        const end = encodeRecord(scratch, start, e, cat);
        if (end - start > MAX_PAYLOAD_BYTES)
          throw new RangeError(`a record of ${end - start} bytes is over the event log's ${MAX_PAYLOAD_BYTES} (seq ${e.seq})`);
        scratch.writeUInt32LE(end - start, offset);
        scratch.writeUInt32LE(crc32Range(scratch, start, end), offset + 4);
        offset = end;
      }
      const framed = scratch.subarray(0, offset);
      if (scratch.length > KEEP_SCRATCH_BYTES) scratch = Buffer.allocUnsafe(64 * 1024);
      return framed;
    },
  };
}

/** Frames a batch into a buffer of its own (tools and tests; the log itself uses a {@link BatchFramer}). */
export function frameBatch(events: readonly TriggerEvent[]): Buffer {
  return Buffer.from(createBatchFramer().frame(events));
}

/**
 * Every field of an event, in the order a record holds them: a field added to `TriggerEvent`
 * fails to compile here until {@link recordJson} and {@link decodePayload} carry it too.
 */
const RECORD_FIELDS = ['seq', 'kind', 'name', 'value', 'id', 'type', 'category', 'organization', 'source', 'timestamp', 'receivedAt'] as const;
type AllFields = (typeof RECORD_FIELDS)[number] extends keyof TriggerEvent ? (keyof TriggerEvent extends (typeof RECORD_FIELDS)[number] ? true : never) : never;
const EVERY_FIELD: AllFields = true;
void [EVERY_FIELD, RECORD_FIELDS];

const number = (n: number | null): string => (n !== null && Number.isFinite(n) ? String(n) : 'null');

/**
 * An event's record: its fields as one JSON array, in {@link RECORD_FIELDS} order, `seq` first
 * (see {@link payloadSeq}). An array, not an object: the field names were 100 of a record's 220
 * bytes, and what the log costs per event is mostly in proportion to its bytes (the checksum and
 * the kernel's copy). `receivedAt` (this process's monotonic ms, meaningless to any other reader)
 * is kept to the millisecond: printing the float cost as much as the rest. This is the record's
 * definition; the log writes the same bytes with {@link encodeRecord}, without building the string.
 */
export function recordJson(e: TriggerEvent): string {
  return JSON.stringify([e.seq, e.kind, e.name, e.value, e.id, e.type, e.category, e.organization, e.source, e.timestamp, Math.round(e.receivedAt)]);
}

/** The JSON of a string as UTF-8, for the few strings every record repeats (kinds, sources). */
const quotedBytes = new Map<string, Buffer>();
const quoted = (text: string): Buffer => {
  let bytes = quotedBytes.get(text);
  if (bytes === undefined) quotedBytes.set(text, (bytes = Buffer.from(JSON.stringify(text))));
  return bytes;
};

/** What the catalog says of a trigger, as the record's bytes: `,"name",` and `,"type","category","organization",`. */
interface CatalogBytes {
  readonly type: string;
  readonly category: string;
  readonly organization: string;
  readonly name: Buffer;
  readonly rest: Buffer;
}
const catalogBytes = new Map<string, CatalogBytes>();

function catalogOf(e: TriggerEvent): CatalogBytes {
  let cat = catalogBytes.get(e.name);
  if (cat === undefined || cat.type !== e.type || cat.category !== e.category || cat.organization !== e.organization) {
    const rest = Buffer.from(`,${JSON.stringify(e.type)},${JSON.stringify(e.category)},${JSON.stringify(e.organization)},`);
    cat = { type: e.type, category: e.category, organization: e.organization, name: Buffer.from(`,${JSON.stringify(e.name)},`), rest };
    catalogBytes.set(e.name, cat);
  }
  return cat;
}

/** At most how many bytes {@link encodeRecord} writes for `e`. */
function recordBound(e: TriggerEvent, cat: CatalogBytes): number {
  const text = typeof e.value === 'string' ? e.value.length : 0;
  // Brackets, commas and quotes, and four numbers: String(n) is at most 25 characters (-0.0000012345678901234567).
  const fixed = 16 + 4 * 25 + cat.name.length + cat.rest.length;
  return fixed + JSON_ESCAPE_CHARS * (text + e.kind.length + e.source.length + e.timestamp.length);
}

/** Writes ASCII `text` at `at`; -1 at the first character that is not, or (`plain`) that JSON would escape. */
function putAscii(buffer: Buffer, at: number, text: string, plain: boolean): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e || (plain && (c < 0x20 || c === 0x22 || c === 0x5c))) return -1;
    buffer[at + i] = c;
  }
  return at + text.length;
}

/** Writes a number's JSON (ASCII always). */
const putNumber = (buffer: Buffer, at: number, n: number | null): number => putAscii(buffer, at, number(n), false);

/** Writes the JSON of `text`: byte by byte when it needs no escape and is ASCII (no native call, no string built), else through `Buffer.write`. */
function putString(buffer: Buffer, at: number, text: string): number {
  buffer[at] = QUOTE;
  const end = putAscii(buffer, at + 1, text, true);
  if (end < 0) return at + buffer.write(JSON.stringify(text), at);
  buffer[end] = QUOTE;
  return end + 1;
}

/** Copies the few bytes of a record's constant part: a loop, since `TypedArray.set`'s call costs more than a dozen bytes' copy. */
function putBytes(buffer: Buffer, at: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) buffer[at + i] = bytes[i];
  return at + bytes.length;
}

const QUOTE = 0x22;
const OPEN = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE = 0x5d;
const COMMA = 0x2c;

/**
 * Writes {@link recordJson}`(e)` as UTF-8 into `buffer` at `at` (which must hold
 * {@link recordBound} bytes), returning where it ends: the same bytes, never built as a string.
 * A record string is a rope of a dozen pieces, and `Buffer.write` of a rope cost twice what
 * building it did (it is flattened and encoded by a slow path); here the constant parts are
 * copied as bytes and the variable ones (numbers, the value, the timestamp), ASCII nearly always,
 * are written byte by byte.
 */
function encodeRecord(buffer: Buffer, at: number, e: TriggerEvent, cat: CatalogBytes): number {
  let o = at;
  buffer[o++] = OPEN;
  o = putNumber(buffer, o, e.seq);
  buffer[o++] = COMMA;
  o = putBytes(buffer, o, quoted(e.kind));
  o = putBytes(buffer, o, cat.name);
  const { value } = e;
  o = typeof value === 'string' ? putString(buffer, o, value) : putNumber(buffer, o, value);
  buffer[o++] = COMMA;
  o = putNumber(buffer, o, e.id);
  o = putBytes(buffer, o, cat.rest);
  o = putBytes(buffer, o, quoted(e.source));
  buffer[o++] = COMMA;
  o = putString(buffer, o, e.timestamp);
  buffer[o++] = COMMA;
  o = putNumber(buffer, o, Math.round(e.receivedAt));
  buffer[o++] = CLOSE;
  return o;
}

/** Where a scan of frames stopped: at the end, or at the first damaged record (`damage` says how). */
export interface FrameScan {
  /** Byte offset just past the last whole, valid record. */
  readonly end: number;
  readonly damage?: 'torn' | 'corrupt';
}

/**
 * Visits every valid frame of `buffer` from `start`, in order, until the end or the first damage:
 * a header or payload cut short is `torn`, a length out of bounds or a checksum that does not
 * match is `corrupt`. `visit` gets the payload and the frame's offset; returning false stops.
 */
export function scanFrames(buffer: Buffer, start: number, visit: (payload: Buffer, offset: number) => boolean | void): FrameScan {
  let offset = start;
  while (offset < buffer.length) {
    if (offset + FRAME_HEADER_BYTES > buffer.length) return { end: offset, damage: 'torn' };
    const length = buffer.readUInt32LE(offset);
    if (length === 0 || length > MAX_PAYLOAD_BYTES) return { end: offset, damage: 'corrupt' };
    const from = offset + FRAME_HEADER_BYTES;
    if (from + length > buffer.length) return { end: offset, damage: 'torn' };
    // Every payload is a JSON array (a record) or object (an event): a byte that opens neither is
    // damage without a checksum over up to MAX_PAYLOAD_BYTES (a search past damage tries every offset).
    if (buffer[from] !== OPEN && buffer[from] !== OPEN_OBJECT) return { end: offset, damage: 'corrupt' };
    const payload = buffer.subarray(from, from + length);
    if (crc32(payload) !== buffer.readUInt32LE(offset + 4)) return { end: offset, damage: 'corrupt' };
    if (visit(payload, offset) === false) return { end: offset };
    offset = from + length;
  }
  return { end: offset };
}

/** The event a payload holds: a record ({@link recordJson}), or an event's JSON object. */
export function decodePayload(payload: Buffer): TriggerEvent {
  const parsed = JSON.parse(payload.toString('utf8')) as unknown;
  if (!Array.isArray(parsed)) return parsed as TriggerEvent;
  const [seq, kind, name, value, id, type, category, organization, source, timestamp, receivedAt] = parsed as [
    number,
    TriggerEvent['kind'],
    string,
    TriggerEvent['value'],
    number | null,
    TriggerEvent['type'],
    string,
    string,
    string,
    string,
    number,
  ];
  return { seq, kind, name, value, id, type, category, organization, source, timestamp, receivedAt };
}

const SEQ_PREFIX = Buffer.from('{"seq":');
const ARRAY_OPEN = 0x5b;

/**
 * The seq of a payload without parsing it: events are written with `seq` first (the gateway
 * builds them so), which lets a reader seek through a segment at memory speed.
 */
export function payloadSeq(payload: Buffer): number {
  const digitsFrom = payload[0] === ARRAY_OPEN ? 1 : payload.compare(SEQ_PREFIX, 0, SEQ_PREFIX.length, 0, SEQ_PREFIX.length) === 0 ? SEQ_PREFIX.length : -1;
  if (digitsFrom > 0) {
    let seq = 0;
    for (let i = digitsFrom; i < payload.length; i++) {
      const digit = payload[i] - 48;
      if (digit < 0 || digit > 9) return seq;
      seq = seq * 10 + digit;
    }
  }
  return decodePayload(payload).seq;
}
