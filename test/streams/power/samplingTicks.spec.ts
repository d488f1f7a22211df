import type { TestScheduler } from 'rxjs/testing';
import type { PowerState, SocketLedger } from '../../../streams/power/powerContracts';
import { samplingTicks } from '../../../streams/power/samplingTicks';
import { createTestScheduler } from '../../helpers/marbles';

const ledger = (power: PowerState): SocketLedger => ({ power, running: [], fault: null });
const L = { n: ledger('on'), f: ledger('off'), u: ledger('unknown') };
const tick = { t: { type: 'sample' } };

describe('samplingTicks', () => {
  let ts: TestScheduler;
  beforeEach(() => (ts = createTestScheduler()));

  it('ticks every interval while the socket is on and stops when it goes off', () => {
    ts.run(({ hot, expectObservable }) => {
      expectObservable(samplingTicks(hot('n------f-----', L), 3, ts)).toBe('---t--t------', tick);
    });
  });

  it('is not restarted by ledger changes that keep the socket on (instances coming and going)', () => {
    ts.run(({ hot, expectObservable }) => {
      expectObservable(samplingTicks(hot('n-n-n-n--', L), 3, ts), '^--------!').toBe('---t--t--', tick);
    });
  });

  it('restarts the interval from zero when the socket comes on again', () => {
    ts.run(({ hot, expectObservable }) => {
      expectObservable(samplingTicks(hot('n----f-n-----', L), 3, ts), '^-----------!').toBe('---t------t-', tick);
    });
  });

  it('keeps polling a socket whose state is unknown (faulted), so it is found again', () => {
    ts.run(({ hot, expectObservable }) => {
      expectObservable(samplingTicks(hot('u-----', L), 2, ts), '^-----!').toBe('--t-t-', tick);
    });
  });

  it('is silent while the socket is off', () => {
    ts.run(({ hot, expectObservable }) => {
      expectObservable(samplingTicks(hot('f-----', L), 1, ts)).toBe('------');
    });
  });
});
