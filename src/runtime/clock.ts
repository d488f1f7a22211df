import { createUtcNow } from './utcNow';

/** The wall clock, for people and for expiries that survive restarts; gating never reads it. */
export interface Clock {
  /** Milliseconds since the epoch (pairing code expiry). */
  wallMs(): number;
  /** UTC ISO 8601 now (`timestamp` on events and answers). */
  utcNow(): string;
}

/** A wall clock reading `wallMs` (default the system's); `utcNow` derived from it (see createUtcNow). */
export function createClock(wallMs: () => number = Date.now): Clock {
  return { wallMs, utcNow: createUtcNow(wallMs) };
}
