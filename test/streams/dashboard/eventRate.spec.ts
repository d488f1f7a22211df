import { eventRate } from '../../../streams/dashboard/eventRate';
import { createTestScheduler } from '../../helpers/marbles';

describe('event rate', () => {
  it('emits the count of each period at its end, keeping the last `window` periods', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const events$ = hot('-a-b-----c---------');
      const sub = '       ^--------------!   ';
      expectObservable(eventRate(events$, { periodMs: 4, window: 2 }, ts), sub).toBe('----x---y---z---', {
        x: [2],
        y: [2, 0],
        z: [0, 1],
      });
      expectSubscriptions(events$.subscriptions).toBe(sub);
    });
  });
});
