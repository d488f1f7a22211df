import { startBenchHub } from '../harness/benchHub';
import type { BenchContext, Suite } from '../harness/context';
import { coreUsage } from '../harness/cpu';
import { createClientToken } from '../harness/hubApi';
import { startMosquitto } from '../harness/mosquitto';
import { FD_MARGIN, spawnScript, type BenchProcess } from '../harness/proc';
import { formatNumber, type Row } from '../harness/report';
import { median, type Percentiles } from '../harness/stats';

/** The latency bound a rate must hold to count as sustained (the target). */
const P99_BOUND_MS = 50;
/** Each probe publishes for this long. */
const PROBE_S = 2;
/** The ladder climbs by this factor per probe. */
const STEP = 1.6;

const SIZES = [
  { slot: 0, clients: 1000, processes: 1, startRate: 20 },
  { slot: 1, clients: 10_000, processes: 2, startRate: 2 },
].filter((s) => !process.env.HAVEN_BENCH_FANOUT_CLIENTS || process.env.HAVEN_BENCH_FANOUT_CLIENTS.split(',').includes(String(s.clients)));

interface Collected {
  readonly received: number;
  readonly lastAt: number;
  readonly latency: Percentiles;
}

interface Probe {
  readonly rate: number;
  readonly offeredPerS: number;
  readonly deliveriesPerS: number;
  readonly received: number;
  readonly expected: number;
  readonly p50: number;
  readonly p99: number;
  readonly cores: number[];
  /** Every message delivered, none later than the bound at p99. */
  readonly held: boolean;
  /** Every message delivered, the last within a second of the last send: not falling behind. */
  readonly keptUp: boolean;
}

/**
 * One climb of the ladder: the highest probe that held the latency bound, the highest that kept
 * up at all (capacity), and the first that did not keep up.
 */
interface Ladder {
  readonly sustained: Probe | null;
  readonly capacity: Probe | null;
  readonly broke: Probe | null;
  readonly probes: Probe[];
}

/**
 * MQTT subscribers: `lean` (default) walk packets as cheaply as the Haven clients walk frames;
 * `npm` uses the `mqtt` npm client, whose cost per message saturates the load core first.
 */
const MQTT_SUBSCRIBERS = process.env.HAVEN_BENCH_MQTT_SUBSCRIBERS === 'npm' ? 'mqtt-npm' : 'mqtt';

interface Side {
  readonly subscribers: BenchProcess[];
  readonly publisher: BenchProcess;
  readonly kind: 'haven' | 'mqtt' | 'mqtt-npm';
  readonly port: number;
  readonly perProcess: number;
}

/** Publishes at `rate` for PROBE_S; times every delivery on every subscriber process. */
async function probe(side: Side, rate: number): Promise<Probe> {
  const { subscribers, publisher, kind, port, perProcess } = side;
  const count = Math.max(1, Math.round(rate * PROBE_S));
  const expected = count * perProcess * subscribers.length;
  await Promise.all(subscribers.map((s) => s.call('arm')));
  const usage = coreUsage();
  const { firstAt, lastSentAt } = await publisher.call<{ firstAt: number; lastSentAt: number }>('publish', { kind, port, rate, count }, (PROBE_S + 30) * 1000);
  const results = await Promise.all(subscribers.map((s) => s.call<Collected>('collect', { expected: count * perProcess, maxWaitMs: 3000 }, 60_000)));
  const cores = usage();
  const received = results.reduce((n, r) => n + r.received, 0);
  const lastAt = Math.max(...results.map((r) => r.lastAt));
  // Each subscriber process reports its own percentiles; the worst process's stand for the run.
  const p50 = Math.max(...results.map((r) => r.latency.p50));
  const p99 = Math.max(...results.map((r) => r.latency.p99));
  const deliveriesPerS = received > 0 ? received / ((lastAt - firstAt) / 1000) : 0;
  const keptUp = received === expected && lastAt - lastSentAt < 1000;
  return {
    rate,
    offeredPerS: rate * perProcess * subscribers.length,
    deliveriesPerS,
    received,
    expected,
    p50,
    p99,
    cores,
    held: keptUp && p99 < P99_BOUND_MS,
    keptUp,
  };
}

