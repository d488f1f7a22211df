/**
 * The hub's UTC ISO 8601 clock for people (`timestamp` on events). The string is built once per
 * wall-clock millisecond and reused: `toISOString` costs about 1 µs, as much as the rest of the
 * gateway's work on an event, and a busy hub stamps many events in the same millisecond.
 */
export function createUtcNow(wallMs: () => number = Date.now): () => string {
  let lastMs = NaN;
  let last = '';
  return () => {
    const ms = wallMs();
    if (ms !== lastMs) {
      lastMs = ms;
      last = new Date(ms).toISOString();
    }
    return last;
  };
}
