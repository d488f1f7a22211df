import { expect } from 'chai';
import { map } from 'rxjs';
import { BUS_LOST, BUS_RESTORED, busNotices } from '../../../streams/sse/busNotices';
import { createTestScheduler } from '../../helpers/marbles';
import { letter, utcNow } from './sseFixtures';

describe('busNotices', () => {
  it('says lost and restored on changes after the state the stream opened with', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const state$ = cold('u--d--d--u--u-|', { u: 'up', d: 'down' } as const);
      expectObservable(busNotices(state$, utcNow).pipe(map(letter))).toBe('---L-----R----|');
      expectSubscriptions(state$.subscriptions).toBe('^-------------!');
    });
  });

  it('says restored when the stream opened while the bus was down', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const state$ = cold('d---u-', { u: 'up', d: 'down' } as const);
      expectObservable(busNotices(state$, utcNow).pipe(map(letter))).toBe('----R-');
      expectSubscriptions(state$.subscriptions).toBe('^-----');
    });
  });

  it('uses the seed texts', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const state$ = cold('u-d-u', { u: 'up', d: 'down' } as const);
      expectObservable(busNotices(state$, utcNow).pipe(map((m) => (m.data as { message: string }).message))).toBe('--l-r', { l: BUS_LOST, r: BUS_RESTORED });
      expectSubscriptions(state$.subscriptions).toBe('^----');
    });
    expect(BUS_LOST).to.equal('Redis connection lost');
  });
});
