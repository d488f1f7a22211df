import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

/** An item replaced by a newer one of the same key inside a throttle window; it will never be emitted as itself. */
export class Superseded<T> {
  constructor(readonly item: T) {}
}

/** How `throttleContinuous` picks and groups the items it throttles. */
export interface ThrottleContinuousConfig<T> {
  /** Window length in ms; 0 (or less) lets everything through untouched. */
  readonly windowMs: number;
  /** Items for which this is false pass straight through, unchanged and in order. */
  readonly isThrottled: (item: T) => boolean;
  /** Throttled items with the same key share one window. */
  readonly keyOf: (item: T) => string;
}

interface Window<T> {
  openedAt: number;
  hasPending: boolean;
  pending: T | undefined;
  release: Subscription;
}

/**
 * Leading + trailing throttle per key that never drops silently: the first item of a key passes
 * at once and opens a window of `windowMs`; an item inside the window waits, and when a newer one
 * replaces it the waiting one is emitted at once wrapped in `Superseded` (so its sender gets an
 * answer now); the one still waiting at the window's end is released then and opens the next
 * window. A window ends at `openedAt + windowMs` exactly: an item arriving then belongs to the next.
 * On completion the source waits for pending items to be released; unsubscribing cancels them.
 *
 * ```
 * source:  abc-----d--|    (windowMs = 4 frames, one key)
 * result:  a-B-c---d--|    B = Superseded(b) when c replaces it; c released when the window ends
 * ```
 *
 * Hand-written because RxJS `throttle` discards replaced values silently and keeps one window
 * for the whole stream, while this needs one per key and the replaced values emitted.
 */
export function throttleContinuous<T>(config: ThrottleContinuousConfig<T>, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, T | Superseded<T>> {
  const { windowMs, isThrottled, keyOf } = config;
  if (!(windowMs > 0)) return (source) => source;
  return (source) =>
    new Observable<T | Superseded<T>>((subscriber) => {
      const windows = new Map<string, Window<T>>();
      let pendingCount = 0;
      let sourceDone = false;

      const open = (key: string): Window<T> => {
        const release = scheduler.schedule(() => end(key, window), windowMs);
        const window: Window<T> = { openedAt: scheduler.now(), hasPending: false, pending: undefined, release };
        windows.set(key, window);
        return window;
      };
      // Releases what waits (opening the next window) or forgets the key when nothing does.
      const end = (key: string, window: Window<T>): void => {
        window.release.unsubscribe();
        windows.delete(key);
        if (!window.hasPending) return;
        const item = window.pending as T;
        window.pending = undefined;
        window.hasPending = false;
        pendingCount--;
        if (!sourceDone) open(key);
        subscriber.next(item);
        if (sourceDone && pendingCount === 0) subscriber.complete();
      };

      const subscription = source.subscribe({
        next(item) {
          if (!isThrottled(item)) return subscriber.next(item);
          const key = keyOf(item);
          let window = windows.get(key);
          // The scheduler may run an arrival before a release due at the same instant; settle that here.
          if (window !== undefined && scheduler.now() - window.openedAt >= windowMs) {
            end(key, window);
            window = windows.get(key);
          }
          if (window === undefined) {
            open(key);
            return subscriber.next(item);
          }
          if (window.hasPending) {
            subscriber.next(new Superseded(window.pending as T));
          } else {
            window.hasPending = true;
            pendingCount++;
          }
          window.pending = item;
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          sourceDone = true;
          if (pendingCount === 0) subscriber.complete();
        },
      });

      return () => {
        subscription.unsubscribe();
        for (const window of windows.values()) window.release.unsubscribe();
        windows.clear();
      };
    });
}
