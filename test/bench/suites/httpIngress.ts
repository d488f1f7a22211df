import { startBenchHub } from '../harness/benchHub';
import type { Suite } from '../harness/context';
import { coreUsage } from '../harness/cpu';
import { runHttpLoad, type HttpLoadResult } from '../harness/httpLoad';
import { spawnScript } from '../harness/proc';
import type { Row } from '../harness/report';
import { median } from '../harness/stats';

const CONNECTIONS = 64;
const SERVICES = 2;
const WS_CLIENTS = 100;

/**
 * Accepted events every time (values without an id: ids would have to increase across 64
 * connections). The WebSocket clients' area holds `Stage.Mode`, not `Dial.Number`.
 */
const BODIES = {
  delivered: '{"name":"Stage.Mode","value":"intro"}',
  notInArea: '{"name":"Dial.Number","value":3}',
};

type Run = HttpLoadResult & { cores: number[] };

/**
 * Benchmark 1: `POST /api/trigger-event` requests per second, keep-alive, 64 connections, with
 * two TCP_SOCKET services registered and 100 WebSocket clients attached, against a bare
 * `node:http` server that reads the body, parses it and answers JSON. Two loads on the same hub:
 * events of a trigger in the clients' area (each POST also becomes 100 WebSocket messages) and
 * of a trigger outside it (the clients stay attached and receive nothing). The servers take
 * turns on the server core; ratios are taken per pair, and their medians reported.
 */
export const httpIngressSuite: Suite = {
  id: '1',
  title: `POST /api/trigger-event, ${CONNECTIONS} keep-alive connections, vs bare node:http`,
  async run(ctx) {
    const hub = await startBenchHub(ctx, { name: 'ingress', services: SERVICES, wsClients: WS_CLIENTS });
    const bare = spawnScript('servers/bareHttp', { core: ctx.pinning.serverCore, pinning: ctx.pinning });
    try {
      const bareUrl = `http://127.0.0.1:${(await bare.ready).httpPort}/api/trigger-event`;
      const hubUrl = `${hub.base}/api/trigger-event`;
      const load = async (url: string, body: string, seconds: number): Promise<Run> => {
        const usage = coreUsage();
        const result = await runHttpLoad({ url, body, connections: CONNECTIONS, seconds }, ctx);
        return { ...result, cores: usage() };
      };
      await load(bareUrl, BODIES.delivered, 1);
      await load(hubUrl, BODIES.delivered, 1);
      await load(hubUrl, BODIES.notInArea, 1);
      const bareRuns: Run[] = [];
      const deliveredRuns: Run[] = [];
      const quietRuns: Run[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        bareRuns.push(await load(bareUrl, BODIES.delivered, ctx.seconds));
        deliveredRuns.push(await load(hubUrl, BODIES.delivered, ctx.seconds));
        quietRuns.push(await load(hubUrl, BODIES.notInArea, ctx.seconds));
        const show = (r: Run) => `${Math.round(r.rps)}/s (cores ${r.cores.join(', ')}${r.non2xx ? `; ${r.non2xx} non-2xx` : ''})`;
        ctx.log(`  run ${i + 1}: bare ${show(bareRuns[i])}, Haven to 100 clients ${show(deliveredRuns[i])}, Haven outside their area ${show(quietRuns[i])}`);
      }
      const counts = await hub.clients.call<{ lines: number[] }>('counts');
      const sinkCounts = hub.sinks ? await hub.sinks.call<{ wsClients: number; wsFrames: number }>('counts') : null;
      const attached = hub.sinks ? WS_CLIENTS : 0;
      const common = [
        `load: ${bareRuns[0].tool}, ${CONNECTIONS} connections`,
        hub.sinks ? `${sinkCounts?.wsClients} WebSocket clients attached (${sinkCounts?.wsFrames} frames received over the suite)` : 'no WebSocket transport in this build: run without WebSocket clients',
        `services received ${counts.lines.join(' and ')} lines`,
      ];
      const row = (id: string, what: string, runs: Run[], note: string): Row => {
        const ratios = runs.map((h, i) => h.rps / bareRuns[i].rps);
        const ratio = median(ratios);
        const bad = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
        return {
          id,
          what,
          haven: { median: median(runs.map((r) => r.rps)), runs: runs.map((r) => r.rps), unit: 'req/s' },
          reference: { name: 'bare node:http', median: median(bareRuns.map((r) => r.rps)), runs: bareRuns.map((r) => r.rps), unit: 'req/s' },
          ratio,
          ratioMeaning: 'Haven ÷ bare, median of the per-pair ratios',
          target: '≥ 0.60× bare',
          met: ratio >= 0.6 && bad === 0,
          note: [note, ...common, ...(bad > 0 ? [`${bad} Haven answers were not 2xx or failed`] : [])].join('; '),
          detail: { ratios, bare: bareRuns, haven: runs, serviceLines: counts.lines, ws: sinkCounts },
        };
      };
      return [
        row('1a', `POST /api/trigger-event req/s, ${SERVICES} services, ${attached} WS clients receiving every event`, deliveredRuns, 'every event also goes to every WebSocket client (its area holds the trigger)'),
        row('1b', `POST /api/trigger-event req/s, ${SERVICES} services, ${attached} WS clients attached, event outside their area`, quietRuns, 'the clients stay attached; the fan-out checks each of them and sends nothing'),
      ];
    } finally {
      await hub.stop();
      await bare.stop();
    }
  },
};
