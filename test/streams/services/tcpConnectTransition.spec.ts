import { expect } from 'chai';
import {
  createTcpConnectTransition,
  initialTcpConnectState,
  type TcpConnectEffect,
  type TcpConnectMessage,
  type TcpConnectRules,
} from '../../../streams/services/tcpConnectTransition';
import { delivery, fold, settles, type Row, type TestDelivery } from './serviceFixtures';

type M = TcpConnectMessage<TestDelivery>;

const RULES: TcpConnectRules = { host: 'sound.local', port: 7000, connectConcurrency: 2, mailboxSize: 3, maxAgeMs: 1000 };

function run(rows: ReadonlyArray<Row<M>>) {
  return fold(createTcpConnectTransition<TestDelivery>(RULES), initialTcpConnectState<TestDelivery>(RULES), rows);
}
const opened = (effects: ReadonlyArray<TcpConnectEffect<TestDelivery> & { at: number }>) =>
  effects.filter((e): e is Extract<TcpConnectEffect<TestDelivery>, { type: 'open' }> & { at: number } => e.type === 'open').map((e) => [e.at, e.delivery.name]);

describe('services/tcpConnectTransition', () => {
  it('opens at most connectConcurrency connections; the next waits for a done, in order', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => delivery(n, 0));
    const { effects, states } = run([
      [0, { type: 'start' }],
      [0, { type: 'deliver', delivery: a }],
      [0, { type: 'deliver', delivery: b }],
      [0, { type: 'deliver', delivery: c }],
      [0, { type: 'deliver', delivery: d }],
      [5, { type: 'done', delivery: a }],
      [6, { type: 'done', delivery: b, error: 'ECONNRESET' }],
    ]);
    expect(opened(effects)).to.deep.equal([
      [0, 'a'],
      [0, 'b'],
      [5, 'c'],
      [6, 'd'],
    ]);
    expect(settles(effects)).to.deep.equal([
      ['written', ['a'], undefined],
      ['failed', ['b'], 'ECONNRESET'],
    ]);
    expect(states.at(-1)).to.include({ busy: 2, open: 4, status: 'backoff' });
  });

  it('expires a waiting delivery past max age (exactly max age still goes) and drops the oldest of a full outbox', () => {
    const rows: Array<Row<M>> = [
      [0, { type: 'deliver', delivery: delivery('a', 0) }],
      [0, { type: 'deliver', delivery: delivery('b', 0) }],
      [0, { type: 'deliver', delivery: delivery('old', 0) }],
      [1, { type: 'deliver', delivery: delivery('edge', 1) }],
      [1, { type: 'deliver', delivery: delivery('x', 1) }],
      [1, { type: 'deliver', delivery: delivery('y', 1) }],
      [1001, { type: 'done', delivery: delivery('a', 0) }],
    ];
    const { effects } = run(rows);
    expect(settles(effects).filter(([r]) => r !== 'written')).to.deep.equal([['overflow', ['old'], 'mailbox full (3)']]);
    expect(opened(effects)).to.deep.equal([
      [0, 'a'],
      [0, 'b'],
      [1001, 'edge'],
    ]);
    const later = run([...rows, [1002, { type: 'done', delivery: delivery('b', 0) }]]);
    expect(settles(later.effects).filter(([r]) => r === 'expired')).to.deep.equal([['expired', ['x', 'y'], 'waited longer than max age']]);
  });

  it('stop fails what waits once and is over when the last connection closed', () => {
    const { effects } = run([
      [0, { type: 'deliver', delivery: delivery('a', 0) }],
      [0, { type: 'deliver', delivery: delivery('b', 0) }],
      [0, { type: 'deliver', delivery: delivery('c', 0) }],
      [1, { type: 'stop' }],
      [1, { type: 'stop' }],
      [2, { type: 'done', delivery: delivery('a', 0) }],
      [2, { type: 'closed' }],
      [3, { type: 'done', delivery: delivery('b', 0), error: 'ECONNRESET' }],
      [3, { type: 'closed' }],
    ]);
    expect(settles(effects)).to.deep.equal([
      ['failed', ['c'], 'service stopped'],
      ['written', ['a'], undefined],
      ['failed', ['b'], 'ECONNRESET'],
    ]);
    expect(effects.filter((e) => e.type === 'stopped').map((e) => e.at)).to.deep.equal([3]);
    expect(effects.filter((e) => e.type === 'status').map((e) => e.at)).to.deep.equal([1]);
  });
});
