import { expect } from 'chai';
import type { TestScheduler } from 'rxjs/testing';
import type { PowerState, SocketLedger } from '../../../streams/power/powerContracts';
import { samplingTicks } from '../../../streams/power/samplingTicks';
import { createTestScheduler, queuedAt } from '../../helpers/marbles';

const ledger = (power: PowerState): SocketLedger => ({ power, running: [], fault: null });
const L = { n: ledger('on'), f: ledger('off'), u: ledger('unknown') };
const tick = { t: { type: 'sample' } };

describe('samplingTicks', () => {
  let ts: TestScheduler;
  beforeEach(() => (ts = createTestScheduler()));

  it('ticks every interval while the socket is on and stops when it goes off', () => {
    let queued = { frames: [-1] };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('n------f-----', L);
      expectObservable(samplingTicks(ledger$, 3, ts)).toBe('---t--t------', tick);
      expectSubscriptions(ledger$.subscriptions).toBe('^------------');
      // Off at 7 drops the tick that was due at 9.
      queued = queuedAt(ts, 7);
    });
    expect(queued.frames).to.deep.equal([]);
  });

  it('is not restarted by ledger changes that keep the socket on (instances coming and going)', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('n-n-n-n--', L);
      expectObservable(samplingTicks(ledger$, 3, ts), '^--------!').toBe('---t--t--', tick);
      expectSubscriptions(ledger$.subscriptions).toBe('^--------!');
    });
  });

  it('restarts the interval from zero when the socket comes on again', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('n----f-n-----', L);
      expectObservable(samplingTicks(ledger$, 3, ts), '^-----------!').toBe('---t------t-', tick);
      expectSubscriptions(ledger$.subscriptions).toBe('^-----------!');
    });
  });

  it('keeps polling a socket whose state is unknown (faulted), so it is found again', () => {
    let queued = { frames: [-1] };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('u-----', L);
      expectObservable(samplingTicks(ledger$, 2, ts), '^-----!').toBe('--t-t-', tick);
      expectSubscriptions(ledger$.subscriptions).toBe('^-----!');
      // Unsubscribing also drops the interval's next tick.
      queued = queuedAt(ts, 6);
    });
    expect(queued.frames).to.deep.equal([]);
  });

  it('is silent while the socket is off', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ledger$ = hot('f-----', L);
      expectObservable(samplingTicks(ledger$, 1, ts)).toBe('------');
      expectSubscriptions(ledger$.subscriptions).toBe('^-----');
    });
  });
});
