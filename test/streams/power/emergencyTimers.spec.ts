import type { TestScheduler } from 'rxjs/testing';
import { emergencyTimers } from '../../../streams/power/emergencyTimers';
import type { SocketLedger } from '../../../streams/power/powerContracts';
import { createTestScheduler } from '../../helpers/marbles';

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
    ts.run(({ hot, expectObservable }) => {
      const ledger$ = hot('a----b', { a: ledger('A@3'), b: ledger() });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts)).toBe('---e', { e: due('A') });
    });
  });

  it('is cancelled by a stop before the deadline', () => {
    ts.run(({ hot, expectObservable }) => {
      const ledger$ = hot('a-b------', { a: ledger('A@5'), b: ledger() });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts)).toBe('---------');
    });
  });

  it('asks again every retryMs while the instance still runs after its deadline (the stop failed)', () => {
    ts.run(({ hot, expectObservable }) => {
      const ledger$ = hot('a', { a: ledger('A@2') });
      expectObservable(emergencyTimers(ledger$, { retryMs: 3 }, ts), '^--------!').toBe('--e--e--e', { e: due('A') });
    });
  });

  it('fires at once for a deadline already past when the instance appears (restored after a restart)', () => {
    ts.run(({ hot, expectObservable }) => {
      const ledger$ = hot('----a-b', { a: ledger('A@1'), b: ledger() });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts)).toBe('----e', { e: due('A') });
    });
  });

  it('keeps one timer per instance: other instances coming and going do not re-arm or cancel it', () => {
    ts.run(({ hot, expectObservable }) => {
      const ledger$ = hot('a-b-c---', { a: ledger('A@3'), b: ledger('A@3', 'B@6'), c: ledger('B@6') });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts), '^-------!').toBe('---a--b-', { a: due('A'), b: due('B') });
    });
  });

  it('arms a fresh timer for an instance id that starts again after it stopped', () => {
    ts.run(({ hot, expectObservable }) => {
      const ledger$ = hot('a-b-c----', { a: ledger('A@3'), b: ledger(), c: ledger('A@7') });
      expectObservable(emergencyTimers(ledger$, { retryMs: 100 }, ts), '^--------!').toBe('-------a-', { a: due('A') });
    });
  });
});
