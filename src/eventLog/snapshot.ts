import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubMemory } from '../../streams/log/hubMemory';

/** Where the hub's memory stood at one point of the log: start-up reads the log only after it. */
export interface LogSnapshot {
  readonly version: 1;
  /** The segment (its first seq) and byte offset just past the last record folded in. */
  readonly segment: number;
  readonly offset: number;
  readonly memory: HubMemory;
}

export const SNAPSHOT_FILE = 'snapshot.json';

/** The latest snapshot; undefined when there is none or it cannot be read (start-up then reads the whole log). */
export function readSnapshot(dir: string): LogSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, SNAPSHOT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as Partial<LogSnapshot>;
    if (s.version !== 1 || typeof s.segment !== 'number' || typeof s.offset !== 'number' || typeof s.memory?.seq !== 'number') return undefined;
    return s as LogSnapshot;
  } catch {
    return undefined;
  }
}

/** Fsyncs a file or folder by path (a rename is durable only once its folder is). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces the snapshot atomically: written beside it, then renamed over it, so a crash leaves
 * the old one or the new one, never half of either. `sync`: on the disk before the rename.
 */
export function writeSnapshot(dir: string, json: string, sync: boolean): void {
  const tmp = join(dir, `${SNAPSHOT_FILE}.tmp`);
  writeFileSync(tmp, json);
  if (sync) fsyncPath(tmp);
  renameSync(tmp, join(dir, SNAPSHOT_FILE));
  if (sync) fsyncPath(dir);
}
