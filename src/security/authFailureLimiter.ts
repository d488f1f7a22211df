import type { SchedulerLike } from 'rxjs';
import { plainIp } from './plainIp';
import { blockedForMs, EMPTY_FAILURE_LOG, pruneFailures, recordFailure, type AuthFailurePolicy, type FailureLog } from '../../streams/security/authFailures';

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

/** Addresses tracked before the oldest are swept out; bounds memory against a spray of addresses. */
const PRUNE_ABOVE = 10_000;

/**
 * The pure rules of `streams/security/authFailures.ts` around one mutable log. Time is
 * `scheduler.now()` (the hub's monotonic clock; a virtual one in tests).
 */
export function createAuthFailureLimiter(policy: AuthFailurePolicy, scheduler: SchedulerLike): AuthFailureLimiter {
  let log: FailureLog = EMPTY_FAILURE_LOG;
  return {
    // Keyed by one spelling of the address: HTTP, TCP and WebSocket sockets may report the same peer differently.
    blockedForMs: (ip) => blockedForMs(log, plainIp(ip), scheduler.now(), policy),
    fail(ip) {
      const now = scheduler.now();
      if (log.size >= PRUNE_ABOVE) log = pruneFailures(log, now, policy);
      log = recordFailure(log, plainIp(ip), now, policy);
    },
    size: () => log.size,
  };
}
