import { expect } from 'chai';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TriggerEvent } from '../../../streams/contracts';
import { firstEvent, lastEvents, readRange, type LogQuery } from '../../../src/eventLog/logReader';
import { frameBatch } from '../../../src/eventLog/recordFrame';
import { segmentName, type Segment } from '../../../src/eventLog/segments';
import { appendBytes, eventAt, eventsFrom, tempDataDir, writeSegment } from '../../helpers/segmentFiles';

const at = (minute: number) => Date.UTC(2026, 11, 2, 10, minute);
const seqs = (events: readonly TriggerEvent[]) => events.map((e) => e.seq);

describe('eventLog/logReader (reading a log folder from outside the hub)', () => {
  let dataDir: string;
  let dir: string;
  let segments: Segment[];
  beforeEach(() => {
    ({ dataDir, dir } = tempDataDir());
    // Three segments, 1-4, 5-8, 9-10, the last one with half a record being written after it.
    segments = [writeSegment(dir, eventsFrom(1, 4)), writeSegment(dir, eventsFrom(5, 8)), writeSegment(dir, eventsFrom(9, 10))];
    appendBytes(segments[2], frameBatch([eventAt(11)]).subarray(0, 20));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const range = (query: LogQuery, over = segments) => {
    const events: TriggerEvent[] = [];
    readRange(over, query, (e) => events.push(e));
    return seqs(events);
  };

  it('lastEvents: the newest n whole records, oldest first, reaching back across segments', () => {
    expect(seqs(lastEvents(segments, 3))).to.deep.equal([8, 9, 10]);
    expect(seqs(lastEvents(segments, 7))).to.deep.equal([4, 5, 6, 7, 8, 9, 10]);
    expect(seqs(lastEvents(segments, 50))).to.have.length(10);
    expect(lastEvents(segments, 0)).to.deep.equal([]);
    expect(lastEvents([], 5)).to.deep.equal([]);
  });

  it("firstEvent: a segment's first record from its first frame; none in an empty or missing one", () => {
    expect(firstEvent(segments[1])?.seq).to.equal(5);
    const empty: Segment = { firstSeq: 11, path: join(dir, segmentName(11)) };
    writeFileSync(empty.path, '');
    expect(firstEvent(empty)).to.equal(undefined);
    expect(firstEvent({ firstSeq: 99, path: join(dir, segmentName(99)) })).to.equal(undefined);
  });

  it('readRange: from a seq, in a time range ([since, until)), at most limit records', () => {
    expect(range({ afterSeq: 6 })).to.deep.equal([7, 8, 9, 10]);
    expect(range({ sinceMs: at(3), untilMs: at(6) })).to.deep.equal([3, 4, 5]);
    expect(range({ sinceMs: at(6) + 1 })).to.deep.equal([7, 8, 9, 10]);
    expect(range({ afterSeq: 2, untilMs: at(4), limit: 5 })).to.deep.equal([3]);
    expect(range({ sinceMs: at(2), limit: 3 })).to.deep.equal([2, 3, 4]);
    expect(range({ limit: 0 })).to.deep.equal([]);
    expect(range({})).to.have.length(10);
  });

  it('readRange --since reads no segment wholly before the time (one that cannot be read there does not matter)', () => {
    // A folder where the first segment's file would be: reading it would throw EISDIR.
    const unreadable: Segment = { firstSeq: 1, path: join(dir, 'not-a-file') };
    mkdirSync(unreadable.path);
    expect(range({ sinceMs: at(9) }, [unreadable, segments[1], segments[2]])).to.deep.equal([9, 10]);
  });

  it('readRange: a segment retention deleted after the listing holds nothing', () => {
    rmSync(segments[0].path);
    expect(range({})).to.deep.equal([5, 6, 7, 8, 9, 10]);
  });
});
