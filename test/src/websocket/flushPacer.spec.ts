import { expect } from 'chai';
import { Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createFlushPacer, type FlushPacing } from '../../../src/websocket/flushPacer';
import { createTestScheduler } from '../../helpers/marbles';

/**
 * The flushes a pacer runs for the asks of `asks$`, each flush emitting its ask's label.
 * `tookMs` says how long a flush takes: virtual time moves on by that much while it runs.
 */
function paced(ts: TestScheduler, asks$: Observable<string>, pacing: Omit<FlushPacing, 'endOfTurn'>, tookMs: Record<string, number> = {}): Observable<string> {
  return new Observable<string>((subscriber) => {
    // The end of the turn, on virtual time: the same frame, after the ask.
    const pace = createFlushPacer({ ...pacing, endOfTurn: (run) => ts.schedule(run) }, ts);
    return asks$.subscribe((label) =>
      pace(() => {
        subscriber.next(label);
        ts.frame += tookMs[label] ?? 0;
      }),
    );
  });
}

describe('flush pacer (fan-out write coalescing)', () => {
  let ts: TestScheduler;
  beforeEach(() => (ts = createTestScheduler()));

  it('never flushes inside the ask: the flush waits for the end of the turn', () => {
    const ends: Array<() => void> = [];
    const pace = createFlushPacer({ minIntervalMs: 5, restFactor: 1, endOfTurn: (run) => ends.push(run) }, ts);
    const flushed: string[] = [];
    pace(() => flushed.push('a'));
    expect(flushed).to.deep.equal([]);
    expect(ends).to.have.length(1);
    ends[0]();
    expect(flushed).to.deep.equal(['a']);
  });

  it('flushes at the end of the turn when the last flush is older than the interval', () => {
    ts.run(({ hot, expectObservable }) => {
      const asks = hot('  a 4ms b');
      const expected = '  a 4ms b';
      expectObservable(paced(ts, asks, { minIntervalMs: 5, restFactor: 1 })).toBe(expected);
    });
  });

  it('holds a flush asked for within the interval until the interval has passed', () => {
    ts.run(({ hot, expectObservable }) => {
      const asks = hot('  ab');
      const expected = '  a 39ms b';
      expectObservable(paced(ts, asks, { minIntervalMs: 40, restFactor: 1 })).toBe(expected);
    });
  });

  it('rests after a long flush for as long as the flush took (times the rest factor)', () => {
    ts.run(({ hot, expectObservable }) => {
      // `l` takes 40 ms: the next flush waits 40 ms after its end, 80 ms after its start.
      const asks = hot('  l 9ms n');
      const expected = '  l 79ms n';
      expectObservable(paced(ts, asks, { minIntervalMs: 1, restFactor: 1 }, { l: 40 })).toBe(expected);
    });
  });
});
