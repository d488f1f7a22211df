/**
 * Waiting in tests for a condition, never for a fixed time: a bound is only there to fail a test
 * that would otherwise hang, so it is generous and says what was awaited.
 */

/** Polls `condition` (every 5 ms) until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Event-driven waiting for code that knows when its state changes (a socket's data handler):
 * `wake()` after each change re-checks every pending `until`. `describe` adds the current state to
 * a timeout's message.
 */
export function createWaiters(describe: () => string = () => '') {
  const waiters = new Set<() => void>();
  return {
    wake: (): void => waiters.forEach((w) => w()),
    until: (done: () => boolean, what: string, timeoutMs: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        if (done()) return resolve();
        const check = () => {
          if (!done()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}${describe() ? ` (${describe()})` : ''}`));
        }, timeoutMs);
        waiters.add(check);
      }),
  };
}