/**
 * Climbs from `startRate` by STEP until a probe no longer keeps up; a broker left behind drains
 * before the caller goes on.
 */
async function ladder(ctx: BenchContext, label: string, side: Side, startRate: number): Promise<Ladder> {
  const probes: Probe[] = [];
  let sustained: Probe | null = null;
  let capacity: Probe | null = null;
  for (let rate = startRate; ; rate = Math.round(rate * STEP * 10) / 10) {
    const p = await probe(side, rate);
    probes.push(p);
    const verdict = p.held ? '' : p.keptUp ? `  ← p99 over ${P99_BOUND_MS} ms` : '  ← falls behind';
    ctx.log(
      `    ${label} ${rate} msg/s (${Math.round(p.offeredPerS)}/s offered): ${Math.round(p.deliveriesPerS)} deliveries/s, p50 ${formatNumber(p.p50)} ms, p99 ${formatNumber(p.p99)} ms, ${p.received}/${p.expected}; cores ${p.cores.join(', ')}${verdict}`,
    );
    if (!p.keptUp) {
      await Promise.all(side.subscribers.map((s) => s.call('settle', {}, 60_000)));
      return { sustained, capacity, broke: p, probes };
    }
    if (p.held) sustained = p;
    if (!capacity || p.deliveriesPerS > capacity.deliveriesPerS) capacity = p;
  }
}

/** `ctx.runs` ladders; each after the first starts two steps below the last sustained rate. */
async function measure(ctx: BenchContext, label: string, side: Side, startRate: number): Promise<Ladder[]> {
  await probe(side, startRate);
  const runs: Ladder[] = [];
  let start = startRate;
  for (let r = 0; r < ctx.runs; r++) {
    const l = await ladder(ctx, `${label} run ${r + 1}`, side, start);
    runs.push(l);
    const known = l.sustained ?? l.capacity;
    if (known) start = Math.max(startRate, Math.round((known.rate / STEP / STEP) * 10) / 10);
  }
  return runs;
}

/** Bytes of the message the floor measurement writes: about a trigger event's WebSocket frame. */
const FLOOR_MESSAGE_BYTES = 200;

/** What a bare `node:net` loop takes to write one message to as many sockets (ms per round, median of 5). */
async function measureFloor(ctx: BenchContext, processes: number, perProcess: number): Promise<{ ms: number; runs: number[]; sockets: number }> {
  const server = spawnScript('servers/bareFanout', { core: ctx.pinning.serverCore, pinning: ctx.pinning, fds: processes * perProcess + FD_MARGIN });
  const clients = Array.from({ length: processes }, () =>
    spawnScript('loads/fanoutClients', { core: ctx.pinning.loadCore, pinning: ctx.pinning, fds: perProcess + FD_MARGIN }),
  );
  try {
    const port = (await server.ready).tcpPort as number;
    await Promise.all(clients.map((c) => c.ready));
    await Promise.all(clients.map((c) => c.call('connect', { kind: 'tcp', port, count: perProcess }, 300_000)));
    const { sockets, ms } = await server.call<{ sockets: number; ms: number[] }>('broadcast', { bytes: FLOOR_MESSAGE_BYTES, rounds: 5, pauseMs: 200 }, 60_000);
    return { ms: median(ms), runs: ms, sockets };
  } finally {
    for (const c of clients) await c.stop();
    await server.stop();
  }
}

/** A publisher and `n` subscriber processes of `perProcess` clients each. */
function spawnLoads(ctx: BenchContext, n: number, perProcess: number): BenchProcess[] {
  return Array.from({ length: n + 1 }, () =>
    spawnScript('loads/fanoutClients', { core: ctx.pinning.loadCore, pinning: ctx.pinning, fds: perProcess + FD_MARGIN }),
  );
}

const sustainedRate = (l: Ladder) => l.sustained?.deliveriesPerS ?? 0;
const capacityRate = (l: Ladder) => l.capacity?.deliveriesPerS ?? 0;

