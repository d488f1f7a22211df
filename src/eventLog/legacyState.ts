import type { CacheEntry } from '../../streams/contracts';
import type { Store } from '../storage/store';

/** Store collections where hubs before the event log kept their cache and last seq. */
export const CACHE_COLLECTION = 'cache';
export const META_COLLECTION = 'meta';

/** What a data folder from before the event log remembers. */
export interface LegacyState {
  readonly cache: Record<string, CacheEntry>;
  readonly seq: number;
}

/**
 * Reads the cache (only triggers still in the catalog) and the last seq that hubs before the
 * event log wrote to the store: the log of such a folder starts from them, so an upgrade neither
 * gives out old seqs again nor forgets the last known states. Nothing writes them any more.
 */
export function loadLegacyState(store: Store, isKnown: (name: string) => boolean): LegacyState {
  const cache = Object.fromEntries(
    store
      .collection<CacheEntry>(CACHE_COLLECTION)
      .entries()
      .filter(([name]) => isKnown(name)),
  );
  return { cache, seq: store.collection<number>(META_COLLECTION).get('seq') ?? 0 };
}
