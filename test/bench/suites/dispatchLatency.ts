import { startBenchHub } from '../harness/benchHub';
import type { Suite } from '../harness/context';
import { coreUsage } from '../harness/cpu';
import { formatNumber, type Row } from '../harness/report';
import { medianPercentiles, type Percentiles } from '../harness/stats';

const RATES = [1000, 5000];
const SERVICES = 2;
const WS_CLIENTS = 100;

interface PacedRun {
  readonly sent: number;
  readonly answered: number;
  readonly failed: number;
  readonly statuses: Record<string, number>;
  readonly lines: number;
  readonly expectedLines: number;
  readonly latency: Percentiles;
}

const ms = (v: number) => `${formatNumber(v)}`;

/**
 * Benchmark 2: from a POST leaving the client to its line arriving at a TCP service, at fixed
 * rates (open loop), with the same surroundings as benchmark 1. The sender and both services
 * live in one load process and share its clock: each event's value is its send time, so every
 * line carries its own latency. Percentiles are per run; the table shows their medians.
 */
export const dispatchLatencySuite: Suite = {
  id: '2',
  title: 'POST → line at a TCP service, at fixed rates',
  async run(ctx) {
    const hub = await startBenchHub(ctx, { name: 'latency', services: SERVICES, wsClients: WS_CLIENTS });
    const rows: Row[] = [];
    try {
      for (const [i, rate] of RATES.entries()) {
        // Warm-up at this rate: the first seconds at a new rate still run code the JIT has not settled.
        await hub.clients.call('paced', { port: hub.httpPort, rate, seconds: 2 });
        const runs: Array<PacedRun & { cores: number[] }> = [];
        for (let r = 0; r < ctx.runs; r++) {
          const usage = coreUsage();
          const run = await hub.clients.call<PacedRun>('paced', { port: hub.httpPort, rate, seconds: ctx.seconds }, (ctx.seconds + 30) * 1000);
          runs.push({ ...run, cores: usage() });
          const l = run.latency;
          ctx.log(
            `  ${rate}/s run ${r + 1}: p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms, p99.9 ${ms(l.p999)} ms, max ${ms(l.max)} ms; ${run.lines}/${run.expectedLines} lines; cores busy ${runs[r].cores.join(', ')}`,
          );
        }
        const p = medianPercentiles(runs.map((r) => r.latency));
        const lost = runs.reduce((n, r) => n + r.expectedLines - r.lines, 0);
        const non200 = runs.reduce((n, r) => n + r.failed + Object.entries(r.statuses).reduce((m, [code, c]) => m + (code === '200' ? 0 : c), 0), 0);
        const target = rate === 1000 ? 'p99 < 2 ms' : 'reported';
        rows.push({
          id: `2${String.fromCharCode(97 + i)}`,
          what: `POST → TCP service line at ${rate.toLocaleString('en-US')}/s: p50 / p99 / p99.9`,
          haven: { median: p.p99, runs: runs.map((r) => r.latency.p99), unit: 'ms', display: `${ms(p.p50)} / ${ms(p.p99)} / ${ms(p.p999)} ms` },
          target,
          met: rate === 1000 ? p.p99 < 2 && lost === 0 && non200 === 0 : null,
          note: [
            `${SERVICES} TCP_SOCKET services, ${hub.sinks ? WS_CLIENTS : 0} WebSocket clients attached; median max ${ms(p.max)} ms`,
            ...(lost > 0 ? [`${lost} lines never arrived`] : []),
            ...(non200 > 0 ? [`${non200} POSTs were not answered 200`] : []),
          ].join('; '),
          detail: { rate, percentiles: p, runs },
        });
      }
      return rows;
    } finally {
      await hub.stop();
    }
  },
};