/**
 * Benchmark 3: one message to every client, at 1,000 and 10,000 clients, Haven's WebSocket
 * fan-out (events POSTed to the hub, delivered to token-authenticated clients whose area holds
 * the trigger) against Mosquitto delivering the same messages to as many MQTT subscribers (QoS 0).
 * Each message carries its send time. For each, a ladder of publish rates finds the highest
 * delivery rate it holds with every message delivered and p99 < 50 ms (the target's figure),
 * and climbs on to the highest it keeps up with at all (its capacity); ratios are Haven's over
 * Mosquitto's, run by run.
 */
export const fanoutSuite: Suite = {
  id: '3',
  title: `WebSocket fan-out vs Mosquitto: deliveries/s sustained with p99 < ${P99_BOUND_MS} ms`,
  async run(ctx) {
    const rows: Row[] = [];
    for (const size of SIZES) {
      const perProcess = size.clients / size.processes;
      ctx.log(`  ${size.clients} clients`);
      const hub = await startBenchHub(ctx, { name: `fanout-${size.clients}`, services: 0, wsClients: 0, fds: size.clients + FD_MARGIN });
      let procs = spawnLoads(ctx, size.processes, perProcess);
      let haven: Ladder[];
      try {
        await Promise.all(procs.map((p) => p.ready));
        const token = await createClientToken(hub.base);
        const subscribers = procs.slice(1);
        await Promise.all(subscribers.map((l) => l.call('connect', { kind: 'haven', port: hub.httpPort, path: '/ws', token, count: perProcess }, 300_000)));
        haven = await measure(
          ctx,
          `Haven ${size.clients}`,
          { subscribers, publisher: procs[0], kind: 'haven', port: hub.httpPort, perProcess },
          size.startRate,
        );
      } finally {
        for (const p of procs) await p.stop();
        await hub.stop();
      }

      let mosquitto: Ladder[] | string;
      const broker = await startMosquitto(ctx, `mosquitto-${size.clients}`, size.clients + FD_MARGIN);
      if (!broker) mosquitto = 'mosquitto is not installed (apt-get install mosquitto)';
      else {
        procs = spawnLoads(ctx, size.processes, perProcess);
        try {
          await Promise.all(procs.map((p) => p.ready));
          const subscribers = procs.slice(1);
          await Promise.all(subscribers.map((l) => l.call('connect', { kind: MQTT_SUBSCRIBERS, port: broker.port, count: perProcess }, 300_000)));
          mosquitto = await measure(
            ctx,
            `Mosquitto ${size.clients}`,
            { subscribers, publisher: procs[0], kind: MQTT_SUBSCRIBERS, port: broker.port, perProcess },
            size.startRate,
          );
        } finally {
          for (const p of procs) await p.stop();
          await broker.proc.stop();
        }
      }

      const floor = await measureFloor(ctx, size.processes, perProcess);
      ctx.log(
        `    bare node:net: one ${FLOOR_MESSAGE_BYTES}-byte write to each of ${floor.sockets} sockets: ${floor.runs.map((ms) => formatNumber(ms)).join(', ')} ms`,
      );
      rows.push(...fanoutRows(size.slot, size.clients, size.processes, size.startRate, haven, mosquitto, floor));
    }
    return rows;
  },
};

/** Load-bound: where the ladder stopped, the load core was saturated and the server core was not. */
const loadBound = (runs: Ladder[]) => runs.some((l) => (l.broke?.cores[1] ?? 0) >= 0.95 && (l.broke?.cores[0] ?? 1) < 0.95);

function describeSide(name: string, runs: Ladder[]): string {
  const held = runs.filter((l) => l.sustained);
  const lowest = runs[0]?.probes[0];
  const sustained = held.length
    ? `${formatNumber(median(runs.map(sustainedRate)))}/s held p99 < ${P99_BOUND_MS} ms`
    : `no rate held p99 < ${P99_BOUND_MS} ms (p99 ${formatNumber(lowest?.p99 ?? NaN)} ms at the lowest, ${lowest?.rate} msg/s)`;
  const bound = loadBound(runs) ? ', limited by the load core (a lower bound)' : '';
  return `${name}: ${sustained}; kept up with ${formatNumber(median(runs.map(capacityRate)))}/s at most${bound}`;
}

