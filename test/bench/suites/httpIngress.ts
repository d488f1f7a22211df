import websocketSchema from '../../../config/schemas/websocket.schema.json';
import { startBenchFloor, type BenchFloor, type FloorCounts } from '../harness/benchFloor';
import { profileArgs, startBenchHub, type BenchHub } from '../harness/benchHub';
import type { Suite } from '../harness/context';
import { coreUsage } from '../harness/cpu';
import { runHttpLoad, type HttpLoadResult } from '../harness/httpLoad';
import { spawnScript } from '../harness/proc';
import type { Row } from '../harness/report';
import { hubVariants, type HubVariant } from '../harness/hubVariants';
import { abOrder, median, ratioNote } from '../harness/stats';

const CONNECTIONS = 64;
/** How often the floor, like Haven by default, writes to its WebSocket clients under load. */
const FLOOR_FLUSH_MS = websocketSchema.properties.websocket.properties.flush_interval_ms.default;
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

const rpsOf = (runs: readonly Run[]) => runs.map((r) => r.rps);

/** One hub of the suite and its runs of each load. */
interface Side {
  readonly variant: HubVariant;
  readonly hub: BenchHub;
  readonly url: string;
  readonly delivered: Run[];
  readonly quiet: Run[];
  /** Events it accepted whose frames its clients were to get, warm-up included. */
  framed: number;
}

/**
 * Benchmark 1: `POST /api/trigger-event` requests per second, keep-alive, 64 connections, with
 * two TCP_SOCKET services registered and 100 WebSocket clients attached, against a bare
 * `node:http` server that reads the body, parses it and answers JSON. Two loads on the same hub:
 * events of a trigger in the clients' area (each POST also becomes 100 WebSocket messages) and
 * of a trigger outside it (the clients stay attached and receive nothing). Each hub keeps its
 * event log in a temporary data folder: at fsync `everysec` (the target rows), at `always`
 * (`1a-always`, `1b-always`), and the `--baseline` build's (`-base`) (see hubVariants). The
 * servers take turns on the server core; ratios are taken per pair, and their medians reported.
 * A third server, the floor (`servers/bareHttpFanout`), does only the I/O that 1a asks of a hub
 * (the answers, one log write per turn, the services' lines, the clients' frames) with nothing
 * checked: row `1a-floor` says how close Haven comes to it, and how close the floor comes to bare.
 */
