import { serviceTallies } from '../../../streams/dashboard/serviceTally';
import { createTestScheduler } from '../../helpers/marbles';

describe('service tally', () => {
  it('counts written as delivered and expired as expired (other results are neither), shown at each sample only', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable }) => {
      const settled$ = hot('  -wwefo-w-', {
        w: { service: 'A', result: 'written' },
        e: { service: 'A', result: 'expired' },
        f: { service: 'A', result: 'failed' },
        o: { service: 'B', result: 'overflow' },
      });
      const status$ = hot<{ service: string; status: string }>('---------');
      const sample$ = hot('    ------s--|');
      expectObservable(serviceTallies(settled$, status$, ts, sample$)).toBe('a-----b--|', {
        a: {},
        b: { A: { delivered: 2, expired: 1, downSince: null } },
      });
    });
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
      const sample$ = hot('   ---s-s--s--s|');
      const up = { delivered: 1, expired: 0, downSince: null };
      const down = { delivered: 1, expired: 0, downSince: 4 };
      expectObservable(serviceTallies(settled$, status$, ts, sample$)).toBe('a--b-d--e--f|', {
        a: {},
        b: { A: up },
        d: { A: down },
        e: { A: down },
        f: { A: up },
      });
    });
  });

  it('hands out copies: a sample taken earlier does not change with later deliveries', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable }) => {
      const settled$ = hot('-w-w-', { w: { service: 'B', result: 'written' } });
      const status$ = hot<{ service: string; status: string }>('-----');
      const sample$ = hot('--s-s|');
      const seen: unknown[] = [];
      serviceTallies(settled$, status$, ts, sample$).subscribe((t) => seen.push(t));
      ts.schedule(() => {
        // The sample at 2 still says 1 after the delivery at 3.
        if (JSON.stringify(seen[1]) !== JSON.stringify({ B: { delivered: 1, expired: 0, downSince: null } }))
          throw new Error(`sample changed: ${JSON.stringify(seen[1])}`);
      }, 4);
      expectObservable(serviceTallies(settled$, status$, ts, sample$)).toBe('a-b-c|', {
        a: {},
        b: { B: { delivered: 1, expired: 0, downSince: null } },
        c: { B: { delivered: 2, expired: 0, downSince: null } },
      });
    });
  });

  it('subscribes to its three inputs while it is subscribed, and lets go of all three when unsubscribed', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const settled$ = hot('--w------', { w: { service: 'A', result: 'written' } });
      const status$ = hot<{ service: string; status: string }>('---------');
      const sample$ = hot('---s-----');
      expectObservable(serviceTallies(settled$, status$, ts, sample$), '-^---!').toBe('-a-b-', {
        a: {},
        b: { A: { delivered: 1, expired: 0, downSince: null } },
      });
      for (const input of [settled$, status$, sample$]) expectSubscriptions(input.subscriptions).toBe('-^---!');
    });
  });

  it('lets go of all three inputs when sample$ completes', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const settled$ = hot('--w------', { w: { service: 'A', result: 'written' } });
      const status$ = hot<{ service: string; status: string }>('---------');
      const sample$ = hot('---s-|');
      expectObservable(serviceTallies(settled$, status$, ts, sample$)).toBe('a--b-|', {
        a: {},
        b: { A: { delivered: 1, expired: 0, downSince: null } },
      });
      for (const input of [settled$, status$, sample$]) expectSubscriptions(input.subscriptions).toBe('^----!');
    });
  });
});