/** Two rows per size: deliveries/s held under the latency bound (the target), and the most kept up with at all. */
function fanoutRows(
  index: number,
  clients: number,
  processes: number,
  startRate: number,
  haven: Ladder[],
  mosquitto: Ladder[] | string,
  floor: { ms: number; runs: number[]; sockets: number },
): Row[] {
  const size = clients.toLocaleString('en-US');
  const letter = (k: number) => `3${String.fromCharCode(97 + index * 2 + k)}`;
  const skipped = typeof mosquitto === 'string' ? { name: 'Mosquitto', skipped: mosquitto } : undefined;
  const mq = typeof mosquitto === 'string' ? [] : mosquitto;
  const p99Of = (runs: Ladder[], pick: (l: Ladder) => Probe | null) => median(runs.map((l) => pick(l)?.p99 ?? NaN));
  const cell = (runs: Ladder[], rate: (l: Ladder) => number, pick: (l: Ladder) => Probe | null) => {
    const m = median(runs.map(rate));
    return {
      median: m,
      runs: runs.map(rate),
      unit: 'deliveries/s',
      display:
        m > 0
          ? `${formatNumber(m)}/s, p99 ${formatNumber(p99Of(runs, pick))} ms`
          : `none held (p99 ${formatNumber(runs[0]?.probes[0]?.p99 ?? NaN)} ms at ${runs[0]?.probes[0]?.rate} msg/s)`,
    };
  };
  const ratio = (rate: (l: Ladder) => number) => (mq.length ? median(haven.map((h, k) => rate(h) / Math.max(1, rate(mq[k])))) : undefined);
  const heldRatio = ratio(sustainedRate);
  const notes = [
    `${processes} subscriber process${processes > 1 ? 'es' : ''} and a publisher on the load core; ${MQTT_SUBSCRIBERS === 'mqtt' ? 'lean subscribers on both sides (the mqtt npm client publishes)' : 'MQTT subscribers are mqtt npm clients'}; publish rates climb ×${STEP} from ${startRate} msg/s, ${PROBE_S} s per probe`,
    describeSide('Haven', haven),
    ...(mq.length ? [describeSide('Mosquitto', mq)] : []),
    `the floor: a bare node:net loop writes one ${FLOOR_MESSAGE_BYTES}-byte message to ${floor.sockets.toLocaleString('en-US')} sockets in ${formatNumber(floor.ms)} ms (${formatNumber((floor.ms * 1000) / Math.max(1, floor.sockets))} µs per socket), so no Node server on this core delivers one message to all of them sooner`,
  ].join('; ');
  const detail = { clients, haven, mosquitto, floor };
  const reference = (rate: (l: Ladder) => number, pick: (l: Ladder) => Probe | null) => skipped ?? { name: 'Mosquitto', ...cell(mq, rate, pick) };
  return [
    {
      id: letter(0),
      what: `WebSocket fan-out to ${size} clients: deliveries/s held with p99 < ${P99_BOUND_MS} ms`,
      haven: cell(haven, sustainedRate, (l) => l.sustained),
      reference: reference(sustainedRate, (l) => l.sustained),
      ...(heldRatio !== undefined && Number.isFinite(heldRatio) && median(mq.map(sustainedRate)) > 0
        ? { ratio: heldRatio, ratioMeaning: 'Haven ÷ Mosquitto, median of the per-run ratios' }
        : {}),
      target: `≥ 5× Mosquitto, p99 < ${P99_BOUND_MS} ms`,
      met: skipped ? null : heldRatio !== undefined && median(haven.map(sustainedRate)) > 0 && median(mq.map(sustainedRate)) > 0 && heldRatio >= 5,
      note: notes,
      detail,
    },
    {
      id: letter(1),
      what: `WebSocket fan-out to ${size} clients: most deliveries/s kept up with (any latency)`,
      haven: cell(haven, capacityRate, (l) => l.capacity),
      reference: reference(capacityRate, (l) => l.capacity),
      ...(ratio(capacityRate) !== undefined ? { ratio: ratio(capacityRate), ratioMeaning: 'Haven ÷ Mosquitto, median of the per-run ratios' } : {}),
      target: 'reported',
      met: null,
    },
  ];
}
