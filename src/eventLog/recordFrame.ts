import { crc32 } from 'node:zlib';
import type { TriggerEvent } from '../../streams/contracts';

/**
 * How a record lies in a segment file: `[u32 LE payload length][u32 LE CRC-32 of the payload]`
 * then the payload, the event as UTF-8 JSON. The length finds the next record without parsing;
 * the checksum tells a record the kernel had whole from one a power cut or a crash mid-write
 * left torn or scrambled.
 */
export const FRAME_HEADER_BYTES = 8;

/** A record longer than this is damage, not data (events are a few hundred bytes). */
export const MAX_PAYLOAD_BYTES = 1 << 20;

/**
 * Frames a batch into one buffer, for one `write(2)`: one allocation for the whole batch, and
 * each payload encoded straight into it.
 */
export function frameBatch(events: readonly TriggerEvent[]): Buffer {
  const payloads = events.map(eventJson);
  let total = 0;
  for (const p of payloads) total += FRAME_HEADER_BYTES + Buffer.byteLength(p);
  const buffer = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const p of payloads) {
    const start = offset + FRAME_HEADER_BYTES;
    const length = buffer.write(p, start);
    buffer.writeUInt32LE(length, offset);
    buffer.writeUInt32LE(crc32(buffer.subarray(start, start + length)), offset + 4);
    offset = start + length;
  }
  return buffer;
}

/**
 * Every field of an event, in the order a payload holds them: a field added to `TriggerEvent`
 * fails to compile here until {@link eventJson} writes it too.
 */
const PAYLOAD_FIELDS = {
  seq: true,
  kind: true,
  name: true,
  value: true,
  id: true,
  type: true,
  category: true,
  organization: true,
  source: true,
  timestamp: true,
  receivedAt: true,
} as const satisfies Record<keyof TriggerEvent, true>;
void PAYLOAD_FIELDS;

/** The JSON of what the catalog says of a trigger, which every one of its events repeats. */
const catalogJson = new Map<
  string,
  { readonly type: string; readonly category: string; readonly organization: string; readonly name: string; readonly rest: string }
>();
const sourceJson = new Map<string, string>();

const number = (n: number | null): string => (n !== null && Number.isFinite(n) ? String(n) : 'null');

/**
 * `JSON.stringify(event)`, byte for byte for an event as the gateway builds it (`seq` first, see
 * {@link payloadSeq}) with a whole `receivedAt`, about three times faster: the catalog's part of
 * a trigger (name, type, category, organization) is quoted once per trigger and the numbers are
 * written directly. It was the log's largest cost per event. `receivedAt` (this process's
 * monotonic ms, meaningless to any other reader) is kept to the millisecond: printing the float
 * cost as much as the rest of the record.
 */
export function eventJson(e: TriggerEvent): string {
  let cat = catalogJson.get(e.name);
  if (cat === undefined || cat.type !== e.type || cat.category !== e.category || cat.organization !== e.organization) {
    const rest = `"type":${JSON.stringify(e.type)},"category":${JSON.stringify(e.category)},"organization":${JSON.stringify(e.organization)}`;
    cat = { type: e.type, category: e.category, organization: e.organization, name: JSON.stringify(e.name), rest };
    catalogJson.set(e.name, cat);
  }
  let source = sourceJson.get(e.source);
  if (source === undefined) sourceJson.set(e.source, (source = JSON.stringify(e.source)));
  const value = typeof e.value === 'number' ? number(e.value) : e.value === null ? 'null' : JSON.stringify(e.value);
  const kind = e.kind === 'event' ? '"event"' : JSON.stringify(e.kind);
  return `{"seq":${e.seq},"kind":${kind},"name":${cat.name},"value":${value},"id":${number(e.id)},${cat.rest},"source":${source},"timestamp":${JSON.stringify(e.timestamp)},"receivedAt":${number(Math.round(e.receivedAt))}}`;
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
    const payload = buffer.subarray(from, from + length);
    if (crc32(payload) !== buffer.readUInt32LE(offset + 4)) return { end: offset, damage: 'corrupt' };
    if (visit(payload, offset) === false) return { end: offset };
    offset = from + length;
  }
  return { end: offset };
}

/** The event a payload holds. */
export function decodePayload(payload: Buffer): TriggerEvent {
  return JSON.parse(payload.toString('utf8')) as TriggerEvent;
}

const SEQ_PREFIX = Buffer.from('{"seq":');

/**
 * The seq of a payload without parsing it: events are written with `seq` first (the gateway
 * builds them so), which lets a reader seek through a segment at memory speed.
 */
export function payloadSeq(payload: Buffer): number {
  if (payload.compare(SEQ_PREFIX, 0, SEQ_PREFIX.length, 0, SEQ_PREFIX.length) === 0) {
    let seq = 0;
    for (let i = SEQ_PREFIX.length; i < payload.length; i++) {
      const digit = payload[i] - 48;
      if (digit < 0 || digit > 9) return seq;
      seq = seq * 10 + digit;
    }
  }
  return decodePayload(payload).seq;
}
