import { expect } from 'chai';
import type { CacheEntry } from '../../../streams/contracts';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import { CACHE_COLLECTION, loadLegacyState, META_COLLECTION } from '../../../src/eventLog/legacyState';

const entry = (seq: number): CacheEntry => ({ value: 'On', id: seq, timestamp: `t${seq}`, type: 'On/Off', seq });

describe('eventLog/legacyState (a data folder from before the event log)', () => {
  it('reads the stored cache and last seq, the history a migrated log starts from', () => {
    const store = createSqliteStore(':memory:');
    store.collection<CacheEntry>(CACHE_COLLECTION).put('Phone.Button', entry(7));
    store.collection<number>(META_COLLECTION).put('seq', 9);
    expect(loadLegacyState(store, () => true)).to.deep.equal({ cache: { 'Phone.Button': entry(7) }, seq: 9 });
    store.close();
  });

  it('forgets triggers no longer in the catalog, and reads seq 0 from an empty store', () => {
    const store = createSqliteStore(':memory:');
    store.collection<CacheEntry>(CACHE_COLLECTION).put('Gone.x', entry(1));
    expect(loadLegacyState(store, (n) => n !== 'Gone.x')).to.deep.equal({ cache: {}, seq: 0 });
    store.close();
  });
});
