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
});
