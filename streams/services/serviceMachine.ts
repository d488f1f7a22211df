import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';

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
 * input stream, handled one message at a time, so a message posted by an effect while another is
 * being handled (a write callback that fires at once) waits its turn and always sees the state the
 * previous one left. Emits every step, in order; the shell performs its effects. Completes and
 * errors with the input.
 *
 * ```
 * messages:  -s--d-d--w-|    s = start, d = deliver, w = written
 * steps:     -a--b-c--e-|    one step per message, in order
 * ```
 *
 * This is `concatMap((m) => of(transition(state, m, now)))` written out: the transition is
 * synchronous, so the queue is all `concatMap` would add, and its inner subscription per message
 * (three per delivered event on a TCP_SOCKET actor) showed on the HTTP trigger path in benchmark 1.
 */
export function serviceMachine<S, M, E>(
  transition: Transition<S, M, E>,
  initial: S,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<M, Step<S, E>> {
  return (messages$) =>
    new Observable<Step<S, E>>((subscriber) => {
      let state = initial;
      const waiting: M[] = [];
      let busy = false;
      return messages$.subscribe({
        next(message) {
          waiting.push(message);
          if (busy) return;
          busy = true;
          try {
            for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
              const step = transition(state, next, scheduler.now());
              state = step.state;
              subscriber.next(step);
            }
          } catch (error) {
            subscriber.error(error);
          } finally {
            busy = false;
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
