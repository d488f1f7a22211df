import { expect } from 'chai';
import type { CacheState } from '../../streams/contracts';
import { createCache$, reduceCache } from '../../streams/cache';
import { createTestScheduler } from '../helpers/marbles';
import { event } from './fixtures';

const entry = (value: string | number | null, id: number | null, seq: number, type: 'On/Off' | 'Discrete' = 'On/Off') => ({
  value,
  id,
  timestamp: '2026-01-11T18:35:00.000Z',
  type,
  seq,
});

describe('cache', () => {
  describe('reduceCache', () => {
    const seeded: CacheState = { 'Phone.Button': entry('On', 10, 3) };

    it('stores value, id, timestamp, type and seq of an accepted event', () => {
      expect(reduceCache({}, event('Phone.Button', { value: 'On', id: 1, seq: 1 }))).to.deep.equal({ 'Phone.Button': entry('On', 1, 1) });
    });

    it('updates on statuses as on events', () => {
      expect(reduceCache(seeded, event('Phone.Button', { kind: 'status', value: 'Off', id: 11, seq: 4 }))).to.deep.equal({
        'Phone.Button': entry('Off', 11, 4),
      });
    });

    it('never caches OneShot triggers', () => {
      expect(reduceCache(seeded, event('Door.Bell', { type: 'OneShot', value: null }))).to.equal(seeded);
    });

    it('never rolls back to a lower id, and returns the same state then', () => {
      expect(reduceCache(seeded, event('Phone.Button', { value: 'Off', id: 9, seq: 4 }))).to.equal(seeded);
    });

    it('updates on the same or a higher id, or when either id is missing', () => {
      expect(reduceCache(seeded, event('Phone.Button', { value: 'Off', id: 10, seq: 4 }))['Phone.Button']).to.deep.equal(entry('Off', 10, 4));
      expect(reduceCache(seeded, event('Phone.Button', { value: 'Off', id: null, seq: 4 }))['Phone.Button']).to.deep.equal(entry('Off', null, 4));
      const noId: CacheState = { 'Phone.Button': entry('On', null, 3) };
      expect(reduceCache(noId, event('Phone.Button', { value: 'Off', id: 1, seq: 4 }))['Phone.Button']).to.deep.equal(entry('Off', 1, 4));
    });

    it('leaves other triggers and the old state alone', () => {
      const next = reduceCache(seeded, event('Dial.Number', { type: 'Discrete', value: 2, id: 1, seq: 4 }));
      expect(next).to.deep.equal({ 'Phone.Button': entry('On', 10, 3), 'Dial.Number': entry(2, 1, 4, 'Discrete') });
      expect(seeded).to.deep.equal({ 'Phone.Button': entry('On', 10, 3) });
    });

    it('treats a trigger named like an Object.prototype key as any other', () => {
      expect(reduceCache({}, event('constructor', { id: 1 }))).to.have.own.property('constructor');
    });
  });

  describe('createCache$', () => {
    const seed: CacheState = { 'Phone.Button': entry('Off', 1, 1) };
    const a = event('Phone.Button', { value: 'On', id: 2, seq: 2 });
    const o = event('Door.Bell', { type: 'OneShot', value: null, seq: 3 });
    const b = event('Dial.Number', { type: 'Discrete', value: 3, id: 1, seq: 4 });
    const A = reduceCache(seed, a);
    const B = reduceCache(A, b);

    it('starts with the seed and emits a state per change, skipping inputs that change nothing', () => {
      const ts = createTestScheduler();
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const accepted = hot('--a--o--b--', { a, o, b });
        expectObservable(createCache$(accepted, seed)).toBe('S-A-----B--', { S: seed, A, B });
        expectSubscriptions(accepted.subscriptions).toBe('^----------');
      });
    });

    it('emits nothing for a first input that changes nothing (the seed is not sent twice)', () => {
      const ts = createTestScheduler();
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const stale = event('Phone.Button', { value: 'On', id: 0, seq: 2 }); // an id below the cached one
        const accepted = hot('--o--s--a--', { o, s: stale, a });
        expectObservable(createCache$(accepted, seed)).toBe('S-------A--', { S: seed, A });
        expectSubscriptions(accepted.subscriptions).toBe('^----------');
      });
    });

    it('replays the current state at once to a late subscriber, and stays up when subscribers leave', () => {
      const ts = createTestScheduler();
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const accepted = hot('--a---b--', { a, b });
        const state$ = createCache$(accepted, seed);
        expectObservable(state$, '^--!').toBe('S-A', { S: seed, A });
        expectObservable(state$, '----^----').toBe('----A-B--', { A, B });
        expectSubscriptions(accepted.subscriptions).toBe('^--------');
      });
    });
  });
});
