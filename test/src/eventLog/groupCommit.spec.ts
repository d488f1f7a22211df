import { expect } from 'chai';
import type { TriggerEvent } from '../../../streams/contracts';
import { NotStoredError } from '../../../src/eventLog/eventLog';
import { createGroupCommit, type LogSink } from '../../../src/eventLog/groupCommit';
import { event } from '../../streams/fixtures';

const at = (seq: number): TriggerEvent => event('Phone.Button', { seq, id: seq });

/** A promise's state once the microtasks queued so far have run. */
async function stateOf(p: Promise<unknown>): Promise<string> {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    (err: Error) => (state = `rejected ${err.name}: ${err.message}`),
  );
  await new Promise<void>((resolve) => setImmediate(resolve));
  return state;
}

/** A group commit whose turns end when the test says (`endTurn`), over a sink that records what it is given. */
function harness(sink: Partial<LogSink> = {}) {
  const turns: Array<() => void> = [];
  const writes: number[][] = [];
  const trace: string[] = [];
  const written: number[][] = [];
  const commit = createGroupCommit(
    {
      write(events) {
        sink.write?.(events);
        writes.push(events.map((e) => e.seq));
        trace.push(`write ${events.map((e) => e.seq).join(',')}`);
      },
      durable: sink.durable,
    },
    (events) => {
      written.push(events.map((e) => e.seq));
      trace.push('onWritten');
    },
    (flush) => turns.push(flush),
  );
  const emitted: number[] = [];
  commit.committed$.subscribe((e) => {
    emitted.push(e.seq);
    trace.push(`emit ${e.seq}`);
  });
  const endTurn = () => turns.splice(0).forEach((flush) => flush());
  return { commit, turns, writes, written, emitted, trace, endTurn };
}

describe('eventLog/groupCommit', () => {
  it('writes everything staged in one turn as one batch, at the end of the turn, in order', async () => {
    const h = harness();
    const answers = [1, 2, 3].map((seq) => h.commit.stage(at(seq)));
    expect(h.turns, 'one end of turn asked for').to.have.length(1);
    expect(h.writes, 'nothing before the turn ends').to.deep.equal([]);
    expect(answers[1]).to.equal(answers[0]).and.to.equal(answers[2]);
    h.endTurn();
    expect(h.writes).to.deep.equal([[1, 2, 3]]);
    expect(await stateOf(answers[0])).to.equal('resolved');

    const next = h.commit.stage(at(4));
    expect(next, 'a new turn is a new batch').not.to.equal(answers[0]);
    expect(h.turns).to.have.length(1);
    h.endTurn();
    expect(h.writes).to.deep.equal([[1, 2, 3], [4]]);
    expect(await stateOf(next)).to.equal('resolved');
  });

  it('writes, folds (onWritten), emits each record, and only then settles the batch', async () => {
    const h = harness();
    const answer = h.commit.stage(at(1));
    h.commit.stage(at(2));
    void answer.then(() => h.trace.push('resolved'));
    h.endTurn();
    await answer;
    expect(h.trace).to.deep.equal(['write 1,2', 'onWritten', 'emit 1', 'emit 2', 'resolved']);
    expect(h.written).to.deep.equal([[1, 2]]);
  });

  it('rejects a batch whose write fails with NotStoredError, emits nothing of it, and writes the next batch', async () => {
    let fail = true;
    const h = harness({
      write() {
        if (fail) throw new Error('ENOSPC: no space left on device');
      },
    });
    const answers = [h.commit.stage(at(1)), h.commit.stage(at(2))];
    h.endTurn();
    for (const answer of answers) {
      expect(await stateOf(answer)).to.equal('rejected NotStoredError: The event log could not store the event (ENOSPC: no space left on device)');
    }
    const err = await answers[0].catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NotStoredError);
    expect((err as NotStoredError).written, 'nothing of it was written: its seqs may be given out again').to.equal(false);
    expect(h.emitted).to.deep.equal([]);
    expect(h.written, 'nothing folded').to.deep.equal([]);

    fail = false;
    const next = h.commit.stage(at(3));
    h.endTurn();
    expect(await stateOf(next)).to.equal('resolved');
    expect(h.emitted).to.deep.equal([3]);
  });

  it('settles only once the sink says the batch is durable, though it emits at once (dispatch does not wait for fsync)', async () => {
    const syncs: Array<{ resolve(): void; reject(err: Error): void }> = [];
    const h = harness({ durable: () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })) });
    const first = h.commit.stage(at(1));
    h.endTurn();
    expect(h.emitted).to.deep.equal([1]);
    expect(syncs).to.have.length(1);
    expect(await stateOf(first)).to.equal('pending');
    syncs[0].resolve();
    expect(await stateOf(first)).to.equal('resolved');

    const second = h.commit.stage(at(2));
    h.endTurn();
    syncs[1].reject(new Error('EIO: i/o error, fdatasync'));
    expect(await stateOf(second)).to.equal('rejected NotStoredError: The event log could not store the event (EIO: i/o error, fdatasync)');
    const err = await second.catch((e: unknown) => e);
    expect((err as NotStoredError).written, 'written, only not synced: its seqs stay used').to.equal(true);
  });

  it('flush() writes what is staged now; the turn that ends later then writes nothing', async () => {
    const h = harness();
    const answer = h.commit.stage(at(1));
    h.commit.flush();
    expect(h.writes).to.deep.equal([[1]]);
    h.endTurn();
    h.commit.flush();
    expect(h.writes, 'no empty write').to.deep.equal([[1]]);
    expect(await stateOf(answer)).to.equal('resolved');
  });

  it('puts a record staged while the batch is emitted (a reaction to an event) in the next batch', async () => {
    const h = harness();
    const sub = h.commit.committed$.subscribe((e) => {
      if (e.seq === 1) void h.commit.stage(at(2));
    });
    h.commit.stage(at(1));
    h.endTurn();
    expect(h.writes).to.deep.equal([[1]]);
    expect(h.turns).to.have.length(1);
    h.endTurn();
    expect(h.writes).to.deep.equal([[1], [2]]);
    sub.unsubscribe();
  });

  it('does not leave a failed batch that nobody awaits as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const turns: Array<() => void> = [];
      const commit = createGroupCommit(
        {
          write() {
            throw new Error('EIO');
          },
        },
        () => undefined,
        (flush) => turns.push(flush),
      );
      // The answer is dropped: the batch promise is awaited by nobody.
      void commit.stage(at(1));
      turns[0]();
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', listener);
    }
    expect(unhandled).to.deep.equal([]);
  });

  it('ends a turn by default with setImmediate, after the I/O callbacks of this turn', async () => {
    const order: string[] = [];
    const commit = createGroupCommit({ write: () => void order.push('flush') }, () => undefined);
    void commit.stage(at(1));
    process.nextTick(() => order.push('tick'));
    await Promise.resolve().then(() => order.push('microtask'));
    expect(order).to.deep.equal(['tick', 'microtask']);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(order).to.deep.equal(['tick', 'microtask', 'flush']);
  });
});
