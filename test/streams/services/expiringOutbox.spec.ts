import { expect } from 'chai';
import { ExpiringOutbox, type OutboxDrop } from '../../../streams/services/expiringOutbox';
import type { SettleResult } from '../../../streams/services/serviceEffects';

/** What waits in the outbox here: a line, its enqueue time, and a settle that counts once. */
interface Delivery {
  readonly line: Buffer;
  enqueuedAt: number;
  settled: boolean;
  settle(result: SettleResult): void;
}
type SettledResult = SettleResult;

function createDelivery(line: Buffer, onSettle: (result: SettledResult) => void): Delivery {
  const d: Delivery = {
    line,
    enqueuedAt: 0,
    settled: false,
    settle(result) {
      if (d.settled) return;
      d.settled = true;
      onSettle(result);
    },
  };
  return d;
}

describe('services/expiringOutbox', () => {
  let settled: Array<[string, SettledResult]>;
  let dropped: Array<[string, OutboxDrop]>;

  function item(name: string, enqueuedAt: number): Delivery {
    const d = createDelivery(Buffer.from(name), (result) => settled.push([name, result]));
    d.enqueuedAt = enqueuedAt;
    return d;
  }

  function outbox(capacity: number, maxAgeMs: number): ExpiringOutbox<Delivery> {
    return new ExpiringOutbox<Delivery>({ capacity, maxAgeMs, onDrop: (d, why) => (dropped.push([d.line.toString(), why]), d.settle(why)) });
  }

  const names = (ds: Array<Delivery | undefined>) => ds.map((d) => d?.line.toString());

  beforeEach(() => {
    settled = [];
    dropped = [];
  });

  it('hands deliveries out oldest first', () => {
    const box = outbox(10, 1000);
    box.push(item('a', 0), 0);
    box.push(item('b', 1), 1);
    expect(box.size).to.equal(2);
    expect(names([box.shift(2), box.shift(2), box.shift(2)])).to.deep.equal(['a', 'b', undefined]);
  });

  it('drops the oldest when full', () => {
    const box = outbox(2, 1000);
    for (const [i, n] of ['a', 'b', 'c', 'd'].entries()) box.push(item(n, i), i);
    expect(dropped).to.deep.equal([
      ['a', 'overflow'],
      ['b', 'overflow'],
    ]);
    expect(names([box.shift(4), box.shift(4)])).to.deep.equal(['c', 'd']);
  });

  it('never hands out a delivery older than max age, and expires lazily on push', () => {
    const box = outbox(10, 100);
    box.push(item('old', 0), 0);
    box.push(item('edge', 50), 50);
    box.push(item('new', 120), 120); // 'old' is 120 ms old: dropped here, before anyone drains
    expect(dropped).to.deep.equal([['old', 'expired']]);
    expect(names([box.shift(150)])).to.deep.equal(['edge']); // exactly 100 ms: still fresh
    expect(names([box.shift(221)])).to.deep.equal([undefined]); // 'new' is 101 ms old
    expect(dropped).to.deep.equal([
      ['old', 'expired'],
      ['new', 'expired'],
    ]);
    expect(settled.map(([, r]) => r)).to.deep.equal(['expired', 'expired']);
  });

  it('puts retried deliveries back in front, in their order', () => {
    const box = outbox(3, 1000);
    box.push(item('c', 5), 5);
    box.requeue([item('a', 1), item('b', 2)]);
    expect(names([box.shift(6), box.shift(6), box.shift(6)])).to.deep.equal(['a', 'b', 'c']);
  });

  it('skips deliveries settled while they waited and empties on clear', () => {
    const box = outbox(5, 1000);
    const a = item('a', 0);
    box.push(a, 0);
    box.push(item('b', 0), 0);
    a.settle('written');
    expect(names([box.shift(0)])).to.deep.equal(['b']);
    box.push(item('c', 0), 0);
    expect(names(box.clear())).to.deep.equal(['c']);
    expect(box.size).to.equal(0);
  });

  it('stays bounded through a long run', () => {
    const box = outbox(1000, 10);
    for (let t = 0; t < 100_000; t++) {
      box.push(item('x', t), t);
      if (t % 3 === 0) box.shift(t);
    }
    expect(box.size).to.be.at.most(11);
  });
});
