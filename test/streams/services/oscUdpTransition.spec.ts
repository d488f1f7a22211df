import { expect } from 'chai';
import {
  createOscUdpTransition,
  initialOscUdpState,
  type OscUdpEffect,
  type OscUdpMessage,
  type OscUdpRules,
} from '../../../streams/services/oscUdpTransition';
import { delivery, fold, settles, type Row, type TestDelivery } from './serviceFixtures';

type M = OscUdpMessage<TestDelivery>;
type E = OscUdpEffect<TestDelivery> & { at: number };

const RULES: OscUdpRules = {
  host: 'qlab.local',
  port: 53000,
  backoff: (attempt) => (attempt <= 2 ? 100 * 2 ** (attempt - 1) : null),
  stableAfterMs: 500,
  mailboxSize: 4,
  maxAgeMs: 1000,
  window: 2,
};

function run(rows: ReadonlyArray<Row<M>>, rules: OscUdpRules = RULES) {
  return fold(createOscUdpTransition<TestDelivery>(rules), initialOscUdpState<TestDelivery>(rules), rows);
}
const sends = (effects: readonly E[]) => effects.flatMap((e) => (e.type === 'send' ? [[e.at, e.gen, e.delivery.name]] : []));
const statuses = (effects: readonly E[]) => effects.flatMap((e) => (e.type === 'status' ? [[e.at, e.status]] : []));
const of = <T extends E['type']>(effects: readonly E[], type: T) => effects.filter((e): e is Extract<E, { type: T }> => e.type === type);

