import { filter, map, share, Subject, type Observable } from 'rxjs';
import { join } from 'node:path';
import { createCache$ } from '../../../streams/cache';
import type { Decision, RawTrigger, TriggerEvent } from '../../../streams/contracts';
import { createGateway } from '../../../streams/gateway';
import { loadTriggerConfig } from '../../../src/config/loadConfig';
import { CONFIG_DIR } from '../../../src/config/repositoryPaths';
import { createIngress } from '../../../src/runtime/ingress';
import { monotonicScheduler } from '../../../src/runtime/monotonicScheduler';
import type { TriggerReport } from '../../../src/hub';
import { runMain, serveRpc } from '../harness/rpc';

/** The ingress alone: every acceptance counts as stored at once (the log's cost is measured with the hub). */
const STORED = { commit: () => Promise.resolve(), notStored: () => ({ reason: 'not_stored', message: 'never: every commit succeeds' }) as const };

/**
 * Benchmark 6: the gateway and the cache alone, no I/O. Inputs cycle over four triggers of the
 * example catalog (On/Off, Discrete, Continuous, a number Discrete) with increasing ids, so every
 * one is validated, gated, sequenced and cached.
 */
const { triggers } = loadTriggerConfig(join(CONFIG_DIR, 'trigger_config.json'));
const INPUTS: Array<Omit<TriggerReport, 'id'>> = [
  { source: 'HTTP', kind: 'event', name: 'RedTelephone.Button_1', value: 'On' },
  { source: 'HTTP', kind: 'event', name: 'Stage.Mode', value: 'intro' },
  { source: 'TCP', kind: 'event', name: 'Flame.Intensity', value: 42 },
  { source: 'HTTP', kind: 'status', name: 'Dial.Number', value: 7 },
];

function build() {
  const gateway = createGateway({ triggers, scheduler: monotonicScheduler, utcNow: () => new Date().toISOString() });
  return gateway;
}

/** Wires the cache and a decision counter the way the runtime does. */
function watch(decisions$: Observable<Decision>): { count: () => number; accepted: () => number } {
  let n = 0;
  let accepted = 0;
  const accepted$ = decisions$.pipe(
    filter((d) => d.accepted),
    map((d) => (d as { event: TriggerEvent }).event),
    share(),
  );
  createCache$(accepted$, {}).subscribe();
  decisions$.subscribe((d) => {
    n++;
    if (d.accepted) accepted++;
  });
  return { count: () => n, accepted: () => accepted };
}

/** Pushes inputs straight into the gateway for `ms`; decisions per second. */
function gatewayOnly(ms: number): { rate: number; decisions: number; accepted: number } {
  const input$ = new Subject<RawTrigger>();
  const decisions$ = build()(input$).pipe(share());
  const counter = watch(decisions$);
  let ticket = 0;
  let id = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) {
      const base = INPUTS[i & 3];
      input$.next({ ...base, id: ++id, ticket: ++ticket, receivedAt: now });
    }
    now = performance.now();
  }
  input$.complete();
  return { rate: counter.count() / ((now - start) / 1000), decisions: counter.count(), accepted: counter.accepted() };
}

/** The same through the ingress: one promise per input, as every source awaits its decision. */
async function throughIngress(ms: number): Promise<{ rate: number; decisions: number; accepted: number }> {
  const gateway = build();
  const ingress = createIngress({ gateway, scheduler: monotonicScheduler, maxPending: 100_000, isSourceEnabled: () => true, ...STORED });
  const counter = watch(ingress.decisions$);
  let id = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    const batch: Array<Promise<Decision>> = [];
    for (let i = 0; i < 1000; i++) batch.push(ingress.report({ ...INPUTS[i & 3], id: ++id }));
    await Promise.all(batch);
    now = performance.now();
  }
  ingress.close();
  return { rate: counter.count() / ((now - start) / 1000), decisions: counter.count(), accepted: counter.accepted() };
}

runMain(async () => {
  serveRpc(
    {
      gateway: ({ ms }: { ms: number }) => gatewayOnly(ms),
      ingress: ({ ms }: { ms: number }) => throughIngress(ms),
    },
    {},
  );
});
