import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchContext, Suite } from './harness/context';
import { benchScript, detectPinning, stopAllProcesses } from './harness/proc';
import { describeMachine, formatTable, writeReport, type Row } from './harness/report';
import { dispatchLatencySuite } from './suites/dispatchLatency';
import { fanoutSuite } from './suites/fanout';
import { httpIngressSuite } from './suites/httpIngress';
import { oscMqttSuite } from './suites/oscMqtt';
import { pipelineSuite } from './suites/pipeline';
import { stalledClientsSuite } from './suites/stalledClients';
import { startupSuite } from './suites/startup';
import { tcpSourceSuite } from './suites/tcpSource';
import { wsMemorySuite } from './suites/wsMemory';

/**
 * `npm run bench`: every benchmark of issue 7, and issue 12's start-up with a large event log
 * (7), each Haven figure next to its reference measured in the same run, medians of `--runs`
 * runs. Prints a Markdown table and writes the JSON report to test/bench/results/latest.json.
 *
 *   node dist/test/bench/run.js [--only 1,3] [--runs 3] [--seconds 3] [--out file.json] [--profile dir] [--baseline dir]
 *
 * `--profile dir` starts the servers with `--cpu-prof` (the hubs, and the bare references and floor of benchmarks 1 and 5) and leaves their profiles in `dir`.
 * `--baseline dir` names another built checkout (e.g. a `git worktree` of the commit before a
 * change, after `npm run build` there): its hub takes turns with this one in benchmarks 1 and 5,
 * and their rows say this build ÷ the baseline. Every temporary folder (the hubs' data, the
 * event logs of 7) is removed at the end, also when the run is interrupted.
 */
const SUITES: Suite[] = [
  httpIngressSuite,
  dispatchLatencySuite,
  fanoutSuite,
  wsMemorySuite,
  tcpSourceSuite,
  pipelineSuite,
  startupSuite,
  stalledClientsSuite,
  oscMqttSuite,
];

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..', '..');
  const only = option('only', '').split(',').filter(Boolean);
  const runs = Number(option('runs', '3'));
  const seconds = Number(option('seconds', '3'));
  const out = option('out', join(root, 'test', 'bench', 'results', 'latest.json'));
  const pinning = detectPinning(cpus().length);
  const tmp = mkdtempSync(join(tmpdir(), 'haven-bench-'));
  // Also on Ctrl-C: a suite's data folders can hold hundreds of MB (the children are killed by proc's exit hook).
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  const machine = describeMachine(pinning, tmp);
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const profileDir = option('profile', '') || undefined;
  const baseline = option('baseline', '') || undefined;
  if (baseline && !existsSync(benchScript('servers/hub', resolve(baseline))))
    throw new Error(`--baseline ${baseline}: no built hub there (run \`npm ci && npm run build\` in it first)`);
  const ctx: BenchContext = { pinning, runs, seconds, tmp, log, profileDir: profileDir && resolve(profileDir), baseline: baseline && resolve(baseline) };
  log(
    `Haven bench on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; ${machine.pinning}; ${runs} runs of ${seconds} s; data on ${machine.dataFilesystem}`,
  );

  const rows: Row[] = [];
  const failures: Array<{ suite: string; error: string }> = [];
  const started = Date.now();
  try {
    for (const suite of SUITES.filter((s) => only.length === 0 || only.includes(s.id))) {
      log(`\n[${suite.id}] ${suite.title}`);
      const t0 = Date.now();
      try {
        rows.push(...(await suite.run(ctx)));
      } catch (err) {
        const error = (err as Error)?.stack ?? String(err);
        failures.push({ suite: suite.id, error });
        log(`[${suite.id}] FAILED: ${error}`);
      } finally {
        const left = await stopAllProcesses();
        if (left > 0) log(`[${suite.id}] stopped ${left} process(es) the suite left running`);
      }
      log(`[${suite.id}] done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const table = formatTable(rows);
  process.stdout.write(`\n${table}\n`);
  for (const r of rows.filter((r) => r.note)) process.stdout.write(`\n${r.id}: ${r.note}`);
  process.stdout.write('\n');
  writeReport(out, {
    machine,
    settings: { runs, seconds },
    startedAt: new Date(started).toISOString(),
    durationS: (Date.now() - started) / 1000,
    rows,
    failures,
    table,
  });
  log(`\nreport: ${out}`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
