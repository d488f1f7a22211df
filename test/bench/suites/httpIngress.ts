import { startBenchHub } from '../harness/benchHub';
import type { Suite } from '../harness/context';
import { coreUsage } from '../harness/cpu';
import { runHttpLoad, type HttpLoadResult } from '../harness/httpLoad';
import { spawnScript } from '../harness/proc';
import { median } from '../harness/stats';

const CONNECTIONS = 64;
const SERVICES = 2;
const WS_CLIENTS = 100;
/** An accepted event every time: a Discrete value without an id (ids would have to increase across 64 connections). */
const BODY = '{"name":"Stage.Mode","value":"intro"}';

/**
 * Benchmark 1: `POST /api/trigger-event` requests per second, keep-alive, 64 connections, with
 * two TCP_SOCKET services registered and 100 WebSocket clients attached, against a bare
 * `node:http` server that reads the body, parses it and answers JSON. The two servers take turns
 * on the server core; the ratio is taken per pair, and its median reported.
 */
export const httpIngressSuite: Suite = {
  id: '1',
  title: `POST /api/trigger-event, ${CONNECTIONS} keep-alive connections, vs bare node:http`,
  async run(ctx) {
    const bare = spawnScript('servers/bareHttp', { core: ctx.pinning.serverCore, pinning: ctx.pinning });
    const hub = await startBenchHub(ctx, { name: 'ingress', services: SERVICES, wsClients: WS_CLIENTS });
    try {
      const bareUrl = `http://127.0.0.1:${(await bare.ready).httpPort}/api/trigger-event`;
      const hubUrl = `${hub.base}/api/trigger-event`;
      const load = async (url: string, seconds: number) => {
        const usage = coreUsage();
        const result = await runHttpLoad({ url, body: BODY, connections: CONNECTIONS, seconds }, ctx);
        return { ...result, cores: usage() };
      };
      await load(bareUrl, 1);
      await load(hubUrl, 1);
      const bareRuns: Array<HttpLoadResult & { cores: number[] }> = [];
      const hubRuns: Array<HttpLoadResult & { cores: number[] }> = [];
      for (let i = 0; i < ctx.runs; i++) {
        bareRuns.push(await load(bareUrl, ctx.seconds));
        hubRuns.push(await load(hubUrl, ctx.seconds));
        ctx.log(`  run ${i + 1}: bare ${Math.round(bareRuns[i].rps)}/s (cores busy ${bareRuns[i].cores.join(', ')}), Haven ${Math.round(hubRuns[i].rps)}/s (cores busy ${hubRuns[i].cores.join(', ')}; ${hubRuns[i].non2xx} non-2xx)`);
      }
      const counts = await hub.clients.call<{ lines: number[] }>('counts');
      const sinkCounts = hub.sinks ? await hub.sinks.call<{ wsClients: number; wsFrames: number }>('counts') : null;
      const ratios = hubRuns.map((h, i) => h.rps / bareRuns[i].rps);
      const ratio = median(ratios);
      const bad = hubRuns.reduce((n, r) => n + r.non2xx + r.errors, 0);
      const notes = [
        `load: ${hubRuns[0].tool}, ${CONNECTIONS} connections`,
        hub.sinks ? `${sinkCounts?.wsClients} WebSocket clients attached, ${sinkCounts?.wsFrames} frames received` : 'no WebSocket transport in this build: run without WebSocket clients',
        `services received ${counts.lines.join(' and ')} lines`,
        ...(bad > 0 ? [`${bad} Haven answers were not 2xx or failed`] : []),
      ];
      return [
        {
          id: '1',
          what: `POST /api/trigger-event req/s (${SERVICES} services, ${hub.sinks ? WS_CLIENTS : 0} WS clients)`,
          haven: { median: median(hubRuns.map((r) => r.rps)), runs: hubRuns.map((r) => r.rps), unit: 'req/s' },
          reference: { name: 'bare node:http', median: median(bareRuns.map((r) => r.rps)), runs: bareRuns.map((r) => r.rps), unit: 'req/s' },
          ratio,
          ratioMeaning: 'Haven ÷ bare, median of the per-pair ratios',
          target: '≥ 0.60× bare',
          met: ratio >= 0.6 && bad === 0,
          note: notes.join('; '),
          detail: { ratios, bare: bareRuns, haven: hubRuns, serviceLines: counts.lines, ws: sinkCounts },
        },
      ];
    } finally {
      await hub.stop();
      await bare.stop();
    }
  },
};
