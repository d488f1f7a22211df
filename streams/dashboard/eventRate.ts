import { filter, interval, map, merge, scan, type Observable, type SchedulerLike } from 'rxjs';

/** How the event rate is sampled: one count per `periodMs`, the last `window` of them kept. */
export interface EventRateConfig {
  readonly periodMs: number;
  readonly window: number;
}

interface RateState {
  readonly pending: number;
  readonly counts: readonly number[];
  readonly tick: boolean;
}

/**
 * Events per period over the last `window` periods, oldest first, emitted at the end of every
 * period (so it also paces the dashboard's periodic update). Only counts: the events are not kept.
 *
 * ```
 * events$: -a-b-----c--    (periodMs 4, window 2)
 * rate:    ---x---y---z    x=[2] y=[2,0] z=[0,1]
 * ```
 */
export function eventRate<T>(events$: Observable<T>, { periodMs, window }: EventRateConfig, scheduler: SchedulerLike): Observable<readonly number[]> {
  const seed: RateState = { pending: 0, counts: [], tick: false };
  return merge(events$.pipe(map(() => false)), interval(periodMs, scheduler).pipe(map(() => true))).pipe(
    scan(
      (s: RateState, tick: boolean): RateState =>
        tick ? { pending: 0, counts: [...s.counts, s.pending].slice(-window), tick: true } : { pending: s.pending + 1, counts: s.counts, tick: false },
      seed,
    ),
    filter((s) => s.tick),
    map((s) => s.counts),
  );
}
