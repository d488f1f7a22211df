import { expect } from 'chai';
import { blockedForMs, EMPTY_FAILURE_LOG, pruneFailures, recordFailure, type FailureLog } from '../../../streams/security/authFailures';

const policy = { max: 3, windowMs: 10 };
const failAt = (times: number[], ip = 'a', log: FailureLog = EMPTY_FAILURE_LOG) => times.reduce((l, t) => recordFailure(l, ip, t, policy), log);

describe('authFailures (max 3 in 10)', () => {
  // failures at these times, asked at `now`: blocked for how many ms (null: may try)
  const table: Array<[number[], number, number | null]> = [
    [[], 0, null],
    [[0, 1], 1, null],
    [[0, 1, 2], 2, 8], // the third failure blocks until the first leaves the window
    [[0, 1, 2], 9, 1],
    [[0, 1, 2], 10, null], // exactly at the window's end the first has left
    [[0, 1, 2, 12], 12, null], // 1, 2, 12 in (2, 12]: 2 is out at 12, so two remain
    [[0, 5, 9], 9, 1],
    [[0, 5, 9], 10, null],
    [[0, 5, 9, 14], 14, 1], // 5, 9, 14 in (4, 14]: blocked until 5 leaves at 15
    [[0, 1, 2, 3, 4], 4, 8], // only the newest max count: blocked until 2 leaves
  ];
  for (const [times, now, expected] of table) {
    it(`failures at [${times.join(', ')}], now ${now} → ${expected === null ? 'may try' : `blocked ${expected} ms`}`, () => {
      expect(blockedForMs(failAt(times), 'a', now, policy)).to.equal(expected);
    });
  }

  it('counts each address apart', () => {
    const log = failAt([0, 1, 2], 'a');
    expect(blockedForMs(log, 'b', 2, policy)).to.equal(null);
    expect(blockedForMs(failAt([3], 'b', log), 'a', 3, policy)).to.equal(7);
  });

  it('keeps at most max times per address, and prune forgets addresses whose failures all left', () => {
    const log = failAt([0, 1, 2, 3, 4, 5, 6]);
    expect(log.get('a')).to.deep.equal([4, 5, 6]);
    expect([...pruneFailures(failAt([0], 'b', log), 15, policy).keys()]).to.deep.equal(['a']);
    expect(pruneFailures(log, 16, policy).size).to.equal(0);
  });

  it('never changes the log it was given', () => {
    const log = failAt([0]);
    recordFailure(log, 'a', 1, policy);
    expect(log.get('a')).to.deep.equal([0]);
  });
});
