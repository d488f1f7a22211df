import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import type { Decision, TriggerDef } from '../../../streams/contracts';
import { createGateway } from '../../../streams/gateway';
import type { TriggerReport } from '../../../src/hub';
import { createIngress, type Ingress } from '../../../src/runtime/ingress';

const TRIGGERS = new Map<string, TriggerDef>([
  ['Stage.Mode', { name: 'Stage.Mode', type: 'Discrete', category: 'stage', values: ['intro', 'finale'] }],
  ['Flame.Intensity', { name: 'Flame.Intensity', type: 'Continuous', category: 'fx', min: 0, max: 100 }],
]);

const report = (name: string, value: unknown, source: TriggerReport['source'] = 'HTTP'): TriggerReport => ({ source, kind: 'event', name, value, id: null });

/** What a decision says, in one comparable line. */
const said = (d: Decision) => (d.accepted ? `accepted ${d.event.name}=${String(d.event.value)} seq ${d.event.seq}` : `rejected ${d.reason}`);

describe('runtime/ingress', () => {
  let scheduler: VirtualTimeScheduler;
  let ingress: Ingress;

  const build = (options: { maxPending?: number; disabled?: string[] } = {}) =>
    createIngress({
      gateway: createGateway({ triggers: TRIGGERS, gating: { minIntervalMs: 100 }, scheduler, utcNow: () => '2026-11-23T12:00:00.000' }),
      scheduler,
      maxPending: options.maxPending ?? 10,
      isSourceEnabled: (source) => !(options.disabled ?? []).includes(source),
      commit: () => Promise.resolve(),
      notStored: () => undefined,
    });

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
