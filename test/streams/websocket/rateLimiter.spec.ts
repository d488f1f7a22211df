import { expect } from 'chai';
import { map } from 'rxjs';
import { createRateLimiter } from '../../../streams/websocket/rateLimiter';
import { createTestScheduler } from '../../helpers/marbles';

describe('createRateLimiter', () => {
  it('allows max attempts per key in a sliding window, then refuses until the oldest leaves it', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const limiter = createRateLimiter({ max: 2, windowMs: 10 }, scheduler);
      const attempts = hot('  a-a-a------a-a-a');
      const expected = '     y-y-n------y-y-n';
      expectObservable(attempts.pipe(map((ip) => (limiter.attempt(ip).allowed ? 'y' : 'n')))).toBe(expected);
    });
  });

  it('keeps keys apart: one IP over its limit does not refuse another', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const limiter = createRateLimiter({ max: 1, windowMs: 100 }, scheduler);
      const attempts = hot('  a-a-b-b-a', { a: '10.0.0.1', b: '10.0.0.2' });
      const expected = '     y-n-y-n-n';
      expectObservable(attempts.pipe(map((ip) => (limiter.attempt(ip).allowed ? 'y' : 'n')))).toBe(expected);
    });
  });

  it('slides: a burst at the end of one window is not followed by a second burst at the next window start', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const limiter = createRateLimiter({ max: 2, windowMs: 10 }, scheduler);
      // Attempts at 8, 9 fill the window; 10 and 11 still see both inside (8 > 10 - 10).
      const attempts = hot('  --------aaaa--------aa');
      const expected = '     --------yynn--------yy';
      expectObservable(attempts.pipe(map((ip) => (limiter.attempt(ip).allowed ? 'y' : 'n')))).toBe(expected);
    });
  });

  it('tells a refused attempt how long until the oldest slot frees up', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const limiter = createRateLimiter({ max: 1, windowMs: 10 }, scheduler);
      const attempts = hot('  a--a------a');
      expectObservable(attempts.pipe(map((ip) => limiter.attempt(ip)))).toBe('y--n------y', {
        y: { allowed: true },
        n: { allowed: false, retryAfterMs: 7 },
      });
    });
  });

  it('does not count refused attempts, so a client hammering while refused is let in after the window', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const limiter = createRateLimiter({ max: 1, windowMs: 5 }, scheduler);
      const attempts = hot('  aaaaaa');
      expectObservable(attempts.pipe(map((ip) => (limiter.attempt(ip).allowed ? 'y' : 'n')))).toBe('ynnnny');
    });
  });

  it('prune forgets keys whose attempts all left the window, and only those', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = createRateLimiter({ max: 3, windowMs: 10 }, scheduler);
      const steps = cold('a-----b----p-----p|', { a: 'a', b: 'b', p: 'p' });
      const sizes = steps.pipe(
        map((step) => {
          if (step === 'p') limiter.prune();
          else limiter.attempt(step);
          return limiter.size();
        }),
      );
      // At 11 the attempt at 0 has left the window (0 <= 11 - 10), the one at 6 has not; at 17 both have.
      expectObservable(sizes).toBe('1-----2----1-----0|', { 0: 0, 1: 1, 2: 2 });
    });
  });

  it('rejects a limit that makes no sense', () => {
    expect(() => createRateLimiter({ max: 0 })).to.throw(RangeError);
    expect(() => createRateLimiter({ windowMs: 0 })).to.throw(RangeError);
  });
});
