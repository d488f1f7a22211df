import { EMPTY, asyncScheduler, distinctUntilChanged, interval, map, switchMap, type Observable, type SchedulerLike } from 'rxjs';
import type { SocketLedger } from './powerContracts';

/** A request to measure the socket now. */
export interface SampleTick {
  readonly type: 'sample';
}

/**
 * The power monitor's clock: a tick every `intervalMs` while the socket may be on (`on`, or
 * `unknown` after a device problem, so a faulted socket is polled until it answers again), none
 * while it is known to be off. The interval restarts from zero each time the socket comes on.
 *
 * ```
 * ledger$ power:  on--------off---      intervalMs = 3
 * output:         ---t--t--|…           (silent while off)
 * ```
 */
export function samplingTicks(ledger$: Observable<SocketLedger>, intervalMs: number, scheduler: SchedulerLike = asyncScheduler): Observable<SampleTick> {
  return ledger$.pipe(
    map((l) => l.power !== 'off'),
    distinctUntilChanged(),
    switchMap((mayBeOn) => (mayBeOn ? interval(intervalMs, scheduler) : EMPTY)),
    map((): SampleTick => ({ type: 'sample' })),
  );
}
