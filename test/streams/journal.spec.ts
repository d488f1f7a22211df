import { expect } from 'chai';
import { defer, map, scan } from 'rxjs';
import type { TriggerEvent } from '../../streams/contracts';
import { appendJournal, createJournal, DEFAULT_JOURNAL_CAPACITY, eventsAfter, type Journal } from '../../streams/journal';
import { createTestScheduler } from '../helpers/marbles';
import { event } from './fixtures';

const at = (seq: number): TriggerEvent => event('Phone.Button', { seq, id: seq });
const seqsAfter = (journal: Journal, seq: number) => {
  const result = eventsAfter(journal, seq);
  return 'tooOld' in result ? 'tooOld' : result.events.map((e) => e.seq);
};
const filled = (capacity: number, seqs: number[], afterSeq = 0) => seqs.reduce((j, s) => appendJournal(j, at(s)), createJournal(capacity, afterSeq));

describe('journal', () => {
  it('holds 10,000 events by default', () => {
    expect(createJournal().capacity).to.equal(DEFAULT_JOURNAL_CAPACITY).and.to.equal(10_000);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createJournal(0)).to.throw(RangeError);
    expect(() => createJournal(1.5)).to.throw(RangeError);
  });

  it('returns the events after a seq, oldest first', () => {
    const journal = filled(5, [1, 2, 3]);
    expect(seqsAfter(journal, 0)).to.deep.equal([1, 2, 3]);
    expect(seqsAfter(journal, 1)).to.deep.equal([2, 3]);
  });

  it('returns nothing for the newest seq or beyond', () => {
    const journal = filled(5, [1, 2, 3]);
    expect(seqsAfter(journal, 3)).to.deep.equal([]);
    expect(seqsAfter(journal, 99)).to.deep.equal([]);
    expect(seqsAfter(createJournal(5), 0)).to.deep.equal([]);
  });

  it('evicts the oldest once full, and says tooOld exactly when a missed event was evicted', () => {
    const journal = filled(3, [1, 2, 3, 4, 5]);
    expect(seqsAfter(journal, 2)).to.deep.equal([3, 4, 5]);
    expect(seqsAfter(journal, 1)).to.equal('tooOld');
    expect(seqsAfter(journal, 0)).to.equal('tooOld');
  });

  it('wraps around the ring many times and still answers in order', () => {
    const journal = filled(
      4,
      Array.from({ length: 23 }, (_, i) => i + 1),
    );
    expect(seqsAfter(journal, 19)).to.deep.equal([20, 21, 22, 23]);
    expect(seqsAfter(journal, 21)).to.deep.equal([22, 23]);
    expect(seqsAfter(journal, 18)).to.equal('tooOld');
  });

  it('copes with gaps in seq (a journal of a filtered stream)', () => {
    const journal = filled(3, [2, 5, 9, 12]);
    expect(seqsAfter(journal, 5)).to.deep.equal([9, 12]);
    expect(seqsAfter(journal, 3)).to.deep.equal([5, 9, 12]);
    expect(seqsAfter(journal, 2)).to.deep.equal([5, 9, 12]);
    expect(seqsAfter(journal, 1)).to.equal('tooOld');
  });

  it('after a restart, knows it cannot answer for seqs before the one it started after', () => {
    const journal = filled(5, [101, 102], 100);
    expect(seqsAfter(journal, 100)).to.deep.equal([101, 102]);
    expect(seqsAfter(journal, 99)).to.equal('tooOld');
    expect(seqsAfter(createJournal(5, 100), 100)).to.deep.equal([]);
  });

  it('returns a copy the journal does not change later', () => {
    const journal = filled(2, [1, 2]);
    const before = eventsAfter(journal, 0);
    appendJournal(journal, at(3));
    expect('events' in before && before.events.map((e) => e.seq)).to.deep.equal([1, 2]);
  });

  it('fits scan, one journal per subscription with defer', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const accepted = hot('-a-b-c-', { a: at(1), b: at(2), c: at(3) });
      const resumeFrom1 = defer(() => accepted.pipe(scan(appendJournal, createJournal(2)))).pipe(map((j) => seqsAfter(j, 1)));
      expectObservable(resumeFrom1).toBe('-x-y-z-', { x: [], y: [2], z: [2, 3] });
      expectObservable(resumeFrom1).toBe('-x-y-z-', { x: [], y: [2], z: [2, 3] });
      // Two subscribers, two subscriptions to the source: nothing is shared between them.
      expectSubscriptions(accepted.subscriptions).toBe(['^------', '^------']);
    });
  });
});
