import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Folders kept for the whole test run (a shared fixture), removed before the run checks for leftovers. */
const forTheRun: string[] = [];

/** A temporary folder that lives until the end of the test run, for fixtures every spec shares. */
export function runTempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  forTheRun.push(dir);
  return dir;
}

/**
 * Gives the test run a temporary folder of its own (TMPDIR, which `os.tmpdir()` and every child
 * process read), so that what a test forgets to remove is found at the end of the run instead of
 * piling up in /tmp run after run. `check` removes the run's folder and throws naming whatever
 * the tests left in it; tsx's compile cache (made by the test processes' own loaders) is not a
 * test's leftover.
 */
export function isolateTempFolder(): { check(): void } {
  const runDir = mkdtempSync(join(tmpdir(), 'haven-run-'));
  process.env.TMPDIR = runDir;
  // Mocha runs no root hook when no test is selected (a --grep matching none): the folder still goes.
  process.once('exit', () => rmSync(runDir, { recursive: true, force: true }));
  return {
    check() {
      for (const dir of forTheRun.splice(0)) rmSync(dir, { recursive: true, force: true });
      const left = readdirSync(runDir).filter((name) => !name.startsWith('tsx-'));
      rmSync(runDir, { recursive: true, force: true });
      if (left.length > 0) throw new Error(`the tests left ${left.join(', ')} in the temporary folder: each test removes what it makes`);
    },
  };
}
