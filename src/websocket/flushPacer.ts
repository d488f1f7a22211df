import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { EndOfTurn } from '../runtime/turnStages';

/** How the fan-out paces its writes. */
export interface FlushPacing {
  /** Two flushes start at least this far apart (ms). */
  readonly minIntervalMs: number;
  /** After a flush that took `d` ms, the next waits at least `restFactor × d`: writing takes at most 1 / (1 + restFactor) of the time. */
  readonly restFactor: number;
  /**
   * Runs a flush that is not too soon at the end of the current turn of the event loop; default
   * `setImmediate`, which comes after the turn's I/O callbacks, so every request of the turn
   * shares the flush (a zero-delay timer would come a millisecond later, a microtask after each
   * request).
   */
  readonly endOfTurn?: EndOfTurn;
}

/**
 * When the fan-out writes what its connections gathered: at the end of the current turn of the
 * event loop, unless that is too soon after the previous flush; then as soon as it is not. Too
 * soon is within `minIntervalMs` of its start, or within `restFactor` times its duration of its
 * end. A quiet hub still sends each message in the turn it happened; a busy one writes to each
 * client at most once per interval, and the more clients a flush has to write to, the longer
 * the interval: each write then carries more messages (one syscall for all of them), so the
 * writes never crowd out the hub's other work and a burst costs one syscall per client per
 * interval, not per event. Time (the flush's duration and the wait) comes from `scheduler`,
 * which production gives a monotonic clock.
 *
 * ```
 * asks:     a-b--------c     minIntervalMs 4, flushes that take no time
 * flushes:  a---b------c
 * ```
 */
export function createFlushPacer({ minIntervalMs, restFactor, endOfTurn = setImmediate }: FlushPacing, scheduler: SchedulerLike = asyncScheduler): EndOfTurn {
  let earliest = -Infinity;
  const run = (flush: () => void) => () => {
    const start = scheduler.now();
    flush();
    const took = scheduler.now() - start;
    earliest = Math.max(start + minIntervalMs, start + took + restFactor * took);
  };
  return (flush) => {
    const wait = earliest - scheduler.now();
    if (wait <= 0) endOfTurn(run(flush));
    else scheduler.schedule(run(flush), wait);
  };
}
