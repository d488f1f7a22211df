import { BehaviorSubject, Subject, asyncScheduler, defer, filter, finalize, merge, takeUntil, tap, type Observable, type SchedulerLike } from 'rxjs';
import { emergencyTimers } from './emergencyTimers';
import type { SocketCommand, SocketStep } from './powerContracts';
import { samplingTicks } from './samplingTicks';
import { socketMachine, type SocketMachineConfig } from './socketMachine';

/** A socket actor's settings: its machine's plus its own clocks. */
export interface SocketLoopConfig extends SocketMachineConfig {
  /** Power monitor interval. */
  readonly samplingIntervalMs: number;
  /** Re-ask for an emergency stop this often while it has not gone through. Default 5000 ms. */
  readonly emergencyRetryMs?: number;
}

/** Internal commands are deduplicated by this key while one is still queued or in flight. */
function internalKey(command: SocketCommand): string | null {
  return command.type === 'sample' ? 'sample' : command.type === 'emergency' && command.cause === 'timeout' ? `emergency:${command.instanceId}` : null;
}

/**
 * A whole socket actor as one stream: the commands from outside (`external$`) and the actor's own
 * (emergency deadlines, sampling ticks, both driven by its ledger) go through one mailbox, the
 * {@link socketMachine}. A deadline therefore races a stop inside the mailbox, never on the
 * device. An internal command is dropped while the same one is still waiting (a slow device never
 * piles up samples). Every step is emitted; the output never errors and ends with `external$`.
 *
 * ```
 * external:  -a-------     a = start A (deadline 5)
 * output:    -b-d-b-d-     the start, then at 5 the deadline's emergency stop
 * ```
 */
export function socketLoop<C extends SocketCommand>(
  external$: Observable<C>,
  config: SocketLoopConfig,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<SocketStep<C | SocketCommand>> {
  return defer(() => {
    const ledger$ = new BehaviorSubject(config.initial);
    const pending = new Set<string>();
    const internal = new WeakSet<SocketCommand>();
    const ended$ = new Subject<void>();
    const internal$ = merge(
      emergencyTimers(ledger$, { retryMs: config.emergencyRetryMs }, scheduler),
      samplingTicks(ledger$, config.samplingIntervalMs, scheduler),
    ).pipe(
      filter((command) => {
        const key = internalKey(command)!;
        if (pending.has(key)) return false;
        pending.add(key);
        internal.add(command);
        return true;
      }),
      takeUntil(ended$),
    );
    // Internal first, so an external stream that completes synchronously still ends the clocks.
    return merge(internal$, external$.pipe(finalize(() => ended$.next()))).pipe(
      socketMachine<C | SocketCommand>(config, scheduler),
      tap((step) => {
        if (step.type !== 'done') return;
        if (internal.has(step.command)) pending.delete(internalKey(step.command)!);
        ledger$.next(step.ledger);
      }),
      finalize(() => ledger$.complete()),
    );
  });
}
