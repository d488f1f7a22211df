import { readSync } from 'node:fs';
import type { TriggerEvent } from '../../streams/contracts';
import { decodePayload, FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, scanFrames } from './recordFrame';
import { readSegmentIfPresent, visitEvents, withSegment, type Segment, type SegmentScan } from './segments';

/**
 * Reading a log folder from outside the hub (`haven journal`), read-only, while the hub may be
 * writing it: a torn last record is simply not there yet, and a segment that retention deleted
 * between listing and reading holds nothing.
 */

/** What a reader asks of the log. Every bound is optional; together they narrow. */
export interface LogQuery {
  /** Only records with a seq above this. */
  readonly afterSeq?: number;
  /** Only records whose timestamp is at or after this (ms since the epoch). */
  readonly sinceMs?: number;
  /** Stops at the first record whose timestamp is at or after this. */
  readonly untilMs?: number;
  /** At most this many records. */
  readonly limit?: number;
}

/** The first whole record of a segment, reading only its first frame; undefined when it has none (yet). */
export function firstEvent(segment: Segment): TriggerEvent | undefined {
  return withSegment(segment.path, (fd) => {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    if (readSync(fd, header, 0, header.length, 0) < header.length) return undefined;
    const length = Math.min(header.readUInt32LE(0), MAX_PAYLOAD_BYTES);
    const frame = Buffer.alloc(FRAME_HEADER_BYTES + length);
    const read = readSync(fd, frame, 0, frame.length, 0);
    let event: TriggerEvent | undefined;
    scanFrames(frame.subarray(0, read), 0, (payload) => {
      event = decodePayload(payload);
      return false;
    });
    return event;
  });
}

/** The newest `n` records of the log, oldest first: segments are read from the newest back until there are enough. */
export function lastEvents(segments: readonly Segment[], n: number): TriggerEvent[] {
  let payloads: Buffer[] = [];
  for (let i = segments.length - 1; i >= 0 && payloads.length < n; i--) {
    const found: Buffer[] = [];
    scanFrames(readSegmentIfPresent(segments[i].path), 0, (payload) => void found.push(payload));
    payloads = found.slice(Math.max(0, found.length - (n - payloads.length))).concat(payloads);
  }
  return payloads.map(decodePayload);
}

/**
 * Visits the records `query` selects, oldest first. A time bound assumes timestamps grow with the
 * seq (they are the hub's wall clock at acceptance), so `sinceMs` skips every segment whose
 * successor already starts before it without reading it, and `untilMs` stops at the first record
 * at or past it. Returns where the visit stopped: damage there (see visitEvents) means the records
 * after it in that segment were not visited.
 */
export function readRange(segments: readonly Segment[], query: LogQuery, visit: (event: TriggerEvent) => void): SegmentScan | undefined {
  const { afterSeq = 0, sinceMs = -Infinity, untilMs = Infinity, limit = Infinity } = query;
  if (limit <= 0) return undefined;
  let from = 0;
  while (sinceMs > -Infinity && from + 1 < segments.length && startsBefore(segments[from + 1], sinceMs)) from++;
  let count = 0;
  return visitEvents(segments.slice(from), afterSeq, (event) => {
    const at = Date.parse(event.timestamp);
    if (at >= untilMs) return false;
    if (at < sinceMs) return true;
    visit(event);
    return ++count < limit;
  });
}

function startsBefore(segment: Segment, ms: number): boolean {
  const first = firstEvent(segment);
  return first !== undefined && Date.parse(first.timestamp) < ms;
}
