import { distinctUntilChanged, scan, shareReplay, startWith, type Observable } from 'rxjs';
import type { CacheEntry, CacheState, TriggerEvent } from './contracts';

/**
 * The cache's one transition: an accepted event or status becomes its trigger's entry. OneShot
 * triggers are never cached, and an id lower than the cached one never rolls the entry back
 * (the device's id orders history, not arrival). Returns the same object when nothing changes.
 */
export function reduceCache(state: CacheState, event: TriggerEvent): CacheState {
  const entry = cacheEntryAfter(state, event);
  if (entry === undefined) return state;
  // A copy, then the one entry: V8 (Node 20) builds `{ ...state, [name]: entry }` several times slower.
  const next: Record<string, CacheEntry> = Object.assign({}, state);
  next[event.name] = entry;
  return next;
}

/** The entry `event` makes of its trigger in `state`; undefined when the cache keeps what it has (OneShot, an older id). */
export function cacheEntryAfter(state: CacheState, event: TriggerEvent): CacheEntry | undefined {
  if (event.type === 'OneShot') return undefined;
  const cached = Object.prototype.hasOwnProperty.call(state, event.name) ? state[event.name] : undefined;
  if (cached !== undefined && cached.id !== null && event.id !== null && event.id < cached.id) return undefined;
  return { value: event.value, id: event.id, timestamp: event.timestamp, type: event.type, seq: event.seq };
}

/**
 * The cache as a stream: `seed` at once, then a new state per accepted input that changes it.
 * Hot after the first subscription and never torn down (`refCount: false`), so every later
 * subscriber gets the current state immediately.
 *
 * ```
 * accepted$:  --a---b---o--   (o: a OneShot, not cached)
 * result:     S-A---B------   S = seed, A = seed + a, B = A + b
 * ```
 */
export function createCache$(accepted$: Observable<TriggerEvent>, seed: CacheState): Observable<CacheState> {
  return accepted$.pipe(scan(reduceCache, seed), startWith(seed), distinctUntilChanged(), shareReplay({ bufferSize: 1, refCount: false }));
}
