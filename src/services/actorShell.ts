import { Observable } from 'rxjs';
import type { SettleEffect } from '../../streams/services/serviceEffects';
import { NO_EFFECTS, serviceMachine, type Transition } from '../../streams/services/serviceMachine';
import type { ActorDeps } from './actorContracts';
import type { Delivery } from './delivery';
import { createStatusCell, describeError, type StatusCell } from './serviceStatus';

/**
 * Runs a service actor's transition behind one mailbox ({@link serviceMachine}) and hands every
 * effect of every step to `perform`, in order. Returns the mailbox's `post`. A transition or an
 * effect that throws is logged and skipped: the mailbox lives on.
 */
export function runServiceMachine<S, M extends { readonly type: string }, E extends { readonly type: string }>(
  transition: Transition<S, M, E>,
  initial: S,
  perform: (effect: E) => void,
  { scheduler, log }: Pick<ActorDeps, 'scheduler' | 'log'>,
): (message: M) => void {
  const guarded: Transition<S, M, E> = (state, message, now) => {
    try {
      return transition(state, message, now);
    } catch (error) {
      log.error('actor failed on a message', { message: message.type, error: describeError(error) });
      return { state, effects: NO_EFFECTS };
    }
  };
  // A bare subscriber, not a Subject: `post` is on every delivery's path and has one listener.
  let post: (message: M) => void = () => undefined;
  const mailbox$ = new Observable<M>((subscriber) => {
    post = (message) => subscriber.next(message);
  });
  mailbox$.pipe(serviceMachine(guarded, initial, scheduler)).subscribe(({ effects }) => {
    for (const effect of effects) {
      try {
        perform(effect);
      } catch (error) {
        log.error('actor failed on an effect', { effect: effect.type, error: describeError(error) });
      }
    }
  });
  return (message) => post(message);
}

/**
 * Performs settle effects. Drops (`expired`, `overflow`) are logged the first time of each kind
 * and then every 100th with a running count, so a dead service under load does not flood the log.
 */
export function createSettler(log: ActorDeps['log'], mailboxSize: number): (effect: SettleEffect<Delivery>) => void {
  const counts = { expired: 0, overflow: 0 };
  return ({ deliveries, result, detail }) => {
    if (result === 'expired' || result === 'overflow') {
      for (const delivery of deliveries) {
        const n = ++counts[result];
        if (n === 1 || n % 100 === 0) {
          if (result === 'overflow') log.warn(`mailbox full (${mailboxSize}): dropped the oldest waiting event`, { total: n });
          else log.info('dropped an event that waited longer than its max age', { total: n });
        }
        delivery.settle(result, detail);
      }
      return;
    }
    for (const delivery of deliveries) delivery.settle(result, detail);
  };
}

/** An actor's status cell, created in the state every actor starts in (`connecting`). */
export function actorStatus(name: string, deps: Pick<ActorDeps, 'log' | 'onStatus'>): StatusCell {
  return createStatusCell(name, 'connecting', deps.log, deps.onStatus);
}

/** A promise and the function that settles it (later calls do nothing). */
export function settleOnce<T>(): { readonly promise: Promise<T>; readonly resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
