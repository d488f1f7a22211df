import { expect } from 'chai';
import { of } from 'rxjs';
import { Superseded, throttleContinuous } from '../../../streams/gating/throttleContinuous';
import { createTestScheduler, queuedAt } from '../../helpers/marbles';

/** Items are `key:value`; keys starting with `x` are not throttled. */
const values = { a: 'A:1', b: 'A:2', c: 'A:3', d: 'A:4', e: 'A:5', p: 'B:1', q: 'B:2', x: 'x:1', y: 'x:2' };
const S = (item: string) => new Superseded(item);

describe('throttleContinuous', () => {
  const throttleFor = (windowMs: number, scheduler: Parameters<typeof throttleContinuous>[1]) =>
    throttleContinuous<string>({ windowMs, isThrottled: (s) => !s.startsWith('x'), keyOf: (s) => s.split(':')[0] }, scheduler);

  it('passes the first item at once, supersedes the replaced one at once, and releases the latest at the window end', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  abc-----d--|', values);
      const subs = '       ^----------!';
      const expected = '   a-B-c---d--|';
      // a opens [0,4); b waits; c replaces b (B = b superseded); c released at 4, opening [4,8); d at 8 is in no window.
      expectObservable(source.pipe(throttleFor(4, ts))).toBe(expected, { ...values, B: S('A:2') });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('holds an item one frame before the window ends, and lets one exactly at the end through when nothing waits', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  a--b----c--d-|', values);
      // a opens [0,4); b at 3 waits until 4 and opens [4,8); c at 8 finds that window over and passes, opening [8,12); d at 11 waits until 12.
      const expected = '   a---b---c---d|';
      const subs = '       ^------------!';
      expectObservable(source.pipe(throttleFor(4, ts))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('releases what waits when an item arrives exactly at the window end, and holds the newcomer for the next window', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  a-b-c-------|', values);
      // b waits in [0,4); c at 4 is not in that window, so b is released (not superseded) and c waits in [4,8).
      const expected = '   a---b---c---|';
      const subs = '       ^-----------!';
      expectObservable(source.pipe(throttleFor(4, ts))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps a window per key', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  apbq--------|', values);
      const expected = '   ap--bq------|';
      const subs = '       ^-----------!';
      expectObservable(source.pipe(throttleFor(4, ts))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('passes unthrottled items straight through, in order', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  axbcy-------|', values);
      const expected = '   ax-By-c-----|';
      const subs = '       ^-----------!';
      expectObservable(source.pipe(throttleFor(6, ts))).toBe(expected, { ...values, B: S('A:2') });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('on completion, waits to release what waits, then completes', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  ab|', values);
      const expected = '   a---(b|)';
      const subs = '       ^-!';
      expectObservable(source.pipe(throttleFor(4, ts))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes at once when nothing waits, even inside a window', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a|', values);
      expectObservable(source.pipe(throttleFor(4, ts))).toBe('a|', values);
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('cancels a pending release when unsubscribed', () => {
    const ts = createTestScheduler();
    let queued = { frames: [-1] };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  ab------', values);
      const unsub = '      ---!';
      const expected = '   a-------';
      expectObservable(source.pipe(throttleFor(4, ts)), unsub).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      // b's release was due at frame 4; after the unsubscribe at 3 nothing may remain queued.
      queued = queuedAt(ts, 3);
    });
    expect(queued.frames).to.deep.equal([]);
  });

  it('forwards an error and cancels what waits', () => {
    const ts = createTestScheduler();
    let queued = { frames: [-1] };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  ab#', values);
      expectObservable(source.pipe(throttleFor(4, ts))).toBe('a-#', values);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      queued = queuedAt(ts, 2);
    });
    expect(queued.frames).to.deep.equal([]);
  });

  it('is a pass-through with a zero window', () => {
    const ts = createTestScheduler();
    const source = of('A:1');
    expect(source.pipe(throttleFor(0, ts))).to.equal(source);
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('abc|', values);
      expectObservable(source.pipe(throttleFor(0, ts))).toBe('abc|', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
