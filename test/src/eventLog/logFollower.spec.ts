import { expect } from 'chai';
import { mkdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { map } from 'rxjs';
import { followLog, readNew, type FollowPosition } from '../../../src/eventLog/logFollower';
import { frameBatch } from '../../../src/eventLog/recordFrame';
import { segmentName } from '../../../src/eventLog/segments';
import { createTestScheduler } from '../../helpers/marbles';
import { appendBytes, eventAt, eventsFrom, tempDataDir, writeSegment } from '../../helpers/segmentFiles';

describe('eventLog/logFollower (following the log folder while the hub writes it)', () => {
  let dataDir: string;
  let dir: string;
  beforeEach(() => ({ dataDir, dir } = tempDataDir()));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Reads from `position` on; returns the seqs read and where it stopped. */
  const read = (position: FollowPosition) => {
    const step = readNew(dir, position);
    return { seqs: step.events.map((e) => e.seq), position: step.position, notes: step.notes };
  };

  it('waits for a record being written: half a frame is not there yet, and is read whole once complete', () => {
    const segment = writeSegment(dir, eventsFrom(1, 2));
    const third = frameBatch([eventAt(3)]);
    appendBytes(segment, third.subarray(0, 5)); // not even the whole header
    const first = read({ offset: 0, lastSeq: 0 });
    expect(first.seqs).to.deep.equal([1, 2]);
    appendBytes(segment, third.subarray(5, 30)); // header whole, payload cut
    const second = read(first.position);
    expect(second).to.deep.include({ seqs: [], notes: [] });
    expect(second.position.offset).to.equal(first.position.offset);
    appendBytes(segment, third.subarray(30));
    expect(read(second.position).seqs).to.deep.equal([3]);
  });

  it('follows a rotation: reads the closed segment to its end, then the new one from its start', () => {
    const old = writeSegment(dir, eventsFrom(1, 2));
    const first = read({ offset: 0, lastSeq: 0 });
    // The hub's last write to the old segment, then the first to a new one, between two reads.
    appendBytes(old, frameBatch([eventAt(3)]));
    writeSegment(dir, eventsFrom(4, 5));
    const second = read(first.position);
    expect(second.seqs).to.deep.equal([3]);
    const third = read(second.position);
    expect(third.seqs).to.deep.equal([4, 5]);
    expect(third.position.segment?.firstSeq).to.equal(4);
  });

  it('starts after a seq in the middle of the log, and waits for the first segment of an empty one', () => {
    writeSegment(dir, eventsFrom(1, 4));
    writeSegment(dir, eventsFrom(5, 8));
    expect(read({ offset: 0, lastSeq: 6 }).seqs).to.deep.equal([7, 8]);
    rmSync(dir, { recursive: true });
    const none = read({ offset: 0, lastSeq: 0 });
    expect(none.seqs).to.deep.equal([]);
    mkdirSync(dir);
    writeSegment(dir, eventsFrom(1, 1));
    expect(read(none.position).seqs).to.deep.equal([1]);
  });

  it("skips a closed segment's damaged end with a note, and moves on", () => {
    const old = writeSegment(dir, eventsFrom(1, 2));
    appendBytes(old, Buffer.from('garbage!garbage!'));
    writeSegment(dir, eventsFrom(3, 3));
    const first = read({ offset: 0, lastSeq: 0 });
    expect(first.seqs).to.deep.equal([1, 2]);
    const second = read(first.position);
    expect(second.seqs).to.deep.equal([3]);
    expect(second.notes).to.deep.equal([`${old.path}: skipped 16 damaged bytes at its end`]);
  });

  it('goes back to what a segment still holds when the hub cut a batch it could not store off it (a full disk), says so, and follows what it stores next', () => {
    const segment = writeSegment(dir, eventsFrom(1, 3));
    const whole = frameBatch(eventsFrom(1, 3)).length;
    const first = read({ offset: 0, lastSeq: 0 });
    // A batch's first frames reached the file before the disk filled; this read came before the hub cut them off.
    appendBytes(segment, frameBatch([eventAt(4), eventAt(5)]));
    expect(read(first.position).seqs).to.deep.equal([4, 5]);
    const read45 = read(first.position).position;
    truncateSync(segment.path, whole);
    // The seqs given back go to the next records.
    const next = [eventAt(4, { value: 'finale' }), eventAt(5, { value: 'finale' }), eventAt(6)];
    appendBytes(segment, frameBatch(next));
    const after = readNew(dir, read45);
    expect(after.events).to.deep.equal(next);
    expect(after.notes).to.deep.equal([`${segment.path}: the hub cut a batch it could not store off it; the records shown after seq 3 were not stored`]);
    expect(after.position.offset).to.equal(whole + frameBatch(next).length);
  });

  it('still finds a cut-back among the newest records of a read of a whole large segment (more than it keeps of one read)', () => {
    const segment = writeSegment(dir, eventsFrom(1, 24_997));
    const kept = frameBatch(eventsFrom(1, 24_997)).length;
    appendBytes(segment, frameBatch(eventsFrom(24_998, 25_000)));
    const first = read({ offset: 0, lastSeq: 0 });
    expect(first.seqs.length).to.equal(25_000);
    truncateSync(segment.path, kept);
    const next = [eventAt(24_998, { value: 'finale' })];
    appendBytes(segment, frameBatch(next));
    const after = readNew(dir, first.position);
    expect(after.events).to.deep.equal(next);
    expect(after.notes).to.deep.equal([`${segment.path}: the hub cut a batch it could not store off it; the records shown after seq 24997 were not stored`]);
  });

  it('reads the first records of a new segment it saw empty (a rotation just opened it), with no note of a cut', () => {
    const old = writeSegment(dir, eventsFrom(1, 3));
    const first = read({ offset: 0, lastSeq: 0 });
    appendBytes(old, frameBatch(eventsFrom(4, 6)));
    const second = read(first.position);
    expect(second.seqs).to.deep.equal([4, 5, 6]);
    const next = { firstSeq: 7, path: join(dir, segmentName(7)) };
    appendBytes(next, Buffer.alloc(0)); // opened, its first batch not written yet
    const third = read(second.position);
    expect(third.seqs).to.deep.equal([]);
    appendBytes(next, frameBatch(eventsFrom(7, 9)));
    const fourth = read(third.position);
    expect({ seqs: fourth.seqs, notes: fourth.notes }).to.deep.equal({ seqs: [7, 8, 9], notes: [] });
  });

  it('says which records it skips that the log no longer holds (a segment retention removed while it was behind)', () => {
    const first = writeSegment(dir, eventsFrom(1, 2));
    writeSegment(dir, eventsFrom(3, 4));
    const start = read({ offset: 0, lastSeq: 0 });
    expect(start.seqs).to.deep.equal([1, 2]);
    writeSegment(dir, eventsFrom(5, 6));
    rmSync(first.path);
    rmSync(join(dir, segmentName(3)));
    const after = read(start.position);
    expect(after.seqs).to.deep.equal([5, 6]);
    expect(after.notes).to.deep.equal(['records 3 to 4 are not in the log (retention removed them, or start-up cut them)']);
    expect(read({ offset: 0, lastSeq: 0 }).notes, 'none at the start of the log').to.deep.equal([]);
  });

  it('followLog reads at once, on each change notice (bursts coalesced), and every pollMs for what fs.watch missed; unsubscribing ends it', () => {
    const segment = writeSegment(dir, eventsFrom(1, 2));
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable }) => {
      const changes$ = hot('   ---cc---------------');
      const expected = '      a 12ms b 86ms c';
      const subscription = '  ^ 249ms !';
      ts.schedule(() => appendBytes(segment, frameBatch([eventAt(3)])), 2);
      ts.schedule(() => appendBytes(segment, frameBatch([eventAt(4)])), 50); // no notice for this one
      const seqs$ = followLog(dir, { afterSeq: 0, pollMs: 100, changes$ }).pipe(map((step) => step.events.map((e) => e.seq)));
      expectObservable(seqs$, subscription).toBe(expected, { a: [1, 2], b: [3], c: [4] });
    });
  });
});
