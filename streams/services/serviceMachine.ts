import { asyncScheduler, concatMap, defer, of, type OperatorFunction, type SchedulerLike } from 'rxjs';

/** What a transition answers: the state after the message and what the shell is to do. */
export interface Step<S, E> {
  readonly state: S;
  readonly effects: readonly E[];
}

/**
 * A service actor's logic: pure, `(state, message, now) → { state, effects }`. It never touches a
 * socket, a timer or a clock; `now` is the scheduler's time at which the message is handled.
 */
export type Transition<S, M, E> = (state: S, message: M, now: number) => Step<S, E>;

/** The effects of a step that has none (shared, so the hot path allocates no array). */
export const NO_EFFECTS: readonly never[] = [];

/**
 * A service actor as an operator, as {@link socketMachine} is for a power socket: its mailbox is the
 * input stream, handled one message at a time (`concatMap`), so a message posted by an effect while
 * another is being handled (a write callback that fires at once) waits its turn and always sees
 * the state the previous one left. Emits every step; the shell performs its effects.
 *
 * ```
 * messages:  -s--d-d--w-     s = start, d = deliver, w = written
 * steps:     -a--b-c--e-     one step per message, in order
 * ```
 */
export function serviceMachine<S, M, E>(transition: Transition<S, M, E>, initial: S, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<M, Step<S, E>> {
  return (messages$) =>
    defer(() => {
      let state = initial;
      return messages$.pipe(
        concatMap((message) => {
          const step = transition(state, message, scheduler.now());
          state = step.state;
          return of(step);
        }),
      );
    });
}
