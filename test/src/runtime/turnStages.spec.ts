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

  it('keeps a job for a stage still to come in the running turn, after a job sent to the following one', () => {
    const check = immediates();
    const [a, b, c] = createTurnStages(3, check.immediate);
    const ran: string[] = [];
    b(() => {
      ran.push('b');
      a(() => ran.push('a, next turn'));
      c(() => ran.push('c, this turn'));
    });
    check.run();
    expect(ran).to.deep.equal(['b', 'c, this turn']);
    check.run();
    expect(ran).to.deep.equal(['b', 'c, this turn', 'a, next turn']);
  });

  it('runs the other jobs of a stage when one throws, and hands its error on', () => {
    const check = immediates();
    const errors: unknown[] = [];
    const [a, b] = createTurnStages(2, check.immediate, (err) => errors.push(err));
    const ran: string[] = [];
    const broken = new Error('broken job');
    a(() => ran.push('a1'));
    a(() => {
      throw broken;
    });
    a(() => ran.push('a3'));
    b(() => ran.push('b1'));
    check.run();
    expect(ran).to.deep.equal(['a1', 'a3', 'b1']);
    expect(errors).to.deep.equal([broken]);
  });

  it('queues nothing for a turn with no work', () => {
    const check = immediates();
    createTurnStages(3, check.immediate);
    expect(check.pending).to.equal(0);
  });

  describe('createHubTurn on the real event loop', () => {
    it("releases a turn's answers and client writes in that turn, after the microtasks and nextTicks its writes started", async () => {
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
              turn.clients(() => order.push('clients'));
              process.nextTick(() => void Promise.resolve().then(() => turn.answer(() => order.push('answer'))));
            }),
          );
        });
      });
      expect(order).to.deep.equal(['log', 'dispatch', 'answer', 'clients', 'next turn']);
    });

    it('throws the error of a job that failed from a microtask, as its own setImmediate would have', async () => {
      const turn = createHubTurn();
      const broken = new Error('broken job');
      const seen = await new Promise<unknown>((resolve) => {
        const listeners = process.listeners('uncaughtException');
        process.removeAllListeners('uncaughtException');
        process.once('uncaughtException', (err) => {
          for (const l of listeners) process.on('uncaughtException', l);
          resolve(err);
        });
        turn.log(() => {
          throw broken;
        });
      });
      expect(seen).to.equal(broken);
    });
  });
});
