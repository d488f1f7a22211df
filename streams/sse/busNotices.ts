import { distinctUntilChanged, map, skip, type Observable } from 'rxjs';
import { systemMessage, type SseMessage } from './sseMessage';

/** The bus state as `src/bus/bus.ts` defines it: `down` while Redis is unreachable. */
export type BusHealth = 'up' | 'down';

/** The seed's texts, which clients compare against. */
export const BUS_LOST = 'Redis connection lost';
export const BUS_RESTORED = 'Redis connection restored';

/**
 * The `system` messages a stream gets when the bus state changes after it opened. The state the
 * stream opened with is in its `connection` message, so the replayed current state is skipped.
 *
 * ```
 * state$:  u--d--d--u--|
 * result:  ---L-----R--|
 * ```
 */
export function busNotices(state$: Observable<BusHealth>, utcNow: () => string): Observable<SseMessage> {
  return state$.pipe(
    distinctUntilChanged(),
    skip(1),
    map((state) =>
      state === 'down'
        ? systemMessage({ code: 'bus_down', message: BUS_LOST, timestamp: utcNow() })
        : systemMessage({ code: 'bus_up', message: BUS_RESTORED, timestamp: utcNow() }),
    ),
  );
}
