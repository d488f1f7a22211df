import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { Pinning } from './proc';

/** One measured figure: the median across runs, and every run. */
export interface Measure {
  readonly median: number;
  readonly runs: readonly number[];
  readonly unit: string;
  /** How the table shows it, when a plain number with its unit is not enough (latency triples). */
  readonly display?: string;
}

/** One line of the table and of the JSON report. */
export interface Row {
  /** The benchmark number, with a letter per variant (`3b`). */
  readonly id: string;
  readonly what: string;
  readonly haven: Measure | null;
  readonly reference?: (Measure & { readonly name: string }) | { readonly name: string; readonly skipped: string };
  /** Haven ÷ reference (or reference ÷ Haven for figures where lower is better; see `ratioMeaning`). */
  readonly ratio?: number;
  readonly ratioMeaning?: string;
  readonly target: string;
  /** null: no target, only reported. */
  readonly met: boolean | null;
  readonly note?: string;
  /** Extra figures for the JSON report (every percentile, error counts …). */
  readonly detail?: Record<string, unknown>;
}

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kernel: string;
  readonly pinning: string;
  readonly nofile: string;
  /** The file system the hubs' data folders (and their event logs) are on: on tmpfs an fsync costs nothing. */
  readonly dataFilesystem: string;
}

/** What this machine is, for the report: CPU model from /proc/cpuinfo, cores, Node, the file system under `dataDir`. */
export function describeMachine(pinning: Pinning, dataDir: string): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux: os.cpus() it is
  }
  let nofile = 'unknown';
  try {
    nofile = /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.slice(1, 3).join(' / ') ?? nofile;
  } catch {
    // not Linux
  }
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
    pinning: pinning.enabled ? `taskset: servers on core ${pinning.serverCore}, load on core ${pinning.loadCore}` : 'none (taskset missing or one core)',
    nofile,
    dataFilesystem: filesystemOf(dataDir),
  };
}

/** The file system type holding `path` (`ext4 on /dev/vda`), from the longest mount point of /proc/mounts above it. */
export function filesystemOf(path: string): string {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([, at]) => at !== undefined && (path === at || path.startsWith(at.endsWith('/') ? at : `${at}/`)))
      .sort((a, b) => b[1].length - a[1].length);
    return mounts.length ? `${mounts[0][2]} on ${mounts[0][0]}` : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A number as people read it: thousands separated, 3 significant digits below 100. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(3)).toString();
}

export function formatMeasure(m: Measure | null | undefined): string {
  if (!m) return '–';
  return m.display ?? `${formatNumber(m.median)} ${m.unit}`;
}

function referenceCell(row: Row): string {
  if (!row.reference) return '';
  if ('skipped' in row.reference) return `skipped: ${row.reference.skipped}`;
  return `${formatMeasure(row.reference)} (${row.reference.name})`;
}

const verdict = (met: boolean | null) => (met === null ? '' : met ? 'yes' : 'NO');

/** The rows as a Markdown table (printed, and pasted into the README). */
export function formatTable(rows: readonly Row[]): string {
  const header = ['#', 'what', 'Haven', 'reference (same run)', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => [
    r.id,
    r.what,
    formatMeasure(r.haven),
    referenceCell(r),
    r.ratio === undefined ? '' : `${formatNumber(r.ratio)}×`,
    r.target,
    verdict(r.met),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...lines.map(fmt)].join('\n');
}

/** Writes the JSON report (machine, settings, every row with every run). */
export function writeReport(file: string, report: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}
