import { asyncScheduler, filter, map, mergeMap, pairwise, share, startWith, takeUntil, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { SocketLedger } from './powerContracts';
import { isRunning, OFF_LEDGER } from './socketLedger';

/** An instance whose emergency-stop deadline has passed while it still runs. */
export interface EmergencyDue {
  readonly type: 'emergency';
  readonly instanceId: string;
  readonly cause: 'timeout';
}

/** Options of {@link emergencyTimers}. */
export interface EmergencyTimersConfig {
  /** While an instance still runs after its deadline (the stop failed), ask again this often. Default 5000 ms. */
  readonly retryMs?: number;
}

/**
 * One timer per running instance, armed when the instance appears in the ledger at its
 * `deadlineAt` (a deadline already past fires at once) and cancelled when the instance leaves. If
 * the instance is still there after the deadline (the device did not answer), it fires again
 * every `retryMs` until it is gone.
 *
 * ```
 * ledger$:  a----b-----      a = {A deadline 3}, b = {} (A stopped), then A never returns
 * output:   ---e-------      e = { instanceId: 'A' }
 * ```
 */
export function emergencyTimers(
  ledger$: Observable<SocketLedger>,
  { retryMs = 5000 }: EmergencyTimersConfig = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<EmergencyDue> {
  const ledgers$ = ledger$.pipe(share());
  const gone$ = (instanceId: string) => ledgers$.pipe(filter((ledger) => !isRunning(ledger, instanceId)));
  return ledgers$.pipe(
    startWith(OFF_LEDGER),
    pairwise(),
    mergeMap(([before, now]) => now.running.filter((r) => !isRunning(before, r.instanceId))),
    mergeMap(({ instanceId, deadlineAt }) =>
      timer(Math.max(0, deadlineAt - scheduler.now()), retryMs, scheduler).pipe(
        map((): EmergencyDue => ({ type: 'emergency', instanceId, cause: 'timeout' })),
        takeUntil(gone$(instanceId)),
      ),
    ),
  );
}
