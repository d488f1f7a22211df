import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import type { EventLog } from './eventLog';
import { everyUnref, type Every } from './repeating';

const MARK_FILE = 'dispatched.json';
const MARK_EVERY_MS = 1000;

/**
 * How far the services had got: the seq through which every event had settled with every service,
 * written beside the log once a second and at stop. Events after it were accepted and stored but
 * may not have reached a service when the process died; they are not replayed to services after a
 * restart (a light or a motor must not fire late), and start-up says how many there were.
 */
export interface DispatchMark {
  /** Logs how many stored events after the mark a restart does not replay; call once, at start-up. */
  reportUnreplayed(eventLog: EventLog): number;
  /** Writes the mark once a second from `settledThrough` (never below the seq the hub started at). */
  start(settledThrough: () => number): void;
  /** Writes the last mark and stops. */
  stop(): void;
}

/** The mark of the log in `dir`; undefined `dir` (a hub that keeps nothing) marks nothing. `every` repeats the write (default an unref'd interval). */
export function createDispatchMark(dir: string | undefined, log: Logger, every: Every = everyUnref): DispatchMark {
  const path = dir === undefined ? undefined : join(dir, MARK_FILE);
  let floor = 0;
  let written = -1;
  let settled: (() => number) | undefined;
  let cancel: (() => void) | undefined;

  const write = (): void => {
    if (path === undefined || settled === undefined) return;
    const seq = Math.max(floor, settled());
    if (seq === written) return;
    try {
      // Beside, then renamed over: a crash leaves the old mark or the new one.
      writeFileSync(`${path}.tmp`, JSON.stringify({ seq }));
      renameSync(`${path}.tmp`, path);
      written = seq;
    } catch (err) {
      log.warn('could not write the dispatch mark', { error: String(err) });
    }
  };

  return {
    reportUnreplayed(eventLog) {
      floor = eventLog.lastSeq();
      if (path === undefined) return 0;
      const mark = readMark(path);
      if (mark >= floor) return 0;
      const missed = eventLog.after(mark);
      const count = 'events' in missed ? missed.events.filter((e) => e.kind === 'event').length : floor - mark;
      if (count > 0)
        log.warn(
          `${count} stored events after seq ${mark} may not have reached every service before the last stop; they are not replayed to services (they would fire late)`,
          {
            not_replayed: count,
            from_seq: mark + 1,
            to_seq: floor,
          },
        );
      return count;
    },
    start(settledThrough) {
      settled = settledThrough;
      write();
      // A hub that keeps nothing has no mark to repeat (nor a timer outside its scheduler).
      if (path !== undefined) cancel = every(MARK_EVERY_MS, write);
    },
    stop() {
      cancel?.();
      cancel = undefined;
      write();
    },
  };
}

function readMark(path: string): number {
  try {
    const seq = (JSON.parse(readFileSync(path, 'utf8')) as { seq?: unknown }).seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : 0;
  } catch {
    return 0;
  }
}
