import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TriggerEvent } from '../../streams/contracts';
import { decodePayload, payloadSeq, scanFrames, type FrameScan } from './recordFrame';

/** A segment file: named by the first seq it was opened for, so the names sort as the history does. */
export interface Segment {
  readonly firstSeq: number;
  readonly path: string;
}

const SEGMENT_NAME = /^(\d{20})\.log$/;

export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.log`;
}

/** The log's segments, oldest first (none when the folder does not exist yet). */
export function listSegments(dir: string): Segment[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .map((name) => SEGMENT_NAME.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ firstSeq: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The bytes of a segment from `offset` to its end (what the kernel has now). */
export function readSegmentFrom(path: string, offset = 0): Buffer {
  const fd = openSync(path, 'r');
  try {
    return readToEnd(fd, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Like readSegmentFrom, but a segment that is gone holds nothing: a reader in another process
 * (`haven journal`) lists the folder, and the hub's retention may delete a listed segment before
 * it is read.
 */
export function readSegmentIfPresent(path: string, offset = 0): Buffer {
  return withSegment(path, (fd) => readToEnd(fd, offset)) ?? Buffer.alloc(0);
}

/** `read` on the segment at `path`, opened read-only and closed after; undefined when it is gone (see readSegmentIfPresent). */
export function withSegment<T>(path: string, read: (fd: number) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return read(fd);
  } finally {
    closeSync(fd);
  }
}

function readToEnd(fd: number, offset: number): Buffer {
  const size = fstatSync(fd).size;
  const buffer = Buffer.allocUnsafe(Math.max(0, size - offset));
  let read = 0;
  while (read < buffer.length) {
    const n = readSync(fd, buffer, read, buffer.length - read, offset + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}

export function segmentBytes(path: string): number {
  return statSync(path).size;
}

/**
 * The index of the segment holding `afterSeq + 1`: the last one starting at or before it (the
 * oldest when all start after it). Every segment before it holds only seqs up to `afterSeq`.
 */
export function segmentIndexFor(segments: readonly Segment[], afterSeq: number): number {
  let index = 0;
  while (index + 1 < segments.length && segments[index + 1].firstSeq <= afterSeq + 1) index++;
  return index;
}

/** Where a visit of segments stopped, and in which segment. */
export interface SegmentScan extends FrameScan {
  readonly path: string;
}

/**
 * Visits the events of `segments` with a seq above `afterSeq`, oldest first, checking every
 * record's checksum; seeks by `payloadSeq` so skipped records are never parsed. `visit` returning
 * false stops. Damage ends that segment's records (a hub running on it cuts them at start) and is
 * what it returns, so a reader knows the events it got have a hole; else where the last one ended.
 * A segment deleted since it was listed has none.
 */
export function visitEvents(segments: readonly Segment[], afterSeq: number, visit: (event: TriggerEvent) => boolean | void): SegmentScan | undefined {
  let last: SegmentScan | undefined;
  let damaged: SegmentScan | undefined;
  let stopped = false;
  for (let i = segmentIndexFor(segments, afterSeq); i < segments.length && !stopped; i++) {
    const scan = scanFrames(readSegmentIfPresent(segments[i].path), 0, (payload) => {
      if (payloadSeq(payload) <= afterSeq) return true;
      if (visit(decodePayload(payload)) === false) {
        stopped = true;
        return false;
      }
      return true;
    });
    last = { ...scan, path: segments[i].path };
    if (scan.damage) damaged ??= last;
  }
  return damaged ?? last;
}
