import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TriggerEvent } from '../../streams/contracts';
import { frameBatch } from '../../src/eventLog/recordFrame';
import { segmentName, type Segment } from '../../src/eventLog/segments';

/** Event `seq`, accepted at 10:00 UTC plus `seq` minutes on 2026-12-02 unless `over` says otherwise. */
export function eventAt(seq: number, over: Partial<TriggerEvent> = {}): TriggerEvent {
  return {
    seq,
    kind: 'event',
    name: 'Stage.Mode',
    value: 'intro',
    id: seq,
    type: 'Discrete',
    category: 'show',
    organization: 'default',
    source: 'HTTP',
    timestamp: new Date(Date.UTC(2026, 11, 2, 10, seq)).toISOString(),
    receivedAt: seq,
    ...over,
  };
}

/** Events `from`..`to`, as eventAt makes them. */
export const eventsFrom = (from: number, to: number): TriggerEvent[] => Array.from({ length: to - from + 1 }, (_, i) => eventAt(from + i));

/** A fresh data folder with an empty `journal/` in it, as a hub leaves it before its first record. */
export function tempDataDir(): { dataDir: string; dir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'haven-journal-'));
  const dir = join(dataDir, 'journal');
  mkdirSync(dir);
  return { dataDir, dir };
}

/** Writes a segment file of `events` (named by the first one's seq), framed as the hub frames them. */
export function writeSegment(dir: string, events: readonly TriggerEvent[]): Segment {
  const path = join(dir, segmentName(events[0].seq));
  writeFileSync(path, frameBatch(events));
  return { firstSeq: events[0].seq, path };
}

/** Appends raw bytes to a segment, as one of the hub's writes lands (or part of one). */
export function appendBytes(segment: Segment, bytes: Buffer): void {
  appendFileSync(segment.path, bytes);
}