describe('services/oscUdpTransition', () => {
  it('holds deliveries while the socket opens, sends them in order within the window, and drops one past max age (exactly max age still goes)', () => {
    const [a, b, c] = [delivery('a', 0), delivery('b', 1), delivery('c', 2)];
    const { effects, states } = run([
      [0, { type: 'start' }],
      [0, { type: 'deliver', delivery: a }],
      [1, { type: 'deliver', delivery: b }],
      [2, { type: 'deliver', delivery: c }],
      [1001, { type: 'opened', gen: 1, target: '127.0.0.1:53000' }],
      [1002, { type: 'sent', gen: 1, delivery: b }],
      [1003, { type: 'sent', gen: 1, delivery: c }],
      [1004, { type: 'deliver', delivery: delivery('d', 1004) }],
    ]);
    expect(of(effects, 'open').map((e) => e.gen)).to.deep.equal([1]);
    expect(sends(effects)).to.deep.equal([
      [1001, 1, 'b'],
      [1001, 1, 'c'],
      [1004, 1, 'd'],
    ]);
    expect(settles(effects)).to.deep.equal([
      ['expired', ['a'], 'waited longer than max age'],
      ['written', ['b'], undefined],
      ['written', ['c'], undefined],
    ]);
    expect(of(effects, 'started').map((e) => e.ok)).to.deep.equal([true]);
    expect(states.at(-1)).to.include({ status: 'connected', inflight: 1 });
  });

  it('keeps at most `window` datagrams in flight; the rest wait and age', () => {
    const { effects } = run([
      [0, { type: 'start' }],
      [0, { type: 'opened', gen: 1, target: '127.0.0.1:53000' }],
      [0, { type: 'deliver', delivery: delivery('a', 0) }],
      [0, { type: 'deliver', delivery: delivery('b', 0) }],
      [0, { type: 'deliver', delivery: delivery('c', 0) }],
      [1500, { type: 'sent', gen: 1, delivery: delivery('a', 0) }],
    ]);
    expect(sends(effects)).to.deep.equal([
      [0, 1, 'a'],
      [0, 1, 'b'],
    ]);
    expect(settles(effects)).to.deep.equal([
      ['written', ['a'], undefined],
      ['expired', ['c'], 'waited longer than max age'],
    ]);
  });

  it('reopens a socket that failed to open with backoff (resolving again), and gives up when the policy says so', () => {
    const { effects, states } = run([
      [0, { type: 'start' }],
      [0, { type: 'deliver', delivery: delivery('a', 0) }],
      [5, { type: 'failed', gen: 1, reason: 'ENOTALLOWED' }],
      [105, { type: 'retry' }],
      [110, { type: 'failed', gen: 2, reason: 'ENOTFOUND' }],
      [310, { type: 'retry' }],
      [311, { type: 'failed', gen: 2, reason: 'stale' }],
      [312, { type: 'failed', gen: 3, reason: 'ENOTFOUND' }],
    ]);
    expect(of(effects, 'open').map((e) => [e.at, e.gen])).to.deep.equal([
      [0, 1],
      [105, 2],
      [310, 3],
    ]);
    expect(of(effects, 'schedule').map((e) => [e.at, e.timer, e.delayMs])).to.deep.equal([
      [5, 'retry', 100],
      [110, 'retry', 200],
    ]);
    expect(of(effects, 'started').map((e) => e.ok)).to.deep.equal([false, false, false]);
    expect(statuses(effects).map(([, s]) => s)).to.deep.equal(['connecting', 'backoff', 'connecting', 'backoff', 'connecting', 'closed']);
    expect(settles(effects)).to.deep.equal([['failed', ['a'], 'service unreachable']]);
    expect(states.at(-1)).to.include({ status: 'closed', hasSocket: false });
  });

  it('a refusal (ICMP unreachable) degrades the status but sending goes on; connected again once a datagram went out and nothing was refused for stableAfterMs', () => {
    const { effects, states } = run([
      [0, { type: 'start' }],
      [0, { type: 'opened', gen: 1, target: '127.0.0.1:53000' }],
      [10, { type: 'refused', gen: 1, reason: 'ECONNREFUSED' }],
      [20, { type: 'refused', gen: 0, reason: 'ECONNREFUSED' }],
      [510, { type: 'quiet', gen: 1 }],
      [600, { type: 'deliver', delivery: delivery('a', 600) }],
      [601, { type: 'sent', gen: 1, delivery: delivery('a', 600) }],
      [1101, { type: 'quiet', gen: 1 }],
    ]);
    expect(statuses(effects)).to.deep.equal([
      [0, 'connecting'],
      [0, 'connected'],
      [10, 'backoff'],
      [1101, 'connected'],
    ]);
    expect(sends(effects)).to.deep.equal([[600, 1, 'a']]);
    expect(of(effects, 'schedule').map((e) => [e.at, e.timer, e.delayMs])).to.deep.equal([
      [10, 'quiet', 500],
      [601, 'quiet', 500],
    ]);
    expect(states[4]).to.include({ status: 'backoff', quietDue: false });
    expect(states.at(-1)).to.include({ status: 'connected', refused: false });
  });

  it('a send error fails that delivery and degrades the status', () => {
    const { effects } = run([
      [0, { type: 'start' }],
      [0, { type: 'opened', gen: 1, target: '127.0.0.1:53000' }],
      [0, { type: 'deliver', delivery: delivery('a', 0) }],
      [1, { type: 'sent', gen: 1, delivery: delivery('a', 0), error: 'EMSGSIZE' }],
    ]);
    expect(settles(effects)).to.deep.equal([['failed', ['a'], 'send failed: EMSGSIZE']]);
    expect(statuses(effects).at(-1)).to.deep.equal([1, 'backoff']);
  });

  it('stop fails what waits once, closes the socket and is over when it closed', () => {
    const { effects } = run([
      [0, { type: 'start' }],
      [0, { type: 'deliver', delivery: delivery('a', 0) }],
      [1, { type: 'stop' }],
      [1, { type: 'stop' }],
      [2, { type: 'deliver', delivery: delivery('b', 2) }],
      [3, { type: 'closed', gen: 1 }],
    ]);
    expect(settles(effects)).to.deep.equal([
      ['failed', ['a'], 'service stopped'],
      ['failed', ['b'], 'service stopped'],
    ]);
    expect(of(effects, 'close').map((e) => [e.at, e.gen])).to.deep.equal([[1, 1]]);
    expect(of(effects, 'stopped').map((e) => e.at)).to.deep.equal([3]);
  });
});
