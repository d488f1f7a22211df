import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'lock';

/** Another live process writes this log: two writers would interleave their records. */
export class LogLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`The event log in ${dir} is in use by process ${pid}; stop it first, or give this hub another storage.data_dir`);
    this.name = 'LogLockedError';
  }
}

/**
 * Takes the log's folder for this process: a `lock` file holding the pid, created exclusively. A
 * lock left by a process that no longer runs (a `kill -9`) is taken over. Returns the release.
 */
export function lockFolder(dir: string, pid = process.pid): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(pid), { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(pid)) unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(path, 'utf8'));
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== pid && isAlive(holder)) throw new LogLockedError(dir, holder);
      unlinkSync(path);
    }
  }
  throw new Error(`Could not lock the event log in ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
