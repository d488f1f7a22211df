import { expect } from 'chai';
import { createHubTurn, createTurnStages } from '../../../src/runtime/turnStages';

/** A hand-run `setImmediate`: `run()` plays one check phase (what was queued before it started). */
function immediates() {
  let queued: Array<() => void> = [];
  return {
    immediate: (fn: () => void) => void queued.push(fn),
    get pending() {
      return queued.length;
    },
    run() {
      const phase = queued;
      queued = [];
      for (const fn of phase) fn();
    },
  };
}

describe('turnStages', () => {
  it('runs the stages of a turn in order, each job in the order it was queued', () => {
    const check = immediates();
    const [a, b, c] = createTurnStages(3, check.immediate);
    const ran: string[] = [];
    c(() => ran.push('c1'));
    a(() => ran.push('a1'));
    b(() => ran.push('b1'));
    a(() => ran.push('a2'));
    expect(ran).to.deep.equal([]);
    expect(check.pending).to.equal(3);
    check.run();
    expect(ran).to.deep.equal(['a1', 'a2', 'b1', 'c1']);
    expect(check.pending).to.equal(0);
  });

  it('keeps a job a stage queues for a later stage in the same turn', () => {
    const check = immediates();
    const [a, b, c] = createTurnStages(3, check.immediate);
    const ran: string[] = [];
    a(() => {
      ran.push('a');
      c(() => ran.push('c'));
      b(() => ran.push('b'));
    });
    check.run();
    expect(ran).to.deep.equal(['a', 'b', 'c']);
    expect(check.pending).to.equal(0);
  });

  it('sends a job for a stage that has started, or a stage before it, to the next turn', () => {
    const check = immediates();
    const [a, b, c] = createTurnStages(3, check.immediate);
    const ran: string[] = [];
    b(() => {
      ran.push('b1');
      b(() => ran.push('b2'));
      a(() => ran.push('a2'));
    });
    c(() => {
      ran.push('c1');
      c(() => ran.push('c2'));
    });
    check.run();
    expect(ran).to.deep.equal(['b1', 'c1']);
    expect(check.pending).to.equal(3);
    check.run();
    expect(ran).to.deep.equal(['b1', 'c1', 'a2', 'b2', 'c2']);
    expect(check.pending).to.equal(0);
  });

  it('queues nothing for a turn with no work', () => {
    const check = immediates();
    createTurnStages(3, check.immediate);
    expect(check.pending).to.equal(0);
  });

  describe('createHubTurn on the real event loop', () => {
    it("releases a turn's answers in that turn, after the microtasks and nextTicks its writes started", async () => {
      const turn = createHubTurn();
      const order: string[] = [];
      await new Promise<void>((done) => {
        turn.log(() => {
          order.push('log');
          // What a plain setImmediate from the log's write would be: the next turn.
          setImmediate(() => {
            order.push('next turn');
            done();
          });
          // The write releases the dispatch through a promise, the service's write callback comes on a nextTick, the answer on a promise.
          void Promise.resolve().then(() =>
            turn.dispatch(() => {
              order.push('dispatch');
              process.nextTick(() => void Promise.resolve().then(() => turn.answer(() => order.push('answer'))));
            }),
          );
        });
      });
      expect(order).to.deep.equal(['log', 'dispatch', 'answer', 'next turn']);
    });
  });
});