export const httpIngressSuite: Suite = {
  id: '1',
  title: `POST /api/trigger-event, ${CONNECTIONS} keep-alive connections, vs bare node:http`,
  async run(ctx) {
    const bare = spawnScript('servers/bareHttp', { core: ctx.pinning.serverCore, pinning: ctx.pinning, nodeArgs: profileArgs(ctx) });
    const hubs: BenchHub[] = [];
    let floor: BenchFloor | undefined;
    try {
      const sides: Side[] = [];
      for (const variant of hubVariants(ctx)) {
        const { suffix, config, root } = variant;
        const hub = await startBenchHub(ctx, { name: `ingress${suffix}`, services: SERVICES, wsClients: WS_CLIENTS, config, root });
        hubs.push(hub);
        sides.push({ variant, hub, url: `${hub.base}/api/trigger-event`, delivered: [], quiet: [], framed: 0 });
      }
      const bareUrl = `http://127.0.0.1:${(await bare.ready).httpPort}/api/trigger-event`;
      const theFloor = await startBenchFloor(ctx, { services: SERVICES, wsClients: WS_CLIENTS });
      floor = theFloor;
      const load = async (url: string, body: string, seconds: number): Promise<Run> => {
        const usage = coreUsage();
        const result = await runHttpLoad({ url, body, connections: CONNECTIONS, seconds }, ctx);
        return { ...result, cores: usage() };
      };
      const answered = (r: Run) => r.requests - r.non2xx;
      const loadFloor = async (seconds: number): Promise<Run> => {
        const run = await load(theFloor.url, BODIES.delivered, seconds);
        await theFloor.drained();
        return run;
      };
      const loadDelivered = async (side: Side, seconds: number): Promise<Run> => {
        const run = await load(side.url, BODIES.delivered, seconds);
        side.framed += answered(run);
        return run;
      };
      await load(bareUrl, BODIES.delivered, 1);
      await loadFloor(1);
      for (const side of sides) {
        await loadDelivered(side, 1);
        await load(side.url, BODIES.notInArea, 1);
      }
      const bareRuns: Run[] = [];
      const floorRuns: Run[] = [];
      const show = (r: Run) => `${Math.round(r.rps)}/s (cores ${r.cores.join(', ')}${r.non2xx ? `; ${r.non2xx} non-2xx` : ''})`;
      for (let i = 0; i < ctx.runs; i++) {
        bareRuns.push(await load(bareUrl, BODIES.delivered, ctx.seconds));
        floorRuns.push(await loadFloor(ctx.seconds));
        // In ABBA order: no hub always runs right after the bare reference.
        for (const side of abOrder(sides, i)) {
          side.delivered.push(await loadDelivered(side, ctx.seconds));
          side.quiet.push(await load(side.url, BODIES.notInArea, ctx.seconds));
        }
        const shown = sides.map((s) => `${s.variant.label} to ${WS_CLIENTS} clients ${show(s.delivered[i])}, outside their area ${show(s.quiet[i])}`);
        ctx.log(`  run ${i + 1}: bare ${show(bareRuns[i])}; floor ${show(floorRuns[i])}; ${shown.join('; ')}`);
      }
      const rowsOf = async (side: Side): Promise<Row[]> => {
        const { suffix, targeted, log, versus: by } = side.variant;
        const versus = by && sides.find((s) => s.variant.suffix === by.suffix);
        const counts = await side.hub.clients.call<{ lines: number[] }>('counts');
        const sinkCounts = side.hub.sinks ? await side.hub.sinks.call<{ wsClients: number; wsFrames: number }>('counts') : null;
        const attached = side.hub.sinks ? WS_CLIENTS : 0;
        const common = [
          log,
          `load: ${bareRuns[0].tool}, ${CONNECTIONS} connections`,
          side.hub.sinks
            ? `${sinkCounts?.wsClients} WebSocket clients attached (${sinkCounts?.wsFrames} frames received over the suite, for ${side.framed * WS_CLIENTS} events × clients: a backed-up client gets the newest of a trigger only)`
            : 'no WebSocket transport in this build: run without WebSocket clients',
          `services received ${counts.lines.join(' and ')} lines`,
        ];
        const row = (id: string, what: string, runs: Run[], note: string, other?: Run[]): Row => {
          const ratios = runs.map((h, i) => h.rps / bareRuns[i].rps);
          const ratio = median(ratios);
          const bad = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
          const ab = other && by ? ratioNote(by.label, rpsOf(runs), rpsOf(other)) : undefined;
          return {
            id,
            what,
            haven: { median: median(rpsOf(runs)), runs: rpsOf(runs), unit: 'req/s' },
            reference: { name: 'bare node:http', median: median(rpsOf(bareRuns)), runs: rpsOf(bareRuns), unit: 'req/s' },
            ratio,
            ratioMeaning: 'Haven ÷ bare, median of the per-pair ratios',
            target: targeted ? '≥ 0.60× bare' : 'reported',
            met: targeted ? ratio >= 0.6 && bad === 0 : null,
            note: [note, ...(ab ? [ab] : []), ...common, ...(bad > 0 ? [`${bad} Haven answers were not 2xx or failed`] : [])].join('; '),
            detail: { ratios, bare: bareRuns, haven: runs, serviceLines: counts.lines, ws: sinkCounts },
          };
        };
        return [
          row(
            `1a${suffix}`,
            `POST /api/trigger-event req/s, ${SERVICES} services, ${attached} WS clients receiving every event${side.variant.what}`,
            side.delivered,
            'every event also goes to every WebSocket client (its area holds the trigger)',
            versus?.delivered,
          ),
          row(
            `1b${suffix}`,
            `POST /api/trigger-event req/s, ${SERVICES} services, ${attached} WS clients attached, event outside their area${side.variant.what}`,
            side.quiet,
            'the clients stay attached; the fan-out checks each of them and sends nothing',
            versus?.quiet,
          ),
        ];
      };
      const rows: Row[] = [];
      for (const side of sides) rows.push(...(await rowsOf(side)));
      const targeted = sides.find((s) => s.variant.targeted);
      if (targeted) rows.push(floorRow(targeted.delivered, floorRuns, bareRuns, await theFloor.counts()));
      return rows;
    } finally {
      await floor?.stop();
      for (const hub of hubs) await hub.stop();
      await bare.stop();
    }
  },
};

/**
 * Haven's 1a against the floor: what is left between them is Haven's own work (body parser,
 * validation, gate, cache, records, actors, fan-out plan), not the kernel's or node:http's.
 */
function floorRow(haven: readonly Run[], floor: readonly Run[], bare: readonly Run[], counts: FloorCounts): Row {
  const ratio = median(haven.map((h, i) => h.rps / floor[i].rps));
  const floorToBare = median(floor.map((f, i) => f.rps / bare[i].rps));
  const bad = floor.reduce((n, r) => n + r.non2xx + r.errors, 0);
  return {
    id: '1a-floor',
    what: `1a against its floor: bare node:http that also writes each turn's records to a file, each event's line to ${SERVICES} TCP services and its frame to ${WS_CLIENTS} WebSocket clients (at most every ${FLOOR_FLUSH_MS} ms, as Haven's default), nothing checked`,
    haven: { median: median(rpsOf(haven)), runs: rpsOf(haven), unit: 'req/s' },
    reference: { name: 'floor', median: median(rpsOf(floor)), runs: rpsOf(floor), unit: 'req/s' },
    ratio,
    ratioMeaning: 'Haven ÷ floor, median of the per-pair ratios',
    target: 'reported',
    met: null,
    note: [
      `the floor ran at ${floorToBare.toFixed(3)}× bare (median of the per-pair ratios), so 1a's 0.60× bare asks Haven for ${(0.6 / floorToBare).toFixed(3)}× the floor (${span(floor.map((f, i) => (0.6 * bare[i].rps) / f.rps))} run by run)`,
      `the floor's services received ${counts.lines.join(' and ')} lines, its ${counts.wsClients} WebSocket clients ${counts.wsFrames} of the ${counts.framesWritten} frames it wrote (each waited for before the next load; the most one client's socket held unsent after a flush: ${counts.peakBacklog} bytes)`,
      ...(bad > 0 ? [`${bad} floor answers were not 2xx or failed`] : []),
    ].join('; '),
    detail: { ratios: haven.map((h, i) => h.rps / floor[i].rps), floorToBare: floor.map((f, i) => f.rps / bare[i].rps), floor, counts },
  };
}

/** `low–high` of `values`, to three decimals. */
function span(values: readonly number[]): string {
  return `${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}`;
}
