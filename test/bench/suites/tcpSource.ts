import { startBenchHub } from '../harness/benchHub';
import type { Suite } from '../harness/context';
import { coreUsage } from '../harness/cpu';
import { spawnScript } from '../harness/proc';
import type { Row } from '../harness/report';
import { abNote, abOrder, median } from '../harness/stats';

interface LinesRun {
  readonly rate: number;
  readonly answered: number;
  readonly errors: number;
}

type Run = LinesRun & { cores: number[] };

/** Connection counts, and how many lines each may have in flight (100 × 64 stays under the gateway's queue bound). */
const SHAPES = [
  { connections: 1, window: 4096, target: 250_000 },
  { connections: 100, window: 64, target: undefined },
] as const;

/**
 * Benchmark 5: the TCP text source, JSON lines pipelined by devices and answered `OK <seq>` in
 * order, over 1 and over 100 connections, against a bare `net` server that splits lines and
 * `JSON.parse`s them. The hub runs with nothing attached, so this is the source and the gateway.
 */
export const tcpSourceSuite: Suite = {
  id: '5',
  title: 'TCP text source: lines accepted and answered, vs a bare net server',
  async run(ctx) {
    const hub = await startBenchHub(ctx, { name: 'tcp', services: 0, wsClients: 0 });
    const baseline = ctx.baseline ? await startBenchHub(ctx, { name: 'tcp-baseline', services: 0, wsClients: 0, root: ctx.baseline }) : null;
    const bare = spawnScript('servers/bareNet', { core: ctx.pinning.serverCore, pinning: ctx.pinning });
    const load = spawnScript('loads/tcpLines', { core: ctx.pinning.loadCore, pinning: ctx.pinning });
    try {
      const sides = [hub, ...(baseline ? [baseline] : [])].map((h) => {
        if (h.tcpPort === null) throw new Error('the hub has no TCP source');
        return { port: h.tcpPort, label: h === hub ? 'Haven' : 'baseline' };
      });
      const barePort = (await bare.ready).tcpPort as number;
      await load.ready;
      const rows: Row[] = [];
      for (const [i, shape] of SHAPES.entries()) {
        const lines = async (port: number, seconds: number) => {
          const usage = coreUsage();
          const r = await load.call<LinesRun>('run', { port, connections: shape.connections, window: shape.window, seconds }, (seconds + 60) * 1000);
          return { ...r, cores: usage() };
        };
        await lines(barePort, 1);
        for (const side of sides) await lines(side.port, 1);
        const bareRuns: Run[] = [];
        const runsOf = new Map(sides.map((side) => [side, [] as Run[]]));
        for (let r = 0; r < ctx.runs; r++) {
          bareRuns.push(await lines(barePort, ctx.seconds));
          // A/B in ABBA order: neither build always runs right after the bare reference.
          for (const side of abOrder(sides, r)) runsOf.get(side)!.push(await lines(side.port, ctx.seconds));
          const shown = sides.map((side) => {
            const run = runsOf.get(side)![r];
            return `${side.label} ${Math.round(run.rate)}/s (cores ${run.cores.join(', ')}; ${run.errors} ERR)`;
          });
          ctx.log(
            `  ${shape.connections} conn run ${r + 1}: bare ${Math.round(bareRuns[r].rate)}/s (cores ${bareRuns[r].cores.join(', ')}), ${shown.join(', ')}`,
          );
        }
        const [a, b] = sides.map((side) => runsOf.get(side)!);
        const row = (hubRuns: Run[], suffix: string, other?: Run[]): Row => {
          const havenRate = median(hubRuns.map((r) => r.rate));
          const errors = hubRuns.reduce((n, r) => n + r.errors, 0);
          const ab = other
            ? `; ${abNote(
                hubRuns.map((r) => r.rate),
                other.map((r) => r.rate),
              )}`
            : '';
          return {
            id: `5${String.fromCharCode(97 + i)}${suffix}`,
            what: `TCP source, JSON lines over ${shape.connections} connection${shape.connections > 1 ? 's' : ''}: answered/s${suffix ? ' (baseline build)' : ''}`,
            haven: { median: havenRate, runs: hubRuns.map((r) => r.rate), unit: '/s' },
            reference: { name: 'bare net + JSON.parse', median: median(bareRuns.map((r) => r.rate)), runs: bareRuns.map((r) => r.rate), unit: '/s' },
            ratio: median(hubRuns.map((h, k) => h.rate / bareRuns[k].rate)),
            ratioMeaning: 'Haven ÷ bare, median of the per-pair ratios',
            target: shape.target ? `≥ ${shape.target.toLocaleString('en-US')}/s` : 'reported',
            met: shape.target ? havenRate >= shape.target && errors === 0 : null,
            note: `${shape.window} lines in flight per connection${errors ? `; ${errors} answers were ERR` : ''}${ab}`,
            detail: { bare: bareRuns, haven: hubRuns },
          };
        };
        rows.push(row(a, '', b), ...(b ? [row(b, '-base')] : []));
      }
      return rows;
    } finally {
      await load.stop();
      await hub.stop();
      await baseline?.stop();
      await bare.stop();
    }
  },
};
