/** How the fan-out paces its writes. */
export interface FlushPacing {
  /** Two flushes start at least this far apart (ms). */
  readonly minIntervalMs: number;
  /** After a flush that took `d` ms, the next waits at least `restFactor × d`: writing takes at most 1 / (1 + restFactor) of the time. */
  readonly restFactor: number;
}

/**
 * When the fan-out writes what its connections gathered: at the end of the current turn of the
 * event loop, unless that is too soon after the previous flush; then as soon as it is not. Too
 * soon is within `minIntervalMs` of its start, or within `restFactor` times its duration of its
 * end. A quiet hub still sends each message in the turn it happened; a busy one writes to each
 * client at most once per interval, and the more clients a flush has to write to, the longer
 * the interval: each write then carries more messages (one syscall for all of them), so the
 * writes never crowd out the hub's other work and a burst costs one syscall per client per
 * interval, not per event.
 */
export function createFlushPacer({ minIntervalMs, restFactor }: FlushPacing, now: () => number = () => performance.now()): (flush: () => void) => void {
  let earliest = -Infinity;
  const run = (flush: () => void) => () => {
    const start = now();
    flush();
    const took = now() - start;
    earliest = Math.max(start + minIntervalMs, start + took + restFactor * took);
  };
  return (flush) => {
    const wait = earliest - now();
    if (wait <= 0) setImmediate(run(flush));
    else setTimeout(run(flush), wait);
  };
}
