import { expect } from 'chai';
import { defer, retry, throwError, timer } from 'rxjs';
import { createBackoff } from '../../streams/backoff';
import { createTestScheduler } from '../helpers/marbles';

const middle = () => 0.5; // no jitter
const attempts = (backoff: (n: number) => number | null, n: number) => Array.from({ length: n }, (_, i) => backoff(i + 1));

describe('backoff', () => {
  it('grows from baseMs by factor up to capMs', () => {
    expect(attempts(createBackoff({ random: middle }), 8)).to.deep.equal([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(attempts(createBackoff({ baseMs: 50, factor: 3, capMs: 1000, random: middle }), 5)).to.deep.equal([50, 150, 450, 1000, 1000]);
  });

  it('spreads by ± jitter, never past capMs nor below 0', () => {
    const low = createBackoff({ random: () => 0 });
    const high = createBackoff({ random: () => 0.999999 });
    expect([low(1), high(1)]).to.deep.equal([80, 120]);
    expect([low(10), high(10)]).to.deep.equal([4000, 5000]);
    expect(createBackoff({ jitter: 1, random: () => 0 })(1)).to.equal(0);
  });

  it('gives up after maxAttempts, not before', () => {
    const backoff = createBackoff({ maxAttempts: 3, random: middle });
    expect([backoff(3), backoff(4)]).to.deep.equal([400, null]);
    expect(createBackoff({ maxAttempts: 0 })(1)).to.equal(null);
  });

  it('never gives up by default and stays finite for huge attempts', () => {
    expect(createBackoff({ random: middle })(1e6)).to.equal(5000);
    expect(createBackoff({ baseMs: 0, random: middle })(1e6)).to.equal(0);
  });

  it('treats attempts below 1 (or not a number) as the first', () => {
    const backoff = createBackoff({ random: middle });
    expect([backoff(0), backoff(-3), backoff(NaN)]).to.deep.equal([100, 100, 100]);
  });

  it('refuses a config that makes no sense', () => {
    for (const bad of [{ baseMs: -1 }, { capMs: -1 }, { factor: 0.5 }, { jitter: 1.5 }, { jitter: -0.1 }, { maxAttempts: -1 }, { baseMs: NaN }]) {
      expect(() => createBackoff(bad), JSON.stringify(bad)).to.throw(RangeError);
    }
  });

  it('drives retry: waits each delay, then gives up with the last error', () => {
    const ts = createTestScheduler();
    const backoff = createBackoff({ baseMs: 2, factor: 2, capMs: 5, maxAttempts: 3, random: middle });
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const connect = cold('#');
      const connection = defer(() => connect).pipe(
        retry({
          delay: (error, attempt) => {
            const ms = backoff(attempt);
            return ms === null ? throwError(() => error) : timer(ms, ts);
          },
        }),
      );
      // Tries at 0, then after 2, 4 and 5 (capped) ms; the fourth failure gives up.
      expectObservable(connection).toBe('-----------#');
      expectSubscriptions(connect.subscriptions).toBe(['(^!)', '--(^!)', '------(^!)', '-----------(^!)']);
    });
  });
});
