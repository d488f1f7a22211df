import type { SchedulerLike } from 'rxjs';
import { plainIp } from './plainIp';
import { blockedForMs, pruneFailures, withFailure, type AuthFailurePolicy } from '../../streams/security/authFailures';

/**
 * The hub's one count of failed authentications per remote address, shared by REST, WebSocket,
 * SSE and the TCP source: a caller who guesses on one transport is refused on all of them.
 */
export interface AuthFailureLimiter {
  /** Ms until `ip` may try again (> 0), or null when it may try now. */
  blockedForMs(ip: string): number | null;
  /** One failed authentication of `ip`, now. */
  fail(ip: string): void;
  /** Addresses currently tracked (memory bound checks). */
  size(): number;
}

/** Addresses tracked at most: past it, those whose failures left the window go, then the longest tracked. */
const MAX_TRACKED = 10_000;

/**
 * The pure rules of `streams/security/authFailures.ts` around one map, changed in place: a failure
 * costs one address's times, not a copy of every address tracked (which a spray of addresses would
 * make grow with each guess). Time is `scheduler.now()` (the hub's monotonic clock; a virtual one
 * in tests).
 */
export function createAuthFailureLimiter(policy: AuthFailurePolicy, scheduler: SchedulerLike): AuthFailureLimiter {
  const log = new Map<string, readonly number[]>();
  let prunedAt = -Infinity;
  const bound = (now: number): void => {
    // A sweep at most once a window, so a spray of addresses costs one sweep a window, not one a guess.
    if (now - prunedAt >= policy.windowMs) {
      prunedAt = now;
      const kept = pruneFailures(log, now, policy);
      log.clear();
      for (const [ip, times] of kept) log.set(ip, times);
    }
    // Still full: the address tracked longest goes (a Map iterates in insertion order).
    while (log.size >= MAX_TRACKED) log.delete(log.keys().next().value!);
  };
  return {
    // Keyed by one spelling of the address: HTTP, TCP and WebSocket sockets may report the same peer differently.
    blockedForMs: (ip) => blockedForMs(log, plainIp(ip), scheduler.now(), policy),
    fail(ip) {
      const now = scheduler.now();
      const key = plainIp(ip);
      if (!log.has(key) && log.size >= MAX_TRACKED) bound(now);
      log.set(key, withFailure(log.get(key) ?? [], now, policy));
    },
    size: () => log.size,
  };
}
