import { expect } from 'chai';
import { VirtualTimeScheduler, type Subscription } from 'rxjs';
import type { Accepted, Decision, TriggerDef } from '../../../streams/contracts';
import { createGateContext, DEFAULT_GATING, type GatingConfig } from '../../../streams/gating/gatingConfig';
import { emptyHubMemory, foldHubMemory } from '../../../streams/log/hubMemory';
import { createGateway } from '../../../streams/gateway';
import type { TriggerReport } from '../../../src/hub';
import { NotStoredError } from '../../../src/eventLog/eventLog';
import { createIngress, type Ingress, type IngressDeps } from '../../../src/runtime/ingress';
import { createUnstoredAnswer } from '../../../src/runtime/unstoredAnswer';

const TRIGGERS = new Map<string, TriggerDef>([
  ['Stage.Mode', { name: 'Stage.Mode', type: 'Discrete', category: 'stage', values: ['intro', 'finale'] }],
  ['Flame.Intensity', { name: 'Flame.Intensity', type: 'Continuous', category: 'fx', min: 0, max: 100 }],
]);

const WALL0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const report = (name: string, value: unknown, source: TriggerReport['source'] = 'HTTP', id: number | null = null): TriggerReport => ({
  source,
  kind: 'event',
  name,
  value,
  id,
});

/** A promise's state once the microtasks queued so far have run. */
async function stateOf(p: Promise<unknown>): Promise<string> {
  let state = 'pending';
  void p.then(() => (state = 'settled'));
  await new Promise<void>((resolve) => setImmediate(resolve));
  return state;
}

/** A commit that settles when the test says, one call at a time. */
function heldCommit() {
  const held: Array<{ seq: number; resolve(): void; reject(err: Error): void }> = [];
  const commit = (accepted: Accepted) => new Promise<void>((resolve, reject) => held.push({ seq: accepted.event.seq, resolve, reject }));
  return { held, commit };
}

/** What a decision says, in one comparable line. */
const said = (d: Decision) => (d.accepted ? `accepted ${d.event.name}=${String(d.event.value)} seq ${d.event.seq}` : `rejected ${d.reason}`);

