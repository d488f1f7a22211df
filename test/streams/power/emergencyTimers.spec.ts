import { expect } from 'chai';
import type { TestScheduler } from 'rxjs/testing';
import { emergencyTimers } from '../../../streams/power/emergencyTimers';
import type { SocketLedger } from '../../../streams/power/powerContracts';
import { createTestScheduler, queuedAt } from '../../helpers/marbles';

/** A ledger with these instances running, `id@deadline`. */
function ledger(...running: string[]): SocketLedger {
  return {
    power: running.length ? 'on' : 'off',
    running: running.map((r) => {
      const [instanceId, at] = r.split('@');
      return { instanceId, deadlineAt: Number(at) };
    }),
    fault: null,
  };
}

const due = (instanceId: string) => ({ type: 'emergency', instanceId, cause: 'timeout' });

describe('emergencyTimers', () => {
  let ts: TestScheduler;
  beforeEach(() => (ts = createTestScheduler()));

  it('fires at the deadline of an instance that nobody stopped', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('a----b', { a: ledger('A@3'), b: ledger() });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts)).toBe('---e', { e: due('A') });
      expectSubscriptions(ledger$.subscriptions).toBe('^-----');
    });
  });

  it('is cancelled by a stop before the deadline', () => {
    let queued = { frames: [-1] };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('a-b------', { a: ledger('A@5'), b: ledger() });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts)).toBe('---------');
      expectSubscriptions(ledger$.subscriptions).toBe('^--------');
      // A's deadline timer (due at 5) is gone once the stop is in the ledger.
      queued = queuedAt(ts, 2);
    });
    expect(queued.frames).to.deep.equal([]);
  });

  it('asks again every retryMs while the instance still runs after its deadline (the stop failed)', () => {
    let queued = { frames: [-1] };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('a', { a: ledger('A@2') });
      expectObservable(emergencyTimers(ledger$, { retryMs: 3 }, ts), '^--------!').toBe('--e--e--e', { e: due('A') });
      expectSubscriptions(ledger$.subscriptions).toBe('^--------!');
      // Unsubscribing also drops the retry due at 11.
      queued = queuedAt(ts, 9);
    });
    expect(queued.frames).to.deep.equal([]);
  });

  it('fires at once for a deadline already past when the instance appears (restored after a restart)', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('----a-b', { a: ledger('A@1'), b: ledger() });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts)).toBe('----e', { e: due('A') });
      expectSubscriptions(ledger$.subscriptions).toBe('^------');
    });
  });

  it('keeps one timer per instance: other instances coming and going do not re-arm or cancel it', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('a-b-c---', { a: ledger('A@3'), b: ledger('A@3', 'B@6'), c: ledger('B@6') });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts), '^-------!').toBe('---a--b-', { a: due('A'), b: due('B') });
      expectSubscriptions(ledger$.subscriptions).toBe('^-------!');
    });
  });

  it('arms a fresh timer for an instance id that starts again after it stopped', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('a-b-c----', { a: ledger('A@3'), b: ledger(), c: ledger('A@7') });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts), '^--------!').toBe('-------a-', { a: due('A') });
      expectSubscriptions(ledger$.subscriptions).toBe('^--------!');
    });
  });
});
