import { profileArgs, startBenchHub, type BenchHub } from '../harness/benchHub';
import type { Suite } from '../harness/context';
import { coreUsage } from '../harness/cpu';
import { spawnScript } from '../harness/proc';
import type { Row } from '../harness/report';
import { hubVariants, type HubVariant } from '../harness/hubVariants';
import { abOrder, median, ratioNote } from '../harness/stats';

interface LinesRun {
  readonly rate: number;
  readonly answered: number;
  readonly errors: number;
}

type Run = LinesRun & { cores: number[] };

const rates = (runs: readonly Run[]) => runs.map((r) => r.rate);

/** Connection counts, and how many lines each may have in flight (100 × 64 stays under the gateway's queue bound). */
const SHAPES = [
  { connections: 1, window: 4096, target: 250_000 },
  { connections: 100, window: 64, target: undefined },
] as const;

/**
 * Benchmark 5: the TCP text source, JSON lines pipelined by devices and answered `OK <seq>` in
 * order, over 1 and over 100 connections, against a bare `net` server that splits lines and
 * `JSON.parse`s them. The hub runs with nothing attached, so this is the source, the gateway and
 * the event log (in a temporary data folder at fsync `everysec`, the target rows; `5a-always`,
 * `5b-always` at `always`; `-base` the `--baseline` build's; see hubVariants).
 */
export const tcpSourceSuite: Suite = {
  id: '5',
  title: 'TCP text source: lines accepted and answered, vs a bare net server',
  async run(ctx) {
    const bare = spawnScript('servers/bareNet', { core: ctx.pinning.serverCore, pinning: ctx.pinning, nodeArgs: profileArgs(ctx) });
    const load = spawnScript('loads/tcpLines', { core: ctx.pinning.loadCore, pinning: ctx.pinning });
    const hubs: BenchHub[] = [];
    try {
      const sides: Array<{ variant: HubVariant; port: number }> = [];
      for (const variant of hubVariants(ctx)) {
        const { suffix, config, root } = variant;
        const hub = await startBenchHub(ctx, { name: `tcp${suffix}`, services: 0, wsClients: 0, config, root });
        hubs.push(hub);
        if (hub.tcpPort === null) throw new Error(`the ${variant.label} hub has no TCP source`);
        sides.push({ variant, port: hub.tcpPort });
      }
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
          // In ABBA order: no hub always runs right after the bare reference.
          for (const side of abOrder(sides, r)) runsOf.get(side)!.push(await lines(side.port, ctx.seconds));
          const shown = sides.map((side) => {
            const run = runsOf.get(side)![r];
            return `${side.variant.label} ${Math.round(run.rate)}/s (cores ${run.cores.join(', ')}; ${run.errors} ERR)`;
          });
          ctx.log(
            `  ${shape.connections} conn run ${r + 1}: bare ${Math.round(bareRuns[r].rate)}/s (cores ${bareRuns[r].cores.join(', ')}), ${shown.join(', ')}`,
          );
        }
        const row = ({ variant }: (typeof sides)[number], hubRuns: Run[]): Row => {
          const { suffix, targeted, versus: by } = variant;
          const havenRate = median(rates(hubRuns));
          const errors = hubRuns.reduce((n, r) => n + r.errors, 0);
          const other = by && sides.find((s) => s.variant.suffix === by.suffix);
          const versus = other ? [ratioNote(by.label, rates(hubRuns), rates(runsOf.get(other)!))] : [];
          const target = targeted ? shape.target : undefined;
          return {
            id: `5${String.fromCharCode(97 + i)}${suffix}`,
            what: `TCP source, JSON lines over ${shape.connections} connection${shape.connections > 1 ? 's' : ''}: answered/s${variant.what}`,
            haven: { median: havenRate, runs: rates(hubRuns), unit: '/s' },
            reference: { name: 'bare net + JSON.parse', median: median(rates(bareRuns)), runs: rates(bareRuns), unit: '/s' },
            ratio: median(hubRuns.map((h, k) => h.rate / bareRuns[k].rate)),
            ratioMeaning: 'Haven ÷ bare, median of the per-pair ratios',
            target: target ? `≥ ${target.toLocaleString('en-US')}/s` : 'reported',
            met: target ? havenRate >= target && errors === 0 : null,
            note: [`${shape.window} lines in flight per connection`, ...(errors ? [`${errors} answers were ERR`] : []), ...versus, variant.log].join('; '),
            detail: { bare: bareRuns, haven: hubRuns },
          };
        };
        for (const side of sides) rows.push(row(side, runsOf.get(side)!));
      }
      return rows;
    } finally {
      await load.stop();
      for (const hub of hubs) await hub.stop();
      await bare.stop();
    }
  },
};