describe('runtime/ingress', () => {
  let scheduler: VirtualTimeScheduler;
  let ingress: Ingress;

  const build = (
    options: {
      maxPending?: number;
      disabled?: string[];
      commit?: IngressDeps['commit'];
      gating?: Partial<GatingConfig>;
      /** Inputs whose write(2) is done at once (the hub's memory has them), their commit then waiting for an fsync; others are in memory once committed. */
      writtenAtOnce?: (accepted: Accepted) => boolean;
    } = {},
  ) => {
    const gating = { ...DEFAULT_GATING, minIntervalMs: 100, ...options.gating };
    const wallMs = () => WALL0 + scheduler.now();
    const gateway = createGateway({ triggers: TRIGGERS, gating, scheduler, utcNow: () => new Date(wallMs()).toISOString() });
    // What the log stored, as the runtime's memory holds it: the gateway is set back to it for an input not stored.
    const rules = createGateContext(gating);
    const memory = emptyHubMemory();
    const commit = options.commit ?? (() => Promise.resolve());
    return createIngress({
      gateway,
      scheduler,
      maxPending: options.maxPending ?? 10,
      isSourceEnabled: (source) => !(options.disabled ?? []).includes(source),
      commit: (accepted) => {
        if (options.writtenAtOnce?.(accepted)) {
          foldHubMemory(memory, accepted.event, rules);
          return commit(accepted);
        }
        return commit(accepted).then(() => void foldHubMemory(memory, accepted.event, rules));
      },
      notStored: createUnstoredAnswer({ gateway, memory, rules, now: () => scheduler.now(), wallMs }),
    });
  };

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
    ingress = build();
  });
  afterEach(() => ingress.close());

  it('answers each input with its own decision, in order, and parks nothing it decided at once', async () => {
    const answers = [ingress.report(report('Stage.Mode', 'intro')), ingress.report(report('Nope.Nope', 1)), ingress.report(report('Stage.Mode', 'finale'))];
    expect(ingress.pending()).to.equal(0);
    expect((await Promise.all(answers)).map(said)).to.deep.equal(['accepted Stage.Mode=intro seq 1', 'rejected unknown_trigger', 'rejected min_interval']);
  });

  it('answers a throttled Continuous value when its window releases it, and a replaced one at once', async () => {
    const first = ingress.report(report('Flame.Intensity', 10));
    const replaced = ingress.report(report('Flame.Intensity', 20));
    const newest = ingress.report(report('Flame.Intensity', 30));
    const settled: string[] = [];
    for (const [name, p] of [
      ['first', first],
      ['replaced', replaced],
      ['newest', newest],
    ] as const)
      void p.then((d) => settled.push(`${name}: ${said(d)}`));
    // Answers settle once the log has stored them (here at once): the microtasks run, no virtual time passes.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // The window's first value goes at once; of the ones after it only the newest waits for its end.
    expect(settled).to.deep.equal(['first: accepted Flame.Intensity=10 seq 1', 'replaced: rejected superseded']);
    expect(ingress.pending()).to.equal(1);
    scheduler.flush();
    await newest;
    expect(settled[2]).to.equal('newest: accepted Flame.Intensity=30 seq 2');
    expect(ingress.pending()).to.equal(0);
  });

  it('answers an input reported from inside another decision with its own decision', async () => {
    const inner: Array<Promise<Decision>> = [];
    const sub = ingress.decisions$.subscribe((d) => {
      if (d.accepted && d.event.value === 'intro') inner.push(ingress.report(report('Nope.Nope', 1, 'WEB')));
    });
    const outer = await ingress.report(report('Stage.Mode', 'intro'));
    sub.unsubscribe();
    expect(said(outer)).to.equal('accepted Stage.Mode=intro seq 1');
    expect(said(await inner[0])).to.equal('rejected unknown_trigger');
  });

  it('tells a decisions$ subscriber added while a decision is answered only the decisions after it', async () => {
    const late: string[] = [];
    let lateSub: Subscription | undefined;
    const answers = ingress.answers$.subscribe(() => {
      lateSub ??= ingress.decisions$.subscribe((d) => late.push(said(d)));
    });
    expect(said(await ingress.report(report('Nope.Nope', 1)))).to.equal('rejected unknown_trigger');
    await ingress.report(report('Stage.Mode', 'intro'));
    answers.unsubscribe();
    lateSub?.unsubscribe();
    expect(late).to.deep.equal(['accepted Stage.Mode=intro seq 1']);
  });

  it('answers an accepted input once the log has stored it, in decision order, and a rejection at once', async () => {
    ingress.close();
    const log = heldCommit();
    ingress = build({ commit: log.commit });
    const first = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 1));
    const second = ingress.report(report('Flame.Intensity', 10));
    const rejected = ingress.report(report('Nope.Nope', 1));
    expect(said(await rejected), 'while the accepted ones wait').to.equal('rejected unknown_trigger');
    expect(log.held.map((c) => c.seq)).to.deep.equal([1, 2]);
    expect(await stateOf(first)).to.equal('pending');
    log.held[1].resolve();
    expect(said(await second)).to.equal('accepted Flame.Intensity=10 seq 2');
    expect(await stateOf(first)).to.equal('pending');
    log.held[0].resolve();
    expect(said(await first)).to.equal('accepted Stage.Mode=intro seq 1');
  });

  it('answers not_durable when the log wrote an input but its fsync failed, and keeps it: its retry (same id) is duplicate, its seq stays used', async () => {
    ingress.close();
    const log = heldCommit();
    ingress = build({ commit: log.commit });
    const written = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5));
    log.held[0].reject(new NotStoredError(new Error('EIO: i/o error, fdatasync'), true));
    expect(await written).to.deep.include({
      accepted: false,
      reason: 'not_durable',
      message:
        'The disk did not confirm event 1 (EIO: i/o error, fdatasync): it is in the event log and was sent on, but a power cut may lose it; do not resend it',
    });
    expect(said(await ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5)))).to.equal('rejected duplicate');
    scheduler.schedule(() => undefined, 100);
    scheduler.flush();
    const next = ingress.report(report('Stage.Mode', 'finale', 'HTTP', 6));
    log.held[1].resolve();
    expect(said(await next)).to.equal('accepted Stage.Mode=finale seq 2');
  });

  it('answers not_stored when the log cannot store an input, and then accepts its retry (same id), not duplicate', async () => {
    ingress.close();
    const log = heldCommit();
    ingress = build({ commit: log.commit });
    const lost = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5));
    log.held[0].reject(new NotStoredError(new Error('ENOSPC: no space left on device')));
    const answer = await lost;
    expect(answer).to.deep.include({
      accepted: false,
      reason: 'not_stored',
      message: 'The event log could not store the event (ENOSPC: no space left on device); nothing was accepted, retry shortly',
    });
    const retry = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5));
    expect(await stateOf(retry)).to.equal('pending');
    expect(log.held).to.have.length(2);
    log.held[1].resolve();
    // Its seq was given back (the log kept nothing of it): the log stays gapless.
    expect(said(await retry)).to.equal('accepted Stage.Mode=intro seq 1');
    scheduler.schedule(() => undefined, 100);
    scheduler.flush();
    expect(said(await ingress.report(report('Stage.Mode', 'finale', 'HTTP', 5))), 'once stored').to.equal('rejected duplicate');
  });

  it('answers a retry of an input still being stored (duplicate) only once it is stored, and not_stored with it when it is not', async () => {
    ingress.close();
    const log = heldCommit();
    ingress = build({ commit: log.commit });
    // Stored: the retry's "already accepted" leaves after the original's write, not before.
    const original = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5));
    const retry = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5));
    expect(await stateOf(retry), 'while the original is written').to.equal('pending');
    log.held[0].resolve();
    expect([said(await original), said(await retry)]).to.deep.equal(['accepted Stage.Mode=intro seq 1', 'rejected duplicate']);

    // Not stored: the retry was judged against an id the log never got, so it is not "already accepted" either.
    scheduler.schedule(() => undefined, 100);
    scheduler.flush();
    const lost = ingress.report(report('Stage.Mode', 'finale', 'HTTP', 6));
    const lostRetry = ingress.report(report('Stage.Mode', 'finale', 'HTTP', 6));
    const older = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 3));
    expect(await stateOf(lostRetry)).to.equal('pending');
    expect(await stateOf(older), 'stale against an id being written').to.equal('pending');
    log.held[1].reject(new NotStoredError(new Error('ENOSPC: no space left on device')));
    const notStored = {
      accepted: false,
      reason: 'not_stored',
      message: 'The event log could not store the event (ENOSPC: no space left on device); nothing was accepted, retry shortly',
    };
    expect(await lost).to.deep.include(notStored);
    expect(await lostRetry).to.deep.include(notStored);
    expect(await older).to.deep.include(notStored);
    // Its next retry is judged against what the log holds: accepted.
    const again = ingress.report(report('Stage.Mode', 'finale', 'HTTP', 6));
    log.held[2].resolve();
    expect(said(await again)).to.equal('accepted Stage.Mode=finale seq 2');
    // Once stored, a retry is answered at once.
    scheduler.schedule(() => undefined, 100);
    scheduler.flush();
    expect(said(await ingress.report(report('Stage.Mode', 'finale', 'HTTP', 6)))).to.equal('rejected duplicate');
    expect(log.held).to.have.length(3);
  });

  it('answers a retry of an input written but not confirmed by the disk (not_durable) as duplicate: the log keeps the original', async () => {
    ingress.close();
    const log = heldCommit();
    ingress = build({ commit: log.commit });
    const written = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5));
    const retry = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5));
    expect(await stateOf(retry)).to.equal('pending');
    log.held[0].reject(new NotStoredError(new Error('EIO: i/o error, fdatasync'), true));
    expect(await written).to.deep.include({ reason: 'not_durable' });
    expect(said(await retry)).to.equal('rejected duplicate');
  });

  it('with two writes of one trigger under way, a retry waits for its own id, not for the newest write', async () => {
    ingress.close();
    const log = heldCommit();
    // fsync always: id 5 is written and waits for its fsync; id 6, after it, fails in write(2) and settles first.
    ingress = build({ commit: log.commit, writtenAtOnce: (accepted) => accepted.event.id === 5 });
    const written = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5));
    scheduler.schedule(() => undefined, 100);
    scheduler.flush();
    const lost = ingress.report(report('Stage.Mode', 'finale', 'HTTP', 6));
    log.held[1].reject(new NotStoredError(new Error('ENOSPC: no space left on device')));
    expect(await lost).to.deep.include({ reason: 'not_stored' });
    scheduler.schedule(() => undefined, 100);
    scheduler.flush();
    // The gate is back at id 5 (the log wrote it): the retry is a duplicate of a write still under way.
    const retry = ingress.report(report('Stage.Mode', 'intro', 'HTTP', 5));
    expect(await stateOf(retry), 'while the write of 5 waits for its fsync').to.equal('pending');
    log.held[0].resolve();
    expect([said(await written), said(await retry)]).to.deep.equal(['accepted Stage.Mode=intro seq 1', 'rejected duplicate']);
  });

  it('rejects past maxPending as overflow, a disabled source at once, and answers what waits on close', async () => {
    ingress.close();
    ingress = build({ maxPending: 1, disabled: ['TCP'] });
    void ingress.report(report('Flame.Intensity', 10)); // accepted at once, opening the window
    const waiting = ingress.report(report('Flame.Intensity', 20));
    expect(said(await ingress.report(report('Stage.Mode', 'intro')))).to.equal('rejected overflow');
    expect(said(await ingress.report(report('Stage.Mode', 'intro', 'TCP')))).to.equal('rejected source_disabled');
    ingress.close();
    expect(said(await waiting)).to.equal('rejected overflow');
  });
});
