import { Observable, type Subscriber } from 'rxjs';

/** A hot stream that its owner pushes into: every value goes to every current subscriber, in order. */
export interface Broadcast<T> {
  /** The values pushed from the moment of subscribing on; completes when the broadcast does (at once if it already has). */
  readonly stream$: Observable<T>;
  /** Whether anyone subscribes now (a value nobody reads need not be built). */
  readonly observed: boolean;
  next(value: T): void;
  complete(): void;
}

/**
 * What a `Subject` is to its owner, for the streams every input or every record passes through
 * (the ingress, the group commit, the bus). Node loads RxJS 7's CommonJS build, compiled to ES5:
 * there `Subject.next` runs its observers through a downlevelled `for…of`, an iterator object,
 * a closure and a result object per observer on every value, which on the hub's busiest streams
 * were a large share of all it allocated (the README's benchmark 5 says how much it cost). Here
 * an indexed loop. Semantics as a Subject's: a subscriber added while a value is being delivered
 * gets the next one, one removed meanwhile gets nothing more (its Subscriber is closed), an error
 * thrown by a subscriber stays with it (RxJS reports it), and nothing is delivered after `complete`.
 */
export function createBroadcast<T>(): Broadcast<T> {
  // Replaced, never changed in place: a delivery loops over the array it started with.
  let subscribers: ReadonlyArray<Subscriber<T>> = [];
  let stopped = false;
  const stream$ = new Observable<T>((subscriber) => {
    if (stopped) return subscriber.complete();
    subscribers = [...subscribers, subscriber];
    return () => {
      subscribers = subscribers.filter((s) => s !== subscriber);
    };
  });
  return {
    stream$,
    get observed() {
      return subscribers.length > 0;
    },
    next(value) {
      if (stopped) return;
      const current = subscribers;
      for (let i = 0; i < current.length; i++) current[i].next(value);
    },
    complete() {
      if (stopped) return;
      stopped = true;
      const current = subscribers;
      subscribers = [];
      for (const subscriber of current) subscriber.complete();
    },
  };
}
