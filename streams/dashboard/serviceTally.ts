import { map, merge, scan, shareReplay, startWith, type Observable, type SchedulerLike } from 'rxjs';

/** One settled delivery, as far as the tally reads it. */
export interface SettledDelivery {
  readonly service: string;
  readonly result: string;
}

/** One status transition of a service, as far as the tally reads it. */
export interface ServiceTransition {
  readonly service: string;
  readonly status: string;
}

/** What the dashboard shows of one service besides its registration: lines delivered and expired, and since when it is down. */
export interface ServiceCount {
  readonly delivered: number;
  readonly expired: number;
  /** Scheduler ms of the transition that took it out of `connected`; null while connected or never seen down. */
  readonly downSince: number | null;
}

/** Every service's counts, by name. */
export type ServiceTallies = Readonly<Record<string, ServiceCount>>;

const ZERO: ServiceCount = { delivered: 0, expired: 0, downSince: null };

type Step = { readonly kind: 'settled'; readonly s: SettledDelivery } | { readonly kind: 'status'; readonly t: ServiceTransition; readonly at: number };

/** The pure step: `written` counts as delivered, `expired` as expired (other results are neither); leaving `connected` starts the down clock, coming back stops it. */
export function tallyStep(tallies: ServiceTallies, step: Step): ServiceTallies {
  const name = step.kind === 'settled' ? step.s.service : step.t.service;
  const was = tallies[name] ?? ZERO;
  let next: ServiceCount = was;
  if (step.kind === 'settled') {
    if (step.s.result === 'written') next = { ...was, delivered: was.delivered + 1 };
    else if (step.s.result === 'expired') next = { ...was, expired: was.expired + 1 };
  } else if (step.t.status === 'connected') {
    if (was.downSince !== null) next = { ...was, downSince: null };
    // A service that is down stays down since the first transition, however many retries follow.
  } else if (was.downSince === null) next = { ...was, downSince: step.at };
  return next === was ? tallies : { ...tallies, [name]: next };
}

/**
 * Per-service delivered and expired counts and down clocks, folded from the settled deliveries and
 * the status transitions (stamped with `scheduler.now()`). Replays the latest tally to late subscribers.
 *
 * ```
 * settled$: --w--e--w-----
 * status$:  -------b--c---
 * tally:    a-b--c--de-f--   (downSince set at b, cleared at c)
 * ```
 */
export function serviceTallies(
  settled$: Observable<SettledDelivery>,
  status$: Observable<ServiceTransition>,
  scheduler: SchedulerLike,
): Observable<ServiceTallies> {
  return merge(settled$.pipe(map((s): Step => ({ kind: 'settled', s }))), status$.pipe(map((t): Step => ({ kind: 'status', t, at: scheduler.now() })))).pipe(
    scan(tallyStep, {} as ServiceTallies),
    startWith({} as ServiceTallies),
    shareReplay({ bufferSize: 1, refCount: false }),
  );
}
