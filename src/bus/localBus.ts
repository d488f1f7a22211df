import { BehaviorSubject, Subject, filter, map, type Observable } from 'rxjs';
import type { Bus, BusState, BusTopic } from './bus';

/** The in-process bus: one Subject, delivery synchronous and in publish order. */
export function createLocalBus(): Bus {
  const all$ = new Subject<{ topic: BusTopic; payload: unknown }>();
  const topics = new Map<BusTopic, Observable<unknown>>();
  const state$ = new BehaviorSubject<BusState>('up');
  return {
    publish: (topic, payload) => all$.next({ topic, payload }),
    messages$: <T>(topic: BusTopic) => {
      let t = topics.get(topic);
      if (!t) {
        t = all$.pipe(
          filter((m) => m.topic === topic),
          map((m) => m.payload),
        );
        topics.set(topic, t);
      }
      return t as Observable<T>;
    },
    state$: state$.asObservable(),
    close: async () => {
      all$.complete();
      state$.complete();
    },
  };
}
