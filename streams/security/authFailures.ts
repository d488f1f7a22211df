/**
 * Failed authentications per remote address, as a pure value: the hub refuses a caller that failed
 * `max` times inside any `windowMs` until the oldest of those failures leaves the window
 * (fail2ban's rule, Redis's and Mosquitto's answer to password guessing). Only failures count; a
 * success neither counts nor forgives. Time is a number the caller passes (the hub's monotonic
 * `scheduler.now()`), so every rule is a table of `(log, ip, now) → answer`.
 *
 * ```
 * max 3, window 10
 * failures   f-f-f------|--f
 * blocked    ----yyyyyyy|n--   (blocked from the 3rd failure until frame 10, when the 1st leaves)
 * ```
 */

/** How many failures inside which window block an address. */
export interface AuthFailurePolicy {
  readonly max: number;
  readonly windowMs: number;
}

/** Each address's failure times still inside the window, oldest first, at most `max` of them. */
export type FailureLog = ReadonlyMap<string, readonly number[]>;

export const EMPTY_FAILURE_LOG: FailureLog = new Map();

/** The failures of `times` still inside the window at `now`. */
function live(times: readonly number[], now: number, { windowMs }: AuthFailurePolicy): readonly number[] {
  let stale = 0;
  while (stale < times.length && times[stale] <= now - windowMs) stale++;
  return stale === 0 ? times : times.slice(stale);
}

/**
 * How long `ip` is still refused at `now`, in ms (> 0), or null when it may try. Blocked means
 * `max` failures inside the window; it lasts until the oldest of them leaves it.
 */
export function blockedForMs(log: FailureLog, ip: string, now: number, policy: AuthFailurePolicy): number | null {
  const times = live(log.get(ip) ?? [], now, policy);
  if (times.length < policy.max) return null;
  return times[times.length - policy.max] + policy.windowMs - now;
}

/** One address's failure times with one more at `now`; only the newest `max` are kept (memory per address is bounded). */
export function withFailure(times: readonly number[], now: number, policy: AuthFailurePolicy): readonly number[] {
  return [...live(times, now, policy), now].slice(-policy.max);
}

/** The log with one more failure of `ip` at `now` (see {@link withFailure}). */
export function recordFailure(log: FailureLog, ip: string, now: number, policy: AuthFailurePolicy): FailureLog {
  return new Map(log).set(ip, withFailure(log.get(ip) ?? [], now, policy));
}

/** The log without the addresses whose failures have all left the window (a periodic sweep). */
export function pruneFailures(log: FailureLog, now: number, policy: AuthFailurePolicy): FailureLog {
  const kept = new Map<string, readonly number[]>();
  for (const [ip, times] of log) {
    const still = live(times, now, policy);
    if (still.length > 0) kept.set(ip, still);
  }
  return kept;
}
