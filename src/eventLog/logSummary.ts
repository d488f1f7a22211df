import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { firstEvent, lastEvents } from './logReader';
import { listSegments, type Segment } from './segments';
import { readSnapshot, SNAPSHOT_FILE } from './snapshot';

/** A record's place in the history: its seq and when it was accepted. */
export interface LogPoint {
  readonly seq: number;
  readonly timestamp: string;
}

/** What a log folder holds, as `haven journal stats` shows it. */
export interface LogSummary {
  readonly dir: string;
  readonly segments: readonly { readonly name: string; readonly firstSeq: number; readonly bytes: number }[];
  readonly bytes: number;
  /** The oldest and newest whole records; absent while the log has none. */
  readonly oldest?: LogPoint;
  readonly newest?: LogPoint;
  /** The snapshot start-up reads first: the seq it was taken at, when it was written, how long ago. */
  readonly snapshot?: { readonly seq: number; readonly writtenAt: string; readonly ageMs: number };
}

/** Sums up the log in `dir` from its files alone (read-only); `nowMs` is the wall clock, for the snapshot's age. */
export function summarizeLog(dir: string, nowMs: number): LogSummary {
  const found = listSegments(dir);
  const segments = found.flatMap((s) => {
    const bytes = sizeOf(s.path);
    return bytes === undefined ? [] : [{ name: basename(s.path), firstSeq: s.firstSeq, bytes }];
  });
  const oldest = firstOf(found);
  const newest = lastEvents(found, 1)[0];
  const snapshot = readSnapshot(dir);
  const writtenMs = snapshot && statSync(join(dir, SNAPSHOT_FILE), { throwIfNoEntry: false })?.mtimeMs;
  return {
    dir,
    segments,
    bytes: segments.reduce((sum, s) => sum + s.bytes, 0),
    oldest: oldest && { seq: oldest.seq, timestamp: oldest.timestamp },
    newest: newest && { seq: newest.seq, timestamp: newest.timestamp },
    snapshot:
      snapshot && writtenMs !== undefined
        ? { seq: snapshot.memory.seq, writtenAt: new Date(writtenMs).toISOString(), ageMs: Math.max(0, nowMs - writtenMs) }
        : undefined,
  };
}

/** The first record of the oldest segment that has one (a segment just opened may have none yet). */
function firstOf(segments: readonly Segment[]) {
  for (const s of segments) {
    const event = firstEvent(s);
    if (event) return event;
  }
  return undefined;
}

/** A segment's size, or undefined when retention removed it since the listing. */
function sizeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}
