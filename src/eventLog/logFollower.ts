import { readSync, watch } from 'node:fs';
import { asyncScheduler, auditTime, defer, filter, interval, merge, Observable, of, scan, type SchedulerLike } from 'rxjs';
import type { TriggerEvent } from '../../streams/contracts';
import { decodePayload, FRAME_HEADER_BYTES, payloadSeq, scanFrames } from './recordFrame';
import { listSegments, readSegmentIfPresent, segmentIndexFor, withSegment, type Segment } from './segments';

/** Where a follower of the log folder stands. */
export interface FollowPosition {
  /** The segment being read; undefined until the log has one. */
  readonly segment?: Segment;
  /** Bytes of it read: the end of the last whole record. */
  readonly offset: number;
  /** The newest seq handed out; records at or below it are skipped. */
  readonly lastSeq: number;
  /** The records of `segment` the last read that found any handed out, and the seq before them: what a cut-back is checked against. */
  readonly shown?: { readonly path: string; readonly before: number; readonly records: readonly ShownRecord[] };
}

/** A record as it was read: where its frame starts in the segment, and its header's length and checksum. */
interface ShownRecord {
  readonly start: number;
  readonly length: number;
  readonly crc: number;
  readonly seq: number;
}

/** One read of the folder: the new records, and what a person should know (a damaged closed segment). */
export interface FollowStep {
  readonly position: FollowPosition;
  readonly events: readonly TriggerEvent[];
  readonly notes: readonly string[];
}

/**
 * Reads what was appended since `position`. A torn last record is a write still under way: the
 * offset stays before it and the next read takes it whole. Once a newer segment exists the one
 * being read is closed, so it is read a last time to its end and the follower moves on. Records
 * the last read showed that are no longer where they were (the hub cut a batch it could not
 * store back off the segment) are said to be not stored, and what took their place is read.
 */
export function readNew(dir: string, position: FollowPosition): FollowStep {
  let { segment, offset, lastSeq } = position;
  const { shown } = position;
  const events: TriggerEvent[] = [];
  const notes: string[] = [];
  // The current segment's records this read hands out (the newest SHOWN_KEPT), and the seq before them.
  let records: ShownRecord[] = [];
  let recordsBefore = lastSeq;
  /** Drops all but the newest SHOWN_KEPT of `records`: a read of a whole segment trims them in halves, not one shift per record. */
  const keepNewest = (): void => {
    const drop = records.length - SHOWN_KEPT;
    if (drop <= 0) return;
    recordsBefore = records[drop - 1].seq;
    records = records.slice(drop);
  };
  /** Reads `path` from `offset` on; returns how many bytes after the last whole record were left. */
  const take = (path: string): number => {
    const bytes = readSegmentIfPresent(path, offset);
    const scanned = scanFrames(bytes, 0, (payload, at) => {
      if (payloadSeq(payload) <= lastSeq) return;
      const event = decodePayload(payload);
      // The log gives every seq to one record: a jump is records it no longer holds.
      if (lastSeq > 0 && event.seq > lastSeq + 1)
        notes.push(`records ${lastSeq + 1} to ${event.seq - 1} are not in the log (retention removed them, or start-up cut them)`);
      events.push(event);
      records.push({ start: offset + at, length: bytes.readUInt32LE(at), crc: bytes.readUInt32LE(at + 4), seq: event.seq });
      if (records.length === 2 * SHOWN_KEPT) keepNewest();
      lastSeq = event.seq;
    });
    offset += scanned.end;
    return bytes.length - scanned.end;
  };
  // The hub cuts a batch it could not store (a full disk) off the segment, after this follower may
  // have read some of its records; the seqs go to the next records, written in their place.
  if (segment && shown?.path === segment.path && shown.records.length > 0) {
    const cut = firstRewritten(segment.path, shown.records);
    if (cut >= 0) {
      const kept = cut === 0 ? shown.before : shown.records[cut - 1].seq;
      notes.push(`${segment.path}: the hub cut a batch it could not store off it; the records shown after seq ${kept} were not stored`);
      offset = shown.records[cut].start;
      lastSeq = kept;
    }
  }
  for (;;) {
    if (segment === undefined) {
      const segments = listSegments(dir);
      segment = segments[segmentIndexFor(segments, lastSeq)];
      offset = 0;
      if (segment === undefined) break;
    }
    const before = events.length;
    take(segment.path);
    if (events.length > before) break;
    const current: Segment = segment;
    const next = listSegments(dir).find((s) => s.firstSeq > current.firstSeq);
    if (next === undefined) break;
    // Closed: what it holds now is all it will ever hold. A damaged end is skipped, not waited for.
    const rest = take(current.path);
    if (rest > 0) notes.push(`${current.path}: skipped ${rest} damaged bytes at its end`);
    segment = next;
    offset = 0;
    records = [];
    recordsBefore = lastSeq;
  }
  keepNewest();
  // A read that found nothing keeps what the last one showed: that is what a cut would take back.
  // The hub only ever cuts the segment it writes, so what was shown of another no longer matters.
  const kept = records.length > 0 && segment ? { path: segment.path, before: recordsBefore, records } : shown?.path === segment?.path ? shown : undefined;
  return { position: { segment, offset, lastSeq, shown: kept }, events, notes };
}

