import { BehaviorSubject, type Observable } from 'rxjs';
import { createBroadcast, type Broadcast } from '../../streams/broadcast';
import type { Bus, BusState, BusTopic } from './bus';

/**
 * The in-process bus: one broadcast per topic, delivery synchronous and in publish order. Per
 * topic rather than one stream filtered by every reader: a publish reaches only its topic's
 * readers, and builds nothing when it has none.
 */
export function createLocalBus(): Bus {
  const topics = new Map<BusTopic, Broadcast<unknown>>();
  const state$ = new BehaviorSubject<BusState>('up');
  let closed = false;
  const topicOf = (topic: BusTopic): Broadcast<unknown> => {
    let t = topics.get(topic);
    if (!t) {
      topics.set(topic, (t = createBroadcast<unknown>()));
      // A topic first read after close is as finished as the others.
      if (closed) t.complete();
    }
    return t;
  };
  return {
    publish: (topic, payload) => topics.get(topic)?.next(payload),
    messages$: <T>(topic: BusTopic) => topicOf(topic).stream$ as Observable<T>,
    state$: state$.asObservable(),
    close: async () => {
      closed = true;
      for (const t of topics.values()) t.complete();
      state$.complete();
    },
  };
}
