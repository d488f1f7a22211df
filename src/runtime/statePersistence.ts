import type { CacheEntry, CacheState, TriggerEvent } from '../../streams/contracts';
import type { Store } from '../storage/store';

/** Store collections of the hub's own state. */
export const CACHE_COLLECTION = 'cache';
export const META_COLLECTION = 'meta';

/** What a restart resumes from. */
export interface PersistedState {
  readonly cache: Record<string, CacheEntry>;
  readonly seq: number;
}

/** Reads the persisted cache (only triggers still in the catalog) and the last sequence number. */
export function loadPersistedState(store: Store, isKnown: (name: string) => boolean): PersistedState {
  const cache = Object.fromEntries(
    store
      .collection<CacheEntry>(CACHE_COLLECTION)
      .entries()
      .filter(([name]) => isKnown(name)),
  );
  return { cache, seq: store.collection<number>(META_COLLECTION).get('seq') ?? 0 };
}

/**
 * Write-behind persistence of the cache and the sequence: accepted events mark their trigger
 * dirty, and everything dirty lands in one transaction at most every {@link PERSIST_WINDOW_MS}.
 * One SQLite transaction per event cost more than the rest of the hot path together, and so did
 * one per turn of the event loop under HTTP load, where most turns carry a single request; per
 * window, thousands of events are one write. The cache and the sequence still land together, so
 * a restart never sees one without the other; a crash loses at most the last window.
 */
export interface StatePersistence {
  /** Records an accepted event; `cache` is the cache after it. */
  record(event: TriggerEvent, cache: CacheState): void;
  /** Writes whatever is pending now (at stop). */
  flush(): void;
}

/** The longest an accepted event waits to be written (the most a crash can lose). */
export const PERSIST_WINDOW_MS = 10;

/** Runs `flush` once the window has passed; the timer never holds the process open. */
const afterWindow = (flush: () => void): void => void setTimeout(flush, PERSIST_WINDOW_MS).unref();

export function createStatePersistence(store: Store, defer: (flush: () => void) => void = afterWindow): StatePersistence {
  const cacheDocs = store.collection<CacheEntry>(CACHE_COLLECTION);
  const meta = store.collection<number>(META_COLLECTION);
  const dirty = new Map<string, CacheEntry>();
  let seq: number | undefined;
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    if (seq === undefined) return;
    const lastSeq = seq;
    store.transaction(() => {
      for (const [name, entry] of dirty) cacheDocs.put(name, entry);
      meta.put('seq', lastSeq);
    });
    dirty.clear();
    seq = undefined;
  };

  return {
    record(event, cache) {
      seq = event.seq;
      const entry = cache[event.name];
      // Only when this event is what the cache now holds (OneShot and stale ones are not).
      if (entry?.seq === event.seq) dirty.set(event.name, entry);
      if (!scheduled) {
        scheduled = true;
        defer(flush);
      }
    },
    flush,
  };
}
