import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';

/** A TestScheduler whose assertions use chai's deep equality, so marble diffs read as chai diffs. */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

/**
 * Frames at which the scheduler still has work queued, read after everything else due at `frame`:
 * the way to assert that a torn-down operator left no timer behind (`expect(queued.frames).to.deep.equal([])`
 * after `run`). Hot observables' own later messages count too, so probe after their last one.
 */
export function queuedAt(ts: TestScheduler, frame: number): { frames: number[] } {
  const seen = { frames: [] as number[] };
  // Rescheduling at delay 0 puts the probe behind the hot observables' messages of that frame.
  const probe = () => seen.frames.push(...ts.actions.map((a) => a.delay));
  ts.schedule(() => ts.schedule(probe, 0), frame);
  return seen;
}
