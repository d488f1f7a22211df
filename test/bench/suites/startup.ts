import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadHavenConfig } from '../../../src/config/loadConfig';
import type { Recovery } from '../../../src/eventLog/fileLog';
import { profileArgs } from '../harness/benchHub';
import type { BenchContext, Suite } from '../harness/context';
import { writeEventLogs } from '../harness/eventLogFolder';
import { hubEnv, writeHubConfig } from '../harness/hubConfig';
import { spawnScript } from '../harness/proc';
import { filesystemOf, formatNumber, type Row } from '../harness/report';
import { abOrder, median } from '../harness/stats';

/** Records in the log; `HAVEN_BENCH_LOG_EVENTS=20000` tries the suite quickly. */
const RECORDS = Number(process.env.HAVEN_BENCH_LOG_EVENTS ?? 1_000_000);
const TARGET_MS = 1000;
/** How often /readyz is asked once the hub reports it listens. */
const POLL_MS = 2;

/** One start of a hub: process start → the first 200 from /readyz, and what its log's start-up found. */
interface Start {
  readonly readyMs: number;
  readonly recovery: Recovery;
  readonly lastSeq: number;
}

/** A data folder the hub starts on. */
interface Folder {
  readonly name: string;
  readonly configFile: string;
  /** Ended as a crash would (SIGKILL), so the folder stays as the crash left it; otherwise stopped cleanly. */
  readonly crash: boolean;
  readonly lastSeq: number;
  readonly tailRecords: number;
  readonly starts: Start[];
}

/**
 * The start-up time with 1,000,000 events in the event log (issue 12), target < 1 s: a real hub
 * process (servers/hub, as `src/main.ts` starts it) on a data folder whose log holds the events,
 * from spawning it to its first 200 from `/readyz`, and separately the log's own open
 * (`recovery.ms`, inside that process). Two folders: after a clean stop (the snapshot at the last
 * record) and after a crash with the snapshot `journal.snapshot_every` records behind (start-up
 * reads that tail); the reference is the same hub on an empty data folder. The folders are
 * written through the log itself before the runs; the page cache is warm, as on a process
 * restart (not a reboot).
 */
export const startupSuite: Suite = {
  id: '7',
  title: `start-up with ${formatNumber(RECORDS)} events in the event log`,
  async run(ctx) {
    const folder = (name: string, crash: boolean, lastSeq: number, tailRecords: number): Folder => ({
      name,
      configFile: writeHubConfig(join(ctx.tmp, name)),
      crash,
      lastSeq,
      tailRecords,
      starts: [],
    });
    const empty = folder('startup-empty', false, 0, 0);
    const clean = folder('startup-clean', false, RECORDS, 0);
    // As far behind as a crash leaves the snapshot (half the log in a quick try with fewer records).
    const behind = Math.min(loadHavenConfig({ configFile: clean.configFile }).journal.snapshot_every, Math.floor(RECORDS / 2));
    const crashed = folder('startup-crash', true, RECORDS, behind);
    const folders = [empty, clean, crashed];
    try {
      const written = await writeEventLogs(clean.configFile, crashed.configFile, RECORDS, behind);
      const mb = written.bytes / 2 ** 20;
      ctx.log(`  wrote ${formatNumber(RECORDS)} records (${formatNumber(mb)} MiB, ${written.segments} segments) in ${formatNumber(written.ms / 1000)} s`);
      // Once each unmeasured: the hub's store is created, its code and the log are read from the disk once.
      for (const f of folders) await startOnce(ctx, f);
      for (let r = 0; r < ctx.runs; r++) {
        for (const f of abOrder(folders, r)) f.starts.push(await startOnce(ctx, f));
        const shown = folders.map((f) => `${f.name} ${formatNumber(f.starts[r].readyMs)} ms (log open ${f.starts[r].recovery.ms} ms)`);
        ctx.log(`  run ${r + 1}: ${shown.join(', ')}`);
      }
      const ms = (values: number[]) => ({ median: median(values), runs: values, unit: 'ms' });
      const readyOf = (f: Folder) => ms(f.starts.map((s) => s.readyMs));
      const openOf = (f: Folder) => ms(f.starts.map((s) => s.recovery.ms));
      const cases = [
        { ids: ['7a', '7c'], f: clean, how: 'after a clean stop' },
        { ids: ['7b', '7d'], f: crashed, how: `after a crash, snapshot ${formatNumber(behind)} records behind` },
      ];
      const common = `${formatNumber(mb)} MiB in ${written.segments} segments on ${filesystemOf(ctx.tmp)}; page cache warm (a process restart, not a reboot)`;
      const read = (f: Folder) => `start-up read ${formatNumber(f.tailRecords)} records after the snapshot`;
      return [
        ...cases.map(({ ids, f, how }): Row => {
          const haven = readyOf(f);
          return {
            id: ids[0],
            what: `start-up, ${formatNumber(RECORDS)} events in the log, ${how}: process start → /readyz 200`,
            haven,
            reference: { name: 'empty data folder', ...readyOf(empty) },
            target: '< 1 s',
            met: haven.median < TARGET_MS,
            note: `${read(f)}; ${common}; /readyz polled every ${POLL_MS} ms from the hub's first report that it listens`,
            detail: { starts: f.starts, reference: empty.starts, written },
          };
        }),
        ...cases.map(({ ids, f, how }): Row => ({
          id: ids[1],
          what: `the event log's open at start-up (recovery.ms), ${formatNumber(RECORDS)} events, ${how}`,
          haven: openOf(f),
          reference: { name: 'empty data folder', ...openOf(empty) },
          target: 'reported',
          met: null,
          note: `${read(f)}; measured inside the hub process of the row above`,
        })),
      ];
    } finally {
      for (const f of folders) rmSync(join(ctx.tmp, f.name), { recursive: true, force: true });
    }
  },
};

/** Spawns the hub on `f`, waits for /readyz 200, then ends it (SIGKILL for the crashed folder, so it stays crashed). */
async function startOnce(ctx: BenchContext, f: Folder): Promise<Start> {
  const t0 = performance.now();
  const hub = spawnScript('servers/hub', {
    core: ctx.pinning.serverCore,
    pinning: ctx.pinning,
    args: [f.configFile],
    env: hubEnv(),
    nodeArgs: profileArgs(ctx),
  });
  try {
    const ready = await hub.ready;
    await untilReady(`http://127.0.0.1:${ready.httpPort}/readyz`);
    const start: Start = { readyMs: performance.now() - t0, recovery: ready.recovery, lastSeq: ready.lastSeq };
    // A folder that did not start where it was left measures something else: say so rather than report it.
    if (start.lastSeq !== f.lastSeq || start.recovery.tailRecords !== f.tailRecords)
      throw new Error(
        `${f.name}: the hub started at seq ${start.lastSeq} reading ${start.recovery.tailRecords} records; expected seq ${f.lastSeq}, ${f.tailRecords}`,
      );
    return start;
  } finally {
    await (f.crash ? hub.kill() : hub.stop());
  }
}

/** Asks `url` every {@link POLL_MS} until it answers 200. */
async function untilReady(url: string, timeoutMs = 30_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const res = await fetch(url).catch(() => undefined);
    if (res) await res.arrayBuffer();
    if (res?.ok) return;
    if (performance.now() > until) throw new Error(`${url} was not ready within ${timeoutMs} ms (last: ${res?.status ?? 'no answer'})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
