import type { TriggerEvent } from '../../../streams/contracts';
import { journalDir } from '../../../src/eventLog/openEventLog';
import { decodePayload, FRAME_HEADER_BYTES, scanFrames } from '../../../src/eventLog/recordFrame';
import { listSegments, readSegmentFrom } from '../../../src/eventLog/segments';

/** One record as it lies in a segment file. */
export interface StoredRecord {
  readonly event: TriggerEvent;
  readonly path: string;
  /** Byte offset of the record's header; its payload starts `FRAME_HEADER_BYTES` later. */
  readonly offset: number;
  readonly payloadBytes: number;
}

/** What the segment files of a data folder hold, read the way the hub reads them (checksums included). */
export interface LogContents {
  readonly records: readonly StoredRecord[];
  readonly events: readonly TriggerEvent[];
  /** Damaged tails the reader stopped at. */
  readonly damage: readonly { readonly path: string; readonly offset: number; readonly kind: 'torn' | 'corrupt' }[];
  /** Every event by seq. */
  readonly bySeq: ReadonlyMap<number, TriggerEvent>;
}

/** Reads every segment of `<dataDir>/journal`, oldest first. */
export function readLog(dataDir: string): LogContents {
  const records: StoredRecord[] = [];
  const damage: { path: string; offset: number; kind: 'torn' | 'corrupt' }[] = [];
  for (const { path } of listSegments(journalDir(dataDir))) {
    const scan = scanFrames(readSegmentFrom(path), 0, (payload, offset) => {
      records.push({ event: decodePayload(payload), path, offset, payloadBytes: payload.length });
    });
    if (scan.damage) damage.push({ path, offset: scan.end, kind: scan.damage });
  }
  const events = records.map((r) => r.event);
  return { records, events, damage, bySeq: new Map(events.map((e) => [e.seq, e])) };
}

export { FRAME_HEADER_BYTES };
