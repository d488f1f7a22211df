import { startBenchHub } from '../harness/benchHub';
import type { BenchContext, Suite } from '../harness/context';
import { createClientToken } from '../harness/hubApi';
import { FD_MARGIN, spawnScript, type BenchProcess } from '../harness/proc';
import { median } from '../harness/stats';

const CLIENTS = 10_000;
const PROCESSES = 2;

type Memory = { rss: number; heapUsed: number; external: number };

interface MemoryRun {
  readonly perClientRss: number;
  readonly perClientHeap: number;
  readonly clients: number;
}

/**
 * Connects CLIENTS idle clients to `server` in two halves and reads its memory (after full GCs)
 * after each: the cost per client is the slope between the readings, so what any server pays
 * once for its first connections (heap growing from its start size) is not counted.
 */
async function measureOnce(ctx: BenchContext, server: BenchProcess, connect: Record<string, unknown>): Promise<MemoryRun> {
  const loads = Array.from({ length: PROCESSES }, () =>
    spawnScript('loads/fanoutClients', { core: ctx.pinning.loadCore, pinning: ctx.pinning, fds: CLIENTS / PROCESSES + FD_MARGIN }),
  );
  const half = async () => {
    await Promise.all(loads.map((l) => l.call<number>('connect', { ...connect, count: CLIENTS / PROCESSES / 2 }, 300_000)));
    // Let the handshakes' garbage and buffers settle before reading.
    await new Promise((r) => setTimeout(r, 500));
    return server.call<Memory>('memory');
  };
  try {
    await Promise.all(loads.map((l) => l.ready));
    const first = await half();
    const second = await half();
    const clients = CLIENTS / 2;
    return { perClientRss: (second.rss - first.rss) / clients, perClientHeap: (second.heapUsed - first.heapUsed) / clients, clients: CLIENTS };
  } finally {
    for (const l of loads) await l.stop();
  }
}

/**
 * Benchmark 4: resident memory per idle WebSocket client, Haven (token-authenticated clients with
 * an area) against a bare `ws` server, 10,000 clients, a fresh server per run, each reading
 * after full GCs (servers run with --expose-gc).
 */
export const wsMemorySuite: Suite = {
  id: '4',
  title: `resident memory per idle WebSocket client (${CLIENTS.toLocaleString('en-US')} clients) vs a bare ws server`,
  async run(ctx) {
    const bareRuns: MemoryRun[] = [];
    const havenRuns: MemoryRun[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      const bare = spawnScript('servers/bareWs', { core: ctx.pinning.serverCore, pinning: ctx.pinning, nodeArgs: ['--expose-gc'], fds: CLIENTS + FD_MARGIN });
      try {
        const { httpPort } = await bare.ready;
        bareRuns.push(await measureOnce(ctx, bare, { kind: 'ws', port: httpPort, path: '/' }));
      } finally {
        await bare.stop();
      }
      const hub = await startBenchHub(ctx, { name: `memory-${r}`, services: 0, wsClients: 0, fds: CLIENTS + FD_MARGIN });
      try {
        const token = await createClientToken(hub.base);
        havenRuns.push(await measureOnce(ctx, hub.hub, { kind: 'haven', port: hub.httpPort, path: '/ws', token }));
      } finally {
        await hub.stop();
      }
      ctx.log(
        `  run ${r + 1}: bare ws ${(bareRuns[r].perClientRss / 1024).toFixed(1)} KB/client, Haven ${(havenRuns[r].perClientRss / 1024).toFixed(1)} KB/client (heap ${(havenRuns[r].perClientHeap / 1024).toFixed(1)} KB)`,
      );
    }
    const kb = (runs: MemoryRun[]) => runs.map((r) => r.perClientRss / 1024);
    const haven = median(kb(havenRuns));
    return [
      {
        id: '4',
        what: `resident memory per idle WebSocket client (${CLIENTS.toLocaleString('en-US')} clients)`,
        haven: { median: haven, runs: kb(havenRuns), unit: 'KB' },
        reference: { name: 'bare ws', median: median(kb(bareRuns)), runs: kb(bareRuns), unit: 'KB' },
        ratio: median(havenRuns.map((h, i) => h.perClientRss / bareRuns[i].perClientRss)),
        ratioMeaning: 'Haven ÷ bare ws, median of the per-run ratios',
        target: '≤ 12 KB per client',
        met: haven <= 12,
        note: `resident set after full GCs at ${(CLIENTS / 2).toLocaleString('en-US')} and at ${CLIENTS.toLocaleString('en-US')} clients, the difference ÷ ${(CLIENTS / 2).toLocaleString('en-US')}; a fresh server per run; Haven heap ${(median(havenRuns.map((r) => r.perClientHeap)) / 1024).toFixed(1)} KB/client, bare ws heap ${(median(bareRuns.map((r) => r.perClientHeap)) / 1024).toFixed(1)} KB/client`,
        detail: { bare: bareRuns, haven: havenRuns },
      },
    ];
  },
};