/** How many of the records a read showed are kept to check for a cut-back: more than a turn's batch holds. */
const SHOWN_KEPT = 10_000;

/** The index of the first of `records` whose frame header is no longer where it was read (-1: all are, or retention removed the segment). */
function firstRewritten(path: string, records: readonly ShownRecord[]): number {
  return (
    withSegment(path, (fd) => {
      const header = Buffer.alloc(FRAME_HEADER_BYTES);
      // Past the end, a header reads short: it is not there any more.
      const still = (r: ShownRecord) =>
        readSync(fd, header, 0, FRAME_HEADER_BYTES, r.start) === FRAME_HEADER_BYTES && header.readUInt32LE(0) === r.length && header.readUInt32LE(4) === r.crc;
      return still(records[records.length - 1]) ? -1 : records.findIndex((r) => !still(r));
    }) ?? -1
  );
}

/** Change notices for a folder from fs.watch; none (polling only) where it cannot watch. */
function watchFolder(dir: string): Observable<void> {
  return new Observable<void>((subscriber) => {
    let watcher: ReturnType<typeof watch>;
    try {
      watcher = watch(dir, { persistent: false }, () => subscriber.next());
    } catch {
      return undefined;
    }
    watcher.on('error', () => watcher.close());
    return () => watcher.close();
  });
}

/** How a follower reads the folder. */
export interface FollowOptions {
  /** Records after this seq are followed. */
  readonly afterSeq: number;
  /** The folder is also read this often, for changes fs.watch misses (network file systems); default 500. */
  readonly pollMs?: number;
  /** Change notices that make it read at once; default fs.watch on the folder. */
  readonly changes$?: Observable<unknown>;
  readonly scheduler?: SchedulerLike;
}

/** Bursts of change notices (one per write) are read once per this many ms. */
const COALESCE_MS = 10;

/**
 * Follows the log folder `dir`: emits each read that found new records (or notes), across
 * segment rotations, until unsubscribed. Read-only: the hub's files are never written.
 *
 * ```
 * changes$  --c-c-c-------c----
 * poll      ------p-------p----   (every pollMs)
 * result    s----a------b------   (s: at once; a, b: reads that found records)
 * ```
 */
export function followLog(dir: string, options: FollowOptions): Observable<FollowStep> {
  const { pollMs = 500, scheduler = asyncScheduler } = options;
  return defer(() => {
    const start: FollowStep = { position: { offset: 0, lastSeq: options.afterSeq }, events: [], notes: [] };
    return merge(of(null), (options.changes$ ?? watchFolder(dir)).pipe(auditTime(COALESCE_MS, scheduler)), interval(pollMs, scheduler)).pipe(
      scan((step: FollowStep) => readNew(dir, step.position), start),
      filter((step) => step.events.length > 0 || step.notes.length > 0),
    );
  });
}
