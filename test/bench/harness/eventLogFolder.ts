import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TriggerEvent } from '../../../streams/contracts';
import { createGateContext, DEFAULT_GATING } from '../../../streams/gating/gatingConfig';
import { emptyHubMemory, type MemoryRules } from '../../../streams/log/hubMemory';
import type { HavenConfig } from '../../../src/config/havenConfig';
import { loadHavenConfig, loadTriggerConfig } from '../../../src/config/loadConfig';
import { journalDir, openEventLog } from '../../../src/eventLog/openEventLog';
import { listSegments, segmentBytes } from '../../../src/eventLog/segments';
import { fsyncPath, SNAPSHOT_FILE } from '../../../src/eventLog/snapshot';
import { createLogger } from '../../../src/log';

/** Records staged in one turn: the log writes each turn's records with one write(2). */
const BATCH = 10_000;

/** The inputs the records cycle over, as benchmark 6's: On/Off with increasing ids, Discrete, Continuous, a status. */
const INPUTS = [
  { source: 'HTTP', kind: 'event', name: 'RedTelephone.Button_1', value: (n: number) => (n % 8 < 4 ? 'On' : 'Off'), withId: true },
  { source: 'HTTP', kind: 'event', name: 'Stage.Mode', value: (n: number) => ['idle', 'intro', 'finale'][n % 3], withId: false },
  { source: 'TCP', kind: 'event', name: 'Flame.Intensity', value: (n: number) => n % 101, withId: false },
  { source: 'HTTP', kind: 'status', name: 'Dial.Number', value: (n: number) => n % 10, withId: false },
] as const;

/** What was written. */
export interface WrittenLog {
  readonly records: number;
  readonly bytes: number;
  readonly segments: number;
  /** Records the crashed folder's snapshot is behind its last one. */
  readonly behind: number;
  readonly ms: number;
}

/**
 * Fills the event logs of two bench hub configs with `records` accepted events, through the
 * log itself (its segment size and snapshot cadence from the config), in big batches, synced
 * once at the end:
 *
 * - `cleanConfig`'s as a hub leaves it after a clean stop: the snapshot at the last record, so
 *   start-up reads nothing after it;
 * - `crashConfig`'s as a hub killed `behind` records after its last snapshot leaves it: the
 *   same segments, and the snapshot the log wrote `behind` records before the end, so start-up
 *   reads that tail (the most a crash leaves is `journal.snapshot_every` records).
 */
export async function writeEventLogs(cleanConfig: string, crashConfig: string, records: number, behind: number): Promise<WrittenLog> {
  if (!(behind > 0 && behind < records)) throw new Error(`the crashed log's snapshot must be 1…${records - 1} records behind, not ${behind}`);
  const started = Date.now();
  const config = loadHavenConfig({ configFile: cleanConfig });
  const dir = journalDir(config.storage.data_dir);
  const eventAt = eventsOf(config, started - records - 60_000);
  // Syncing is left to the end: the files are what matters here, not how the log got there.
  const unsynced: HavenConfig = { ...config, journal: { ...config.journal, fsync: 'no' } };
  const deps = { rules: rulesOf(config), seed: () => emptyHubMemory(), log: createLogger('Bench log', 'warn'), wallMs: Date.now };
  const append = async (from: number, to: number): Promise<void> => {
    const { log } = openEventLog(unsynced, deps);
    for (let first = from; first <= to; first += BATCH) {
      let stored = Promise.resolve();
      for (let seq = first; seq <= Math.min(to, first + BATCH - 1); seq++) stored = log.append(eventAt(seq));
      await stored;
    }
    await log.close();
  };
  await append(1, records - behind);
  const earlierSnapshot = readFileSync(join(dir, SNAPSHOT_FILE), 'utf8');
  await append(records - behind + 1, records);

  const crashDir = journalDir(loadHavenConfig({ configFile: crashConfig }).storage.data_dir);
  mkdirSync(crashDir, { recursive: true });
  const segments = listSegments(dir);
  for (const s of segments) copyFileSync(s.path, join(crashDir, basename(s.path)));
  writeFileSync(join(crashDir, SNAPSHOT_FILE), earlierSnapshot);
  for (const folder of [dir, crashDir]) {
    for (const s of listSegments(folder)) fsyncPath(s.path);
    fsyncPath(join(folder, SNAPSHOT_FILE));
    fsyncPath(folder);
  }
  const bytes = segments.reduce((sum, s) => sum + segmentBytes(s.path), 0);
  return { records, bytes, segments: segments.length, behind, ms: Date.now() - started };
}

/** Event `seq` as the gateway builds it (the same fields in the same order, `seq` first) for a catalog trigger, 1 ms apart from `t0`. */
function eventsOf(config: HavenConfig, t0: number): (seq: number) => TriggerEvent {
  const { triggers } = loadTriggerConfig(config.trigger.config_file);
  const defs = INPUTS.map((input) => {
    const def = triggers.get(input.name);
    if (!def) throw new Error(`the bench catalog has no trigger ${input.name}`);
    return { input, def };
  });
  return (seq) => {
    const { input, def } = defs[seq % defs.length];
    const n = Math.floor(seq / defs.length);
    return {
      seq,
      kind: input.kind,
      name: def.name,
      value: input.value(n),
      id: input.withId ? n + 1 : null,
      type: def.type,
      category: def.category,
      organization: def.organization as string,
      source: input.source,
      timestamp: new Date(t0 + seq).toISOString(),
      receivedAt: seq,
    };
  };
}

/** The gating parameters the log's fold records with, as createRuntime builds them from the config. */
function rulesOf(config: HavenConfig): MemoryRules {
  const g = config.trigger.gating;
  return createGateContext({
    ...DEFAULT_GATING,
    minIntervalMs: g.min_interval_ms,
    minIntervalScope: g.min_interval_scope,
    cooldownMs: g.cooldown_ms,
    priorities: Object.fromEntries(Object.entries(config.trigger.sources).map(([name, s]) => [name, s.priority])),
  });
}
