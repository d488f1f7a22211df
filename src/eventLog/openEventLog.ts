import { join } from 'node:path';
import type { HubMemory, MemoryRules } from '../../streams/log/hubMemory';
import type { HavenConfig } from '../config/havenConfig';
import type { Logger } from '../log';
import { openFileLog, type FileLogOptions, type OpenedLog } from './fileLog';
import type { EndOfTurn } from '../runtime/turnStages';
import { createMemoryLog } from './memoryLog';

/** What opening a log needs beyond the config. */
export interface OpenLogDeps {
  readonly rules: MemoryRules;
  /** The memory of a folder with no log yet (a store from before the log, migrated). */
  readonly seed: () => HubMemory;
  readonly log: Logger;
  readonly wallMs: () => number;
  /** When a turn's records are written (default: its end, `setImmediate`). */
  readonly defer?: EndOfTurn;
  /** The file log's fsync (a whole-hub test makes it fail as a failing disk would). */
  readonly fdatasync?: FileLogOptions['fdatasync'];
}

/** The log's folder inside the data folder. */
export function journalDir(dataDir: string): string {
  return join(dataDir, 'journal');
}

const HOUR_MS = 3_600_000;

/** The configured log: segment files in `<data_dir>/journal`, or memory only for `:memory:`. */
export function openEventLog(config: HavenConfig, deps: OpenLogDeps): OpenedLog {
  const j = config.journal;
  if (config.storage.data_dir === ':memory:') {
    const memory = deps.seed();
    return {
      log: createMemoryLog({ capacity: j.capacity, replayLimit: j.replay_limit }, memory, deps.rules, deps.defer),
      dir: undefined,
      memory,
      recovery: { tailRecords: 0, cutBytes: 0, fromSnapshot: false, ms: 0 },
    };
  }
  return openFileLog({
    dir: journalDir(config.storage.data_dir),
    fsync: j.fsync,
    segmentBytes: j.segment_bytes,
    snapshotEvery: j.snapshot_every,
    capacity: j.capacity,
    replayLimit: j.replay_limit,
    retain: { segments: j.retain.segments, maxAgeMs: j.retain.max_age_hours * HOUR_MS, bytes: j.retain.bytes },
    ...deps,
  });
}
