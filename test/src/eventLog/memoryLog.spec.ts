import { expect } from 'chai';
import type { TriggerEvent } from '../../../streams/contracts';
import { emptyHubMemory, type HubMemory, type MemoryRules } from '../../../streams/log/hubMemory';
import { createMemoryLog } from '../../../src/eventLog/memoryLog';
import { event } from '../../streams/fixtures';

const T0 = Date.UTC(2026, 0, 11, 18, 0, 0);
const RULES: MemoryRules = { minIntervalMs: 0, minIntervalScope: 'trigger', cooldownMs: 0, priorityOf: () => 1 };
const at = (seq: number): TriggerEvent => event('Phone.Button', { seq, id: seq, timestamp: new Date(T0 + seq * 1000).toISOString() });
const seqsOf = (answer: { events: readonly TriggerEvent[] } | { tooOld: true }) => ('tooOld' in answer ? 'tooOld' : answer.events.map((e) => e.seq));

describe('eventLog/memoryLog', () => {
  /** A memory log on `memory` whose turns end when the test says. */
  function open(capacity: number, memory: HubMemory = emptyHubMemory(), replayLimit = 1000) {
    const turns: Array<() => void> = [];
    const log = createMemoryLog({ capacity, replayLimit }, memory, RULES, (flush) => turns.push(flush));
    const endTurn = () => turns.splice(0).forEach((flush) => flush());
    const fill = async (from: number, to: number) => {
      for (let seq = from; seq <= to; seq++) {
        const answer = log.append(at(seq));
        endTurn();
        await answer;
      }
    };
    return { log, memory, turns, endTurn, fill };
  }

  it('commits a turn as one batch: emits it at the end of the turn, then answers, and folds it into the memory', async () => {
    const m = open(10);
    const trace: string[] = [];
    m.log.committed$.subscribe((e) => trace.push(`emit ${e.seq} (memory at ${m.memory.seq})`));
    const answers = [m.log.append(at(1)), m.log.append(at(2))];
    answers.forEach((p, i) => void p.then(() => trace.push(`answer ${i + 1}`)));
    expect(m.turns).to.have.length(1);
    expect(trace).to.deep.equal([]);
    m.endTurn();
    await Promise.all(answers);
    expect(trace).to.deep.equal(['emit 1 (memory at 2)', 'emit 2 (memory at 2)', 'answer 1', 'answer 2']);
    expect(m.log.lastSeq()).to.equal(2);
    expect(m.memory.lastIds).to.deep.equal({ 'Phone.Button': 2 });
    expect(m.memory.cache['Phone.Button']).to.include({ id: 2, seq: 2 });
  });

  it('replays from its ring, and says tooOld once the events were evicted or were before its start', async () => {
    const m = open(3, emptyHubMemory(10));
    expect(m.log.lastSeq()).to.equal(10);
    await m.fill(11, 15);
    expect(seqsOf(m.log.after(12))).to.deep.equal([13, 14, 15]);
    expect(seqsOf(m.log.after(15))).to.deep.equal([]);
    expect(m.log.after(11)).to.deep.equal({ tooOld: true });
    const fresh = open(3, emptyHubMemory(10));
    expect(fresh.log.after(9)).to.deep.equal({ tooOld: true });
    expect(seqsOf(fresh.log.after(10))).to.deep.equal([]);
  });

  it('says tooOld past replayLimit, though its ring still holds the events', async () => {
    const m = open(100, emptyHubMemory(), 3);
    await m.fill(1, 10);
    expect(seqsOf(m.log.after(7))).to.deep.equal([8, 9, 10]);
    expect(m.log.after(6)).to.deep.equal({ tooOld: true });
  });

  it('reads a time range [since, until) of what it holds, at most limit', async () => {
    const m = open(4);
    await m.fill(1, 6);
    const ms = (seq: number) => T0 + seq * 1000;
    expect(
      m.log.range(ms(1), ms(5)).map((e) => e.seq),
      'seqs 1 and 2 were evicted',
    ).to.deep.equal([3, 4]);
    expect(m.log.range(ms(4)).map((e) => e.seq)).to.deep.equal([4, 5, 6]);
    expect(m.log.range(0, Infinity, 2).map((e) => e.seq)).to.deep.equal([3, 4]);
  });

  it('says in its stats what it holds', async () => {
    const m = open(2, emptyHubMemory(4));
    expect(m.log.stats()).to.deep.equal({ segments: 0, bytes: 0, oldestSeq: 0, newestSeq: 4, fsync: 'no' });
    await m.fill(5, 7);
    expect(m.log.stats()).to.deep.equal({ segments: 0, bytes: 0, oldestSeq: 6, newestSeq: 7, fsync: 'no' });
  });

  it('commits what is staged at close, and rejects appends after it', async () => {
    const m = open(5);
    const emitted: number[] = [];
    m.log.committed$.subscribe((e) => emitted.push(e.seq));
    const staged = m.log.append(at(1));
    await m.log.close();
    await staged;
    expect(emitted).to.deep.equal([1]);
    const late = await m.log.append(at(2)).then(
      () => 'stored',
      (err: Error) => err.message,
    );
    expect(late).to.equal('The event log is closed');
  });

  it('has nothing to snapshot (a restart keeps nothing): snapshot() settles at once, and rejects after close', async () => {
    const m = open(5);
    await m.fill(1, 2);
    await m.log.snapshot();
    await m.log.close();
    const late = await m.log.snapshot().then(
      () => 'taken',
      (err: Error) => err.message,
    );
    expect(late).to.equal('The event log is closed');
  });
});
