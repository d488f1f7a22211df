import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from './marbles';

/** A TestScheduler for a whole hub, and a way to move its clock on. */
export interface VirtualTime {
  readonly scheduler: TestScheduler;
  /** Moves virtual time on by `ms`, running every action due by then, in time order; `now()` ends at the target. */
  advance(ms: number): void;
}

/**
 * Virtual time for integration tests: the hub's timers (gating windows, heartbeats, sweeps) run
 * only when the test advances the clock, so a test waits on no wall-clock setting. Real socket I/O
 * still runs on the event loop: await it between advances.
 */
export function createVirtualTime(): VirtualTime {
  const scheduler = createTestScheduler();
  return {
    scheduler,
    advance(ms) {
      const to = scheduler.now() + ms;
      // A no-op due at the target, so the clock ends there even when nothing else is due.
      scheduler.schedule(() => undefined, ms);
      scheduler.maxFrames = to;
      scheduler.flush();
    },
  };
}
