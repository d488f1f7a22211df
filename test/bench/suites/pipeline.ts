import type { Suite } from '../harness/context';
import { spawnScript } from '../harness/proc';
import { median } from '../harness/stats';

interface PipelineRun {
  readonly rate: number;
  readonly decisions: number;
  readonly accepted: number;
}

/** Benchmark 6: decisions per second of the gateway and the cache in one pinned process, no I/O. */
export const pipelineSuite: Suite = {
  id: '6',
  title: 'gateway pipeline and cache, no I/O',
  async run(ctx) {
    const proc = spawnScript('loads/pipeline', { core: ctx.pinning.serverCore, pinning: ctx.pinning });
    try {
      await proc.ready;
      const ms = ctx.seconds * 1000;
      // Warm-up: the JIT settles before the measured runs.
      await proc.call('gateway', { ms: 500 });
      await proc.call('ingress', { ms: 500 });
      const gateway: PipelineRun[] = [];
      const ingress: PipelineRun[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        gateway.push(await proc.call<PipelineRun>('gateway', { ms }));
        ingress.push(await proc.call<PipelineRun>('ingress', { ms }));
        ctx.log(`  run ${i + 1}: gateway ${Math.round(gateway[i].rate)}/s, through the ingress ${Math.round(ingress[i].rate)}/s`);
      }
      const rejected = [...gateway, ...ingress].reduce((n, r) => n + r.decisions - r.accepted, 0);
      const note = rejected > 0 ? `${rejected} inputs were rejected: the figures are not all acceptances` : undefined;
      return [
        {
          id: '6a',
          what: 'gateway + cache: decisions/s (Subject in, no promises)',
          haven: { median: median(gateway.map((r) => r.rate)), runs: gateway.map((r) => r.rate), unit: '/s' },
          target: 'reported',
          met: null,
          note,
        },
        {
          id: '6b',
          what: 'ingress + gateway + cache: decisions/s (one promise per input, as sources await)',
          haven: { median: median(ingress.map((r) => r.rate)), runs: ingress.map((r) => r.rate), unit: '/s' },
          target: 'reported',
          met: null,
          note,
        },
      ];
    } finally {
      await proc.stop();
    }
  },
};
