import { asyncScheduler, type SchedulerLike } from 'rxjs';

/** How many attempts one key (a remote IP) may make in a sliding window. */
export interface RateLimitOptions {
  /** Attempts allowed inside any window. Default 10. */
  readonly max?: number;
  /** Window length in ms. Default 60 000 (so the default is 10 per minute). */
  readonly windowMs?: number;
}

/** The answer to one attempt: allowed, or refused with how long until a slot frees up. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/** A sliding-window limiter keyed by a string; its clock is the injected scheduler. */
export interface RateLimiter {
  /** Counts one attempt for `key` when allowed; a refused attempt does not count. */
  attempt(key: string): RateDecision;
  /** Forgets keys whose attempts have all left the window (call from a periodic sweep). */
  prune(): void;
  /** Keys currently tracked (memory bound checks). */
  size(): number;
}

/**
 * Sliding-window log: each key keeps the times of at most `max` allowed attempts, so memory per
 * key is bounded and a burst at a window's edge cannot double the rate (a fixed window would
 * allow 2·max across the boundary). Time is `scheduler.now()`, so virtual time tests it.
 *
 * ```
 * max 2, window 10
 * attempts  a-a-a--------a
 * allowed   y-y-n--------y   (the first slot frees at frame 10)
 * ```
 */
export function createRateLimiter({ max = 10, windowMs = 60_000 }: RateLimitOptions = {}, scheduler: SchedulerLike = asyncScheduler): RateLimiter {
  if (!Number.isSafeInteger(max) || max < 1 || !(windowMs > 0)) throw new RangeError(`Invalid rate limit: max ${max}, windowMs ${windowMs}`);
  const log = new Map<string, number[]>();

  const live = (times: number[], now: number): number[] => {
    let stale = 0;
    while (stale < times.length && times[stale] <= now - windowMs) stale++;
    if (stale > 0) times.splice(0, stale);
    return times;
  };

  return {
    attempt(key) {
      const now = scheduler.now();
      const times = live(log.get(key) ?? [], now);
      if (times.length >= max) return { allowed: false, retryAfterMs: times[0] + windowMs - now };
      times.push(now);
      log.set(key, times);
      return { allowed: true };
    },
    prune() {
      const now = scheduler.now();
      for (const [key, times] of log) if (live(times, now).length === 0) log.delete(key);
    },
    size: () => log.size,
  };
}
