import { expect } from 'chai';
import type { CacheState, TriggerEvent } from '../../../streams/contracts';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import { createStatePersistence, loadPersistedState } from '../../../src/runtime/statePersistence';

const event = (seq: number, name: string, value: string | null, type: TriggerEvent['type'] = 'On/Off'): TriggerEvent => ({
  seq,
  kind: 'event',
  name,
  value,
  id: seq,
  type,
  category: 'c',
  organization: 'default',
  source: 'HTTP',
  timestamp: `t${seq}`,
  receivedAt: 0,
});
const entry = (e: TriggerEvent) => ({ value: e.value, id: e.id, timestamp: e.timestamp, type: e.type, seq: e.seq });

describe('state persistence (write-behind cache and sequence)', () => {
  it('writes everything recorded in one turn as one flush, cache and sequence together', () => {
    const store = createSqliteStore(':memory:');
    const flushes: Array<() => void> = [];
    const persistence = createStatePersistence(store, (f) => flushes.push(f));
    const a1 = event(1, 'A.x', 'On');
    const a2 = event(2, 'A.x', 'Off');
    const b3 = event(3, 'B.y', 'On');
    let cache: CacheState = { 'A.x': entry(a1) };
    persistence.record(a1, cache);
    cache = { 'A.x': entry(a2) };
    persistence.record(a2, cache);
    cache = { ...cache, 'B.y': entry(b3) };
    persistence.record(b3, cache);
    expect(flushes).to.have.length(1);
    // Nothing lands before the turn ends…
    expect(loadPersistedState(store, () => true)).to.deep.equal({ cache: {}, seq: 0 });
    flushes[0]();
    // …then the newest state of each trigger and the last sequence, together.
    expect(loadPersistedState(store, () => true)).to.deep.equal({ cache: { 'A.x': entry(a2), 'B.y': entry(b3) }, seq: 3 });
    store.close();
  });

  it('never stores a OneShot or an event the cache did not take, but still advances the sequence', () => {
    const store = createSqliteStore(':memory:');
    const persistence = createStatePersistence(store, () => undefined);
    persistence.record(event(1, 'Fog.x', null, 'OneShot'), {});
    persistence.flush();
    expect(loadPersistedState(store, () => true)).to.deep.equal({ cache: {}, seq: 1 });
    store.close();
  });

  it('forgets triggers no longer in the catalog when loading', () => {
    const store = createSqliteStore(':memory:');
    const persistence = createStatePersistence(store, () => undefined);
    const e = event(1, 'Gone.x', 'On');
    persistence.record(e, { 'Gone.x': entry(e) });
    persistence.flush();
    expect(loadPersistedState(store, (n) => n !== 'Gone.x').cache).to.deep.equal({});
    store.close();
  });
});
