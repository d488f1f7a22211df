import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { DeliveryLedger } from '../../../src/services/deliveryLedger';

describe('services/deliveryLedger', () => {
  const targets = [
    { service: 'A', protocol: 'TCP_SOCKET' as const },
    { service: 'B', protocol: 'TCP_CONNECT' as const },
  ];
  let scheduler: VirtualTimeScheduler;

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
  });

  it('answers as soon as every service settled', async () => {
    const ledger = new DeliveryLedger(10, scheduler);
    const entry = ledger.open(1, targets);
    const answer = ledger.wait(1, 100);
    ledger.settle(entry, 1, 'failed', 'ECONNREFUSED');
    ledger.settle(entry, 0, 'written');
    expect(await answer).to.deep.equal([
      { service: 'A', protocol: 'TCP_SOCKET', result: 'written' },
      { service: 'B', protocol: 'TCP_CONNECT', result: 'failed', detail: 'ECONNREFUSED' },
    ]);
  });

  it('keeps the first outcome of a target and says whether a settle counted', async () => {
    const ledger = new DeliveryLedger(10, scheduler);
    const entry = ledger.open(1, targets);
    expect(ledger.settle(entry, 0, 'expired', 'given up')).to.equal(true);
    expect(ledger.settle(entry, 0, 'written'), 'the same target again').to.equal(false);
    expect(ledger.settle(entry, 2, 'written'), 'no such target').to.equal(false);
    expect(entry.pending).to.equal(1);
    const answer = ledger.wait(1, 0);
    scheduler.flush();
    expect((await answer).map((o) => o.result)).to.deep.equal(['expired', 'queued']);
  });

  it('answers at the bound with what is still open as queued', async () => {
    const ledger = new DeliveryLedger(10, scheduler);
    const entry = ledger.open(1, targets);
    ledger.settle(entry, 0, 'written');
    const answer = ledger.wait(1, 100);
    scheduler.flush();
    expect(scheduler.now()).to.equal(100);
    expect((await answer).map((o) => o.result)).to.deep.equal(['written', 'queued']);
  });

  it('waits for a dispatch that has not happened yet', async () => {
    const ledger = new DeliveryLedger(10, scheduler);
    const answer = ledger.wait(5, 100);
    const entry = ledger.open(5, targets);
    ledger.settle(entry, 0, 'written');
    ledger.settle(entry, 1, 'expired');
    expect((await answer).map((o) => o.result)).to.deep.equal(['written', 'expired']);
  });

  it('answers [] for a seq never dispatched, at its bound or at once when later ones were', async () => {
    const ledger = new DeliveryLedger(10, scheduler);
    const pending = ledger.wait(3, 50);
    scheduler.flush();
    expect(await pending).to.deep.equal([]);
    ledger.open(4, []);
    expect(await ledger.wait(2, 1000)).to.deep.equal([]);
    expect(await ledger.wait(4, 1000)).to.deep.equal([]);
  });

  it('answers [] at once for an event that went to no service, to a waiter from before it and to one after it', async () => {
    const ledger = new DeliveryLedger(10, scheduler);
    const before = ledger.wait(3, 1000);
    ledger.openNowhere(3);
    ledger.openNowhere(4);
    // No virtual time passes: neither waits for its bound.
    expect(await before).to.deep.equal([]);
    expect(await ledger.wait(4, 1000)).to.deep.equal([]);
    expect(await ledger.wait(2, 1000), 'an earlier seq never dispatched').to.deep.equal([]);
  });

  it('remembers only the last `capacity` events', async () => {
    const ledger = new DeliveryLedger(100, scheduler);
    let first = ledger.open(1, targets);
    const answer = ledger.wait(1, 10);
    for (let seq = 2; seq <= 100_000; seq++) ledger.open(seq, targets);
    expect(ledger.size).to.equal(100);
    // An evicted entry still answers the waiter it already had.
    ledger.settle(first, 0, 'written');
    ledger.settle(first, 1, 'written');
    expect((await answer).map((o) => o.result)).to.deep.equal(['written', 'written']);
    first = ledger.open(100_001, targets);
    expect(ledger.size).to.equal(100);
    expect(await ledger.wait(5, 10)).to.deep.equal([]);
  });

  it('answers each waiter at its own bound, whatever order the bounds come in', async () => {
    const ledger = new DeliveryLedger(10, scheduler);
    const answeredAt: Record<string, number> = {};
    const watch = (name: string, p: Promise<unknown>) => void p.then(() => (answeredAt[name] = scheduler.now()));
    ledger.open(1, targets);
    ledger.open(2, targets);
    watch('long', ledger.wait(1, 300));
    watch('short', ledger.wait(2, 50));
    watch('middle', ledger.wait(1, 120));
    for (const t of [50, 120, 300]) {
      scheduler.maxFrames = t;
      scheduler.flush();
      await Promise.resolve();
    }
    // `middle` shares seq 1 with `long`: answering the seq at 120 answers both.
    expect(answeredAt).to.deep.equal({ short: 50, middle: 120, long: 120 });
  });

  it('keeps one timer for every waiter, and none once all are answered', async () => {
    const ledger = new DeliveryLedger(2000, scheduler);
    const answers: Array<Promise<unknown>> = [];
    for (let seq = 1; seq <= 1000; seq++) {
      const entry = ledger.open(seq, targets);
      answers.push(ledger.wait(seq, 250));
      if (seq <= 500) {
        ledger.settle(entry, 0, 'written');
        ledger.settle(entry, 1, 'written');
      }
    }
    expect(scheduler.actions).to.have.length(1);
    expect(ledger.waiting).to.equal(500); // answered in arrival order: let go at once, not at the bound
    scheduler.flush();
    const results = (await Promise.all(answers)) as Array<Array<{ result: string }>>;
    expect(results.filter((r) => r[0].result === 'queued')).to.have.length(500);
    expect(scheduler.actions).to.have.length(0);
  });
});
