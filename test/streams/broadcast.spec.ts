import { expect } from 'chai';
import { config, tap } from 'rxjs';
import { createBroadcast } from '../../streams/broadcast';
import { createTestScheduler } from '../helpers/marbles';

describe('broadcast', () => {
  it('gives each subscriber the values pushed while it is subscribed, in order, and completes them all', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const b = createBroadcast<string>();
      const pushed = hot('-a-b-c-d-|');
      const subs = '      ^--------!';
      pushed.subscribe({ next: (v) => b.next(v), complete: () => b.complete() });
      expectSubscriptions(pushed.subscriptions).toBe(subs);
      expectObservable(b.stream$).toBe('-a-b-c-d-|');
      expectObservable(b.stream$, '----^--!').toBe('-----c--');
      expectObservable(b.stream$, '----------^').toBe('----------|', undefined);
    });
  });

  it('says whether anyone subscribes, and stops telling a subscriber that left', () => {
    const b = createBroadcast<number>();
    expect(b.observed).to.equal(false);
    const seen: number[] = [];
    const sub = b.stream$.subscribe((v) => seen.push(v));
    expect(b.observed).to.equal(true);
    b.next(1);
    sub.unsubscribe();
    b.next(2);
    expect(b.observed).to.equal(false);
    expect(seen).to.deep.equal([1]);
  });

  it('gives a subscriber added during a delivery the next value, not that one; one removed during it gets nothing more', () => {
    const b = createBroadcast<number>();
    const seen: string[] = [];
    let late: { unsubscribe(): void } | undefined;
    const second = b.stream$.subscribe((v) => seen.push(`second ${v}`));
    b.stream$.subscribe((v) => {
      seen.push(`first ${v}`);
      late ??= b.stream$.subscribe((w) => seen.push(`late ${w}`));
      second.unsubscribe();
    });
    b.next(1);
    b.next(2);
    late?.unsubscribe();
    expect(seen).to.deep.equal(['second 1', 'first 1', 'first 2', 'late 2']);
  });

  it('keeps delivering to the others when a subscriber throws, and hands the error to RxJS', async () => {
    const reported: unknown[] = [];
    const before = config.onUnhandledError;
    config.onUnhandledError = (err) => reported.push(err);
    try {
      const b = createBroadcast<number>();
      const seen: number[] = [];
      b.stream$.subscribe(() => {
        throw new Error('broken consumer');
      });
      b.stream$.pipe(tap((v) => seen.push(v))).subscribe();
      b.next(1);
      b.next(2);
      expect(seen).to.deep.equal([1, 2]);
      // RxJS reports a consumer's error on a timer of its own, not in the delivery.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(reported.map((e) => (e as Error).message)).to.deep.equal(['broken consumer', 'broken consumer']);
    } finally {
      config.onUnhandledError = before;
    }
  });

  it('delivers nothing after complete, and completes a late subscriber at once', () => {
    const b = createBroadcast<number>();
    const events: string[] = [];
    b.stream$.subscribe({ next: (v) => events.push(`early ${v}`), complete: () => events.push('early done') });
    b.complete();
    b.next(1);
    b.complete();
    b.stream$.subscribe({ next: (v) => events.push(`late ${v}`), complete: () => events.push('late done') });
    expect(events).to.deep.equal(['early done', 'late done']);
    expect(b.observed).to.equal(false);
  });
});
