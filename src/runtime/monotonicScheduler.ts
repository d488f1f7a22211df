import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { performance } from 'node:perf_hooks';

/**
 * The production scheduler: asyncScheduler's timers with a monotonic `now()`, so gating windows
 * never jump when the wall clock is set (installations without internet often have drifting clocks).
 */
export const monotonicScheduler: SchedulerLike = {
  now: () => performance.now(),
  schedule: asyncScheduler.schedule.bind(asyncScheduler) as SchedulerLike['schedule'],
};
