import { execFileSync } from 'node:child_process';
import { request, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { stalledReader, stalledSse } from '../../helpers/stalledClients';
import { sseReader } from '../../src/sse/sseClient';
import { startBenchHub } from '../harness/benchHub';
import type { Suite } from '../harness/context';
import { createClientToken } from '../harness/hubApi';
import { ADMIN_TOKEN_ENV, CLOCK_TRIGGER } from '../harness/hubConfig';
import { formatNumber, type Row } from '../harness/report';
import { abOrder, median, Samples, wallMs, type Percentiles } from '../harness/stats';

const RATE = 1000;
const READERS = 20;
const STALLED = 20;
/** Small bounds, so the stalled clients are cut during the run (as in test/src/faults/stalledClients.spec.ts). */
const CONFIG = {
  sse: { max_buffered_bytes: 128 * 1024, max_connections_per_key: 100 },
  websocket: {
    rate_limit: { max: 1_000_000, window_ms: 1000 },
    admin_token_env: ADMIN_TOKEN_ENV,
    max_buffered_bytes: 128 * 1024,
    max_pending_messages: 2000,
    slow_consumer_ms: 3000,
  },
};

type Side = 'without' | 'with';

/** A reading SSE client that times every event whose value is its send time (only while `recording()`). */
function streamReader(port: number, key: string, samples: Samples, recording: () => boolean): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/events/stream', headers: { 'x-api-key': key, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE stream answered ${res.statusCode}`));
      const read = sseReader();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = wallMs();
        const messages = read(chunk);
        if (!recording()) return;
        for (const m of messages) {
          const value = (m.data as { value?: unknown } | undefined)?.value;
          if (m.event === 'event' && typeof value === 'number') samples.push(now - value);
        }
      });
      res.on('error', () => undefined);
      resolve(req);
    });
    req.on('error', reject);
    req.end();
  });
}

/** An SSE key of the default organization, made with the built CLI in the running hub's store. */
function streamKey(dataDir: string): string {
  const cli = join(__dirname, '..', '..', '..', 'src', 'cli', 'cli.js');
  const out = execFileSync(process.execPath, [cli, 'keys', 'create', '--org', 'default', '--json'], {
    env: { ...process.env, HAVEN_DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { key: string }).key;
}

/** A reading client that times every trigger event whose value is its send time (only while `recording()`). */
async function reader(port: number, token: string, samples: Samples, recording: () => boolean): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` } });
  ws.on('message', (data) => {
    if (!recording()) return;
    const now = wallMs();
    const m = JSON.parse(data.toString());
    if (m.type === 'trigger' && typeof m.data?.value === 'number') samples.push(now - m.data.value);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/**
 * Issue 14: the latency of WebSocket and SSE clients that read, from POST to message, with and
 * without stalled clients of both kinds beside them (who stop reading and are cut as slow consumers during the run).
 * Each run measures both sides in turn (ABBA), each on a fresh hub; the row is the median of the
 * run-by-run p99 ratios, with the target of 2×.
 */
export const stalledClientsSuite: Suite = {
  id: '8',
  title: 'reading WebSocket and SSE clients beside stalled ones: p99 with ÷ without',
  async run(ctx) {
    const p99: Record<Side, number[]> = { without: [], with: [] };
    const all: Record<Side, Percentiles[]> = { without: [], with: [] };
    const sseP99: Record<Side, number[]> = { without: [], with: [] };
    const sseAll: Record<Side, Percentiles[]> = { without: [], with: [] };
    for (let r = 0; r < ctx.runs; r++) {
      for (const side of abOrder<Side>(['without', 'with'], r)) {
        const hub = await startBenchHub(ctx, { name: `stalled-${side}-${r}`, services: 0, wsClients: 0, config: CONFIG });
        const sockets: Socket[] = [];
        const readers: WebSocket[] = [];
        const streams: ClientRequest[] = [];
        try {
          const token = await createClientToken(hub.base, [CLOCK_TRIGGER]);
          const key = streamKey(join(ctx.tmp, `stalled-${side}-${r}`, 'data'));
          const samples = new Samples();
          const sseSamples = new Samples();
          let recording = false;
          for (let i = 0; i < READERS; i++) readers.push(await reader(hub.httpPort, token, samples, () => recording));
          for (let i = 0; i < READERS; i++) streams.push(await streamReader(hub.httpPort, key, sseSamples, () => recording));
          if (side === 'with')
            for (let i = 0; i < STALLED; i++) sockets.push(await stalledReader(hub.httpPort, '/ws', token), await stalledSse(hub.httpPort, key));
          // Warm-up, then the measured run.
          await hub.clients.call('paced', { port: hub.httpPort, rate: RATE, seconds: 1 });
          recording = true;
          await hub.clients.call('paced', { port: hub.httpPort, rate: RATE, seconds: ctx.seconds }, (ctx.seconds + 30) * 1000);
          recording = false;
          const p = samples.percentiles();
          p99[side].push(p.p99);
          all[side].push(p);
          const q = sseSamples.percentiles();
          sseP99[side].push(q.p99);
          sseAll[side].push(q);
          ctx.log(
            `  run ${r + 1} ${side} stalled clients: WebSocket p50 ${formatNumber(p.p50)} ms, p99 ${formatNumber(p.p99)} ms (${samples.length} timed); ` +
              `SSE p50 ${formatNumber(q.p50)} ms, p99 ${formatNumber(q.p99)} ms (${sseSamples.length} timed)`,
          );
        } finally {
          for (const s of sockets) s.destroy();
          for (const ws of readers) ws.terminate();
          for (const req of streams) req.destroy();
          await hub.stop();
        }
      }
    }
    const rowOf = (id: string, kind: string, of: Record<Side, number[]>, percentiles: Record<Side, Percentiles[]>): Row => {
      const runs = of.with.map((x, i) => x / of.without[i]);
      const ratio = median(runs);
      return {
        id,
        what: `p99 of ${READERS} reading ${kind} clients at ${RATE}/s, ${STALLED} stalled WebSocket and ${STALLED} stalled SSE clients beside them ÷ none`,
        haven: { median: ratio, runs, unit: '×', display: `${ratio.toFixed(2)}×` },
        target: '≤ 2×',
        met: ratio <= 2,
        note: `p99 without ${formatNumber(median(of.without))} ms, with ${formatNumber(median(of.with))} ms (medians of ${ctx.runs} runs)`,
        detail: { rate: RATE, readers: READERS, stalled: STALLED, percentiles },
      };
    };
    return [rowOf('8a', 'WebSocket', p99, all), rowOf('8b', 'SSE', sseP99, sseAll)];
  },
};
