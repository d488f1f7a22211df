import { expect } from 'chai';
import { createBackoff } from '../../../streams/backoff';
import { NO_EFFECTS } from '../../../streams/services/serviceMachine';
import {
  createTcpSocketTransition,
  initialTcpSocketState,
  type TcpSocketEffect,
  type TcpSocketMessage,
  type TcpSocketRules,
} from '../../../streams/services/tcpSocketTransition';
import { delivery, fold, settles, type Row, type TestDelivery } from './serviceFixtures';

type M = TcpSocketMessage<TestDelivery>;
type E = TcpSocketEffect<TestDelivery>;

const RULES: TcpSocketRules = {
  host: 'flame.local',
  port: 6000,
  backoff: createBackoff({ baseMs: 100, factor: 2, capMs: 1000, jitter: 0 }),
  connectTimeoutMs: 2000,
  stableAfterMs: 5000,
  closeGraceMs: 1000,
  mailboxSize: 10,
  maxAgeMs: 1000,
  batchLines: 10,
};

function run(rows: ReadonlyArray<Row<M>>, rules: Partial<TcpSocketRules> = {}) {
  const all = { ...RULES, ...rules };
  return fold(createTcpSocketTransition<TestDelivery>(all), initialTcpSocketState<TestDelivery>(all), rows);
}

const only = <T extends E['type']>(effects: ReadonlyArray<E & { at: number }>, type: T) =>
  effects.filter((e): e is Extract<E, { type: T }> & { at: number } => e.type === type);
const writes = (effects: ReadonlyArray<E & { at: number }>) => only(effects, 'write').map((w) => w.batch.map((d) => d.name));
const statuses = (effects: ReadonlyArray<E & { at: number }>) => only(effects, 'status').map((s) => [s.at, s.status, s.detail]);

/** Rows that bring connection 1 up at 0. */
const UP: Array<Row<M>> = [
  [0, { type: 'start' }],
  [0, { type: 'connected', gen: 1, room: 16384 }],
];

