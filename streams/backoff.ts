/** Reconnect policy parameters; every field has a default. */
export interface BackoffConfig {
  /** Delay before the first retry. Default 100 ms. */
  readonly baseMs?: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
  /** No delay exceeds this, jitter included. Default 5000 ms. */
  readonly capMs?: number;
  /** Spread as a ± fraction of the delay, so many clients do not retry in step. Default 0.2. */
  readonly jitter?: number;
  /** Attempts before giving up. Default: never give up. */
  readonly maxAttempts?: number;
  /** Source of randomness in [0, 1). Default `Math.random`; tests inject their own. */
  readonly random?: () => number;
}

/** Delay in whole ms before retry number `attempt` (counted from 1), or null: give up. */
export type Backoff = (attempt: number) => number | null;

/**
 * Exponential backoff with cap and jitter, as a pure function of the attempt number:
 * `min(capMs, baseMs · factor^(attempt-1) · (1 ± jitter))`, null past `maxAttempts`.
 * An attempt below 1 is treated as 1. Throws on a config that makes no sense (negative delays,
 * a factor below 1, jitter outside [0, 1]) so a typo fails at start, not on the first outage.
 */
export function createBackoff({
  baseMs = 100,
  factor = 2,
  capMs = 5000,
  jitter = 0.2,
  maxAttempts = Infinity,
  random = Math.random,
}: BackoffConfig = {}): Backoff {
  if (!(baseMs >= 0) || !(capMs >= 0) || !(factor >= 1) || !(jitter >= 0 && jitter <= 1) || !(maxAttempts >= 0)) {
    throw new RangeError(`Invalid backoff: baseMs ${baseMs}, factor ${factor}, capMs ${capMs}, jitter ${jitter}, maxAttempts ${maxAttempts}`);
  }
  return (attempt) => {
    const n = attempt >= 1 ? Math.floor(attempt) : 1;
    if (n > maxAttempts) return null;
    // 0 · Infinity is NaN, hence the explicit zero base.
    const raw = baseMs === 0 ? 0 : Math.min(capMs, baseMs * Math.pow(factor, n - 1));
    const spread = 1 + jitter * (2 * random() - 1);
    return Math.round(Math.min(capMs, Math.max(0, raw * spread)));
  };
}
