import { expect } from 'chai';
import { serviceTallies, tallyStep, type ServiceTallies } from '../../../streams/dashboard/serviceTally';
import { createTestScheduler } from '../../helpers/marbles';

describe('service tally', () => {
  it('counts written as delivered and expired as expired; other results are neither', () => {
    const steps = ['written', 'written', 'expired', 'failed', 'overflow'].map((result) => ({ kind: 'settled' as const, s: { service: 'A', result } }));
    const t = steps.reduce(tallyStep, {} as ServiceTallies);
    expect(t).to.deep.equal({ A: { delivered: 2, expired: 1, downSince: null } });
  });

  it('starts the down clock at the first transition out of connected and keeps it through retries', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable }) => {
      const settled$ = hot('  --w----------', { w: { service: 'A', result: 'written' } });
      const status$ = hot('   ----b--c--u--', {
        b: { service: 'A', status: 'backoff' },
        c: { service: 'A', status: 'connecting' },
        u: { service: 'A', status: 'connected' },
      });
      const up = { delivered: 1, expired: 0, downSince: null };
      const down = { delivered: 1, expired: 0, downSince: 4 };
      // A retry (c) changes nothing, so the tally passes on the same object: the scan still emits it.
      expectObservable(serviceTallies(settled$, status$, ts)).toBe('a-b-d--e--f--', {
        a: {},
        b: { A: up },
        d: { A: down },
        e: { A: down },
        f: { A: up },
      });
    });
  });

  it('replays the latest tally to a late subscriber', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable }) => {
      const settled$ = hot('-e---', { e: { service: 'B', result: 'expired' } });
      const status$ = hot<{ service: string; status: string }>('-----');
      const tally$ = serviceTallies(settled$, status$, ts);
      ts.schedule(() => tally$.subscribe(), 0);
      expectObservable(tally$, '---^-').toBe('---a-', { a: { B: { delivered: 0, expired: 1, downSince: null } } });
    });
  });
});