describe('services/tcpSocketTransition', () => {
  it('connects on start, once, and arms the connect timeout', () => {
    const { effects } = run([
      [0, { type: 'start' }],
      [0, { type: 'start' }],
    ]);
    expect(effects.map((e) => e.type)).to.deep.equal(['status', 'connect', 'schedule']);
    expect(only(effects, 'schedule')[0]).to.deep.include({
      timer: 'connect',
      delayMs: 2000,
      message: { type: 'lost', gen: 1, reason: 'connect timeout after 2000 ms' },
    });
  });

  it('backs off 100, 200, 400 ms between failed attempts and resets only after a stable connection', () => {
    const { effects, states } = run([
      [0, { type: 'start' }],
      [0, { type: 'lost', gen: 1, reason: 'ECONNREFUSED' }],
      [100, { type: 'retry' }],
      [100, { type: 'lost', gen: 2, reason: 'ECONNREFUSED' }],
      [300, { type: 'retry' }],
      [300, { type: 'lost', gen: 3, reason: 'ECONNREFUSED' }],
      [700, { type: 'retry' }],
      [700, { type: 'connected', gen: 4, room: 1 }],
      [5700, { type: 'stable', gen: 4 }],
      [6700, { type: 'lost', gen: 4, reason: 'peer closed the connection' }],
    ]);
    expect(
      only(effects, 'schedule')
        .filter((s) => s.timer === 'retry')
        .map((s) => [s.at, s.delayMs]),
    ).to.deep.equal([
      [0, 100],
      [100, 200],
      [300, 400],
      [6700, 100],
    ]);
    expect(states.map((s) => s.attempt)).to.deep.equal([0, 1, 1, 2, 2, 3, 3, 3, 0, 1]);
    expect(statuses(effects).slice(0, 3)).to.deep.equal([
      [0, 'connecting', undefined],
      [0, 'backoff', 'ECONNREFUSED; retry in 100 ms'],
      [100, 'connecting', 'retry 1'],
    ]);
    expect(only(effects, 'started').map((s) => s.ok)).to.deep.equal([false, false, false, true, false]);
  });

  it('ignores what a stale connection says', () => {
    const { effects } = run([
      ...UP,
      [10, { type: 'lost', gen: 1, reason: 'EPIPE' }],
      [10, { type: 'connected', gen: 1, room: 1 }],
      [10, { type: 'lost', gen: 1, reason: 'late' }],
    ]);
    expect(only(effects, 'destroy')).to.have.length(1);
    expect(only(effects, 'ready')).to.have.length(1);
  });

  it('gives up after maxAttempts and fails what waits, once', () => {
    const a = delivery('a');
    const { effects } = run(
      [
        [0, { type: 'start' }],
        [0, { type: 'deliver', delivery: a, room: 0 }],
        [0, { type: 'lost', gen: 1, reason: 'ECONNREFUSED' }],
        [100, { type: 'retry' }],
        [100, { type: 'lost', gen: 2, reason: 'ECONNREFUSED' }],
        [200, { type: 'deliver', delivery: delivery('late'), room: 0 }],
      ],
      { backoff: createBackoff({ baseMs: 100, jitter: 0, maxAttempts: 1 }) },
    );
    expect(statuses(effects).at(-1)).to.deep.equal([100, 'closed', 'gave up after 2 failed attempts: ECONNREFUSED']);
    expect(settles(effects)).to.deep.equal([
      ['failed', ['a'], 'service unreachable'],
      ['failed', ['late'], 'service stopped'],
    ]);
  });

  describe('max age', () => {
    it('writes a delivery exactly max age old and expires one a millisecond older', () => {
      const { effects } = run([
        [0, { type: 'start' }],
        [0, { type: 'deliver', delivery: delivery('old', 0), room: 0 }],
        [1, { type: 'deliver', delivery: delivery('edge', 1), room: 0 }],
        [1001, { type: 'connected', gen: 1, room: 16384 }],
      ]);
      expect(settles(effects)).to.deep.equal([['expired', ['old'], 'waited longer than max age']]);
      expect(writes(effects)).to.deep.equal([['edge']]);
    });

    it('expires lazily on the next delivery even while nothing drains', () => {
      const { effects } = run([
        [0, { type: 'start' }],
        [0, { type: 'deliver', delivery: delivery('a', 0), room: 0 }],
        [1000, { type: 'deliver', delivery: delivery('b', 1000), room: 0 }],
        [1001, { type: 'deliver', delivery: delivery('c', 1001), room: 0 }],
      ]);
      expect(settles(effects).map(([r, n]) => [r, n])).to.deep.equal([['expired', ['a']]]);
    });
  });

  describe('batching', () => {
    it('asks for one flush per turn and writes everything of the turn in one write', () => {
      const rows: Array<Row<M>> = [
        ...UP,
        ...['a', 'b', 'c'].map((n): Row<M> => [1, { type: 'deliver', delivery: delivery(n, 1), room: 16384 }]),
        [1, { type: 'flush', room: 16384 }],
      ];
      const { effects } = run(rows);
      expect(only(effects, 'defer')).to.have.length(1);
      expect(writes(effects)).to.deep.equal([['a', 'b', 'c']]);
    });

    it('returns the same state and no effects for a delivery when a flush is already due', () => {
      const t = createTcpSocketTransition<TestDelivery>(RULES);
      let s = initialTcpSocketState<TestDelivery>(RULES);
      for (const [at, m] of UP) s = t(s, m, at).state;
      s = t(s, { type: 'deliver', delivery: delivery('a'), room: 1 }, 1).state;
      const step = t(s, { type: 'deliver', delivery: delivery('b'), room: 1 }, 1);
      expect(step.state).to.equal(s);
      expect(step.effects).to.equal(NO_EFFECTS);
    });

    it('writes at most the socket room (at least one line), the rest at the next turn; nothing while it must drain', () => {
      const rows: Array<Row<M>> = [
        ...UP,
        ...['aaaaa', 'bbbbb', 'ccccc'].map((n): Row<M> => [1, { type: 'deliver', delivery: delivery(n, 1, 6), room: 10 }]),
        [1, { type: 'flush', room: 10 }],
        [2, { type: 'flush', room: 0 }],
        [3, { type: 'drain', gen: 1, room: 10 }],
      ];
      const { effects } = run(rows);
      expect(writes(effects)).to.deep.equal([['aaaaa', 'bbbbb'], ['ccccc']]);
      expect(only(effects, 'defer').map((d) => d.at)).to.deep.equal([1, 1]);
    });

    it('writes a burst larger than the mailbox at once, in mailbox-sized writes, dropping none', () => {
      const names = Array.from({ length: 25 }, (_, i) => `line-${i}`);
      const rows: Array<Row<M>> = [
        ...UP,
        ...names.map((n): Row<M> => [1, { type: 'deliver', delivery: delivery(n, 1), room: 16384 }]),
        [1, { type: 'flush', room: 16384 }],
      ];
      const { effects } = run(rows, { mailboxSize: 10, batchLines: 10 });
      expect(writes(effects)).to.deep.equal([names.slice(0, 10), names.slice(10, 20), names.slice(20)]);
      expect(settles(effects)).to.deep.equal([]);
    });

    it('drops the oldest of a burst larger than the mailbox while disconnected', () => {
      const names = Array.from({ length: 12 }, (_, i) => `line-${i}`);
      const rows: Array<Row<M>> = [[0, { type: 'start' }], ...names.map((n): Row<M> => [1, { type: 'deliver', delivery: delivery(n, 1), room: 0 }])];
      const { effects } = run(rows, { mailboxSize: 10 });
      expect(settles(effects)).to.deep.equal([
        ['overflow', ['line-0'], 'mailbox full (10)'],
        ['overflow', ['line-1'], 'mailbox full (10)'],
      ]);
    });
  });

  it('puts a batch whose write failed back in front and writes it first on the next connection', () => {
    const a = delivery('a', 1);
    const b = delivery('b', 1);
    const rows: Array<Row<M>> = [
      ...UP,
      [1, { type: 'deliver', delivery: a, room: 16384 }],
      [1, { type: 'deliver', delivery: b, room: 16384 }],
      [1, { type: 'flush', room: 16384 }],
      [1, { type: 'deliver', delivery: delivery('c', 1), room: 16384 }],
    ];
    const first = run(rows);
    const batch = only(first.effects, 'write')[0].batch;
    const { effects } = run([
      ...rows,
      [2, { type: 'written', gen: 1, batch, error: 'EPIPE' }],
      [102, { type: 'retry' }],
      [102, { type: 'connected', gen: 2, room: 16384 }],
    ]);
    expect(statuses(effects).at(-3)).to.deep.equal([2, 'backoff', 'write failed: EPIPE; retry in 100 ms']);
    expect(writes(effects)).to.deep.equal([
      ['a', 'b'],
      ['a', 'b', 'c'],
    ]);
    expect(settles(effects)).to.deep.equal([]);
  });

  describe('a peer that stops reading', () => {
    // max age 1000 + connect timeout 2000: a line may be in flight until 3000 ms after its dispatch.
    // A function: a run settles its deliveries in place, so each test takes fresh ones.
    const sent = (): Array<Row<M>> => [...UP, [1, { type: 'deliver', delivery: delivery('a', 1), room: 16384 }], [1, { type: 'flush', room: 16384 }]];

    it('loses the connection when a write is still in flight max age + connect timeout after its line was dispatched', () => {
      const { effects } = run([
        ...sent(),
        [3000, { type: 'stall', gen: 1 }],
        [3001, { type: 'stall', gen: 1 }],
        [3101, { type: 'retry' }],
        [3101, { type: 'connected', gen: 2, room: 16384 }],
      ]);
      expect(
        only(effects, 'schedule')
          .filter((t) => t.timer === 'stall')
          .map((t) => [t.at, t.delayMs]),
      ).to.deep.equal([
        [1, 3000],
        [3000, 1],
      ]);
      expect(only(effects, 'destroy').map((d) => d.at)).to.deep.equal([3001]);
      expect(settles(effects)).to.deep.equal([['expired', ['a'], 'waited longer than max age']]);
      expect(statuses(effects).find(([at, status]) => at === 3001 && status === 'backoff')?.[2]).to.equal(
        'peer stopped reading: a write still in flight 3000 ms after its line was dispatched; retry in 100 ms',
      );
      expect(writes(effects), 'the expired line is not written again').to.deep.equal([['a']]);
    });

    /** One transition stepped by hand, so a test can answer a write with the very batch it wrote. */
    function stepper() {
      const t = createTcpSocketTransition<TestDelivery>(RULES);
      const machine = { state: initialTcpSocketState<TestDelivery>(RULES), effects: [] as Array<E & { at: number }> };
      const post = (m: M, at: number): readonly E[] => {
        const step = t(machine.state, m, at);
        machine.state = step.state;
        machine.effects.push(...step.effects.map((e) => ({ ...e, at })));
        return step.effects;
      };
      /** Delivers `name` at `at` and flushes; the batch written, if any. */
      const send = (name: string, at: number): readonly TestDelivery[] | undefined => {
        post({ type: 'deliver', delivery: delivery(name, at), room: 16384 }, at);
        const write = post({ type: 'flush', room: 16384 }, at).find((e) => e.type === 'write');
        return write?.type === 'write' ? write.batch : undefined;
      };
      for (const [at, m] of UP) post(m, at);
      return { machine, post, send };
    }
    const stallTimers = (effects: ReadonlyArray<E & { at: number }>) =>
      only(effects, 'schedule')
        .filter((e) => e.timer === 'stall')
        .map((e) => [e.at, e.delayMs]);

    it('keeps a connection whose writes complete, with one stall timer however many writes, armed again by the next write', () => {
      const { machine, post, send } = stepper();
      for (let at = 1; at <= 2500; at += 100) post({ type: 'written', gen: 1, batch: send(`line-${at}`, at)! }, at);
      expect(stallTimers(machine.effects)).to.deep.equal([[1, 3000]]);
      expect(post({ type: 'stall', gen: 1 }, 3001), 'nothing in flight').to.equal(NO_EFFECTS);
      expect(machine.state.stallCheck).to.equal(false);
      send('later', 3500);
      expect(stallTimers(machine.effects)).to.deep.equal([
        [1, 3000],
        [3500, 3000],
      ]);
      expect(only(machine.effects, 'destroy')).to.deep.equal([]);
    });

    it('waits for the oldest write still in flight, and ignores a stall check of an old connection or while stopping', () => {
      const { machine, post, send } = stepper();
      const first = send('a', 1)!;
      send('b', 2000);
      post({ type: 'written', gen: 1, batch: first }, 2500);
      post({ type: 'stall', gen: 1 }, 3000);
      expect(post({ type: 'stall', gen: 0 }, 4999), 'an old connection').to.equal(NO_EFFECTS);
      expect(stallTimers(machine.effects)).to.deep.equal([
        [1, 3000],
        [3000, 2000],
      ]);
      post({ type: 'stop' }, 4999);
      expect(only(machine.effects, 'cancel').at(-1)?.timers).to.include('stall');
      expect(post({ type: 'stall', gen: 1 }, 5000), 'stopping').to.equal(NO_EFFECTS);
      expect(only(machine.effects, 'destroy')).to.deep.equal([]);
    });
  });

  describe('stop', () => {
    it('settles what waits and what is in flight failed, exactly once, ends the connection and is over at its close', () => {
      const rows: Array<Row<M>> = [
        ...UP,
        [1, { type: 'deliver', delivery: delivery('sent', 1), room: 1 }],
        [1, { type: 'flush', room: 1 }],
        [1, { type: 'deliver', delivery: delivery('waiting', 1), room: 0 }],
      ];
      const { effects } = run([
        ...rows,
        [2, { type: 'stop' }],
        [2, { type: 'stop' }],
        [2, { type: 'deliver', delivery: delivery('after', 2), room: 0 }],
        [3, { type: 'lost', gen: 1, reason: 'connection closed', closed: true }],
        [4, { type: 'retry' }],
      ]);
      expect(settles(effects)).to.deep.equal([
        ['failed', ['waiting'], 'service stopped'],
        ['failed', ['after'], 'service stopped'],
        ['failed', ['sent'], 'service stopped'],
      ]);
      const after = effects.filter((e) => e.at >= 2).map((e) => e.type);
      expect(after).to.deep.equal(['cancel', 'settle', 'started', 'status', 'end', 'schedule', 'settle', 'cancel', 'settle', 'stopped']);
      expect(only(effects, 'connect')).to.have.length(1);
    });

    it('is over at once when there is no connection, and destroys one still connecting', () => {
      expect(run([[0, { type: 'stop' }]]).effects.map((e) => e.type)).to.deep.equal(['cancel', 'started', 'status', 'stopped']);
      expect(
        run([
          [0, { type: 'start' }],
          [1, { type: 'stop' }],
        ])
          .effects.filter((e) => e.at === 1)
          .map((e) => e.type),
      ).to.deep.equal(['cancel', 'started', 'status', 'destroy']);
    });

    it('settles a batch whose write fails while stopping as failed, not requeued', () => {
      const rows: Array<Row<M>> = [...UP, [1, { type: 'deliver', delivery: delivery('a', 1), room: 1 }], [1, { type: 'flush', room: 1 }]];
      const batch = only(run(rows).effects, 'write')[0].batch;
      const { effects } = run([...rows, [2, { type: 'stop' }], [2, { type: 'written', gen: 1, batch, error: 'EPIPE' }]]);
      expect(settles(effects)).to.deep.equal([['failed', ['a'], 'write failed while stopping: EPIPE']]);
    });
  });
});
