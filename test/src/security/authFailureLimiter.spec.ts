import { expect } from 'chai';
import type { SchedulerLike } from 'rxjs';
import { createAuthFailureLimiter } from '../../../src/security/authFailureLimiter';

describe('failed-authentication limiter', () => {
  it('counts a peer once whichever way its socket spells the address (::ffff:1.2.3.4 is 1.2.3.4)', () => {
    const clock = { now: () => 0 } as SchedulerLike;
    const limiter = createAuthFailureLimiter({ max: 2, windowMs: 60_000 }, clock);
    limiter.fail('::ffff:192.0.2.7');
    limiter.fail('192.0.2.7');
    expect(limiter.blockedForMs('192.0.2.7'), 'blocked over a v4 socket').to.equal(60_000);
    expect(limiter.blockedForMs('::ffff:192.0.2.7'), 'and over a dual-stack one').to.equal(60_000);
    expect(limiter.size()).to.equal(1);
  });

  it('tracks at most 10,000 addresses: the ones whose failures left the window go first, then the longest tracked', () => {
    let now = 0;
    const clock = { now: () => now } as SchedulerLike;
    const limiter = createAuthFailureLimiter({ max: 2, windowMs: 60_000 }, clock);
    for (let i = 0; i < 10_000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size()).to.equal(10_000);
    now = 60_001;
    limiter.fail('192.0.2.1');
    expect(limiter.size(), 'every old failure swept').to.equal(1);
    for (let i = 0; i < 10_000; i++) limiter.fail(`10.1.${i >> 8}.${i & 255}`);
    expect(limiter.size(), 'all live: the longest tracked goes').to.equal(10_000);
    // 192.0.2.1 was tracked longest, so it went: its one failure is forgotten, and counting starts afresh.
    limiter.fail('192.0.2.1');
    expect(limiter.blockedForMs('192.0.2.1'), 'one failure since it came back').to.equal(null);
    limiter.fail('192.0.2.1');
    expect(limiter.blockedForMs('192.0.2.1'), 'two: blocked').to.equal(60_000);
  });
});
