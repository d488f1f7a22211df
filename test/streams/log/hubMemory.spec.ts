import { expect } from 'chai';
import type { CacheEntry, TriggerEvent } from '../../../streams/contracts';
import { emptyHubMemory, foldHubMemory, gateSeedOf, storedGateOf, type HubMemory, type MemoryRules } from '../../../streams/log/hubMemory';
import { event } from '../fixtures';

const T0 = Date.UTC(2026, 0, 11, 18, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const PRIORITIES: Record<string, number> = { HTTP: 1, TCP: 1, MODBUS: 2, WEB: 3 };
const rules = (fields: Partial<MemoryRules> = {}): MemoryRules => ({
  minIntervalMs: 100,
  minIntervalScope: 'trigger',
  cooldownMs: 100,
  priorityOf: (source) => PRIORITIES[source] ?? 0,
  ...fields,
});
const entry = (fields: Partial<CacheEntry>): CacheEntry => ({ value: 'On', id: null, timestamp: iso(T0), type: 'On/Off', seq: 1, ...fields });
const fold = (memory: HubMemory, events: TriggerEvent[], r: MemoryRules = rules()) => events.reduce((m, e) => foldHubMemory(m, e, r), memory);

describe('log/hubMemory', () => {
  describe('emptyHubMemory', () => {
    it('remembers nothing by default', () => {
      expect(emptyHubMemory()).to.deep.equal({ seq: 0, cache: {}, lastIds: {}, lastAcceptedAt: {}, lastPriorityAt: {} });
    });

    it("starts from a migrated store's seq and cache, its ids the cached ones, and copies the cache", () => {
      const cache = { 'Phone.Button': entry({ id: 7, seq: 9 }), 'Dial.Level': entry({ value: 40, id: null, type: 'Discrete', seq: 8 }) };
      const memory = emptyHubMemory(9, cache);
      expect(memory).to.deep.equal({ seq: 9, cache, lastIds: { 'Phone.Button': 7 }, lastAcceptedAt: {}, lastPriorityAt: {} });
      expect(memory.cache).not.to.equal(cache);
    });
  });

  describe('foldHubMemory', () => {
    it('records the seq, the cache entry and the id of each event, in place', () => {
      const memory = emptyHubMemory();
      const e = event('Phone.Button', { seq: 1, id: 4, timestamp: iso(T0) });
      expect(foldHubMemory(memory, e, rules())).to.equal(memory);
      expect(memory.seq).to.equal(1);
      expect(memory.cache).to.deep.equal({ 'Phone.Button': entry({ id: 4, seq: 1 }) });
      expect(memory.lastIds).to.deep.equal({ 'Phone.Button': 4 });
    });

    it('keeps the id of a OneShot (idempotency) but never caches it, and keeps no id for an input without one', () => {
      const memory = fold(emptyHubMemory(), [event('Door.Bell', { seq: 1, type: 'OneShot', value: null, id: 3 }), event('Phone.Hook', { seq: 2, id: null })]);
      expect(memory.lastIds).to.deep.equal({ 'Door.Bell': 3 });
      expect(Object.keys(memory.cache)).to.deep.equal(['Phone.Hook']);
      expect(memory.seq).to.equal(2);
    });

    it('never moves the seq back', () => {
      const memory = fold(emptyHubMemory(10), [event('Phone.Button', { seq: 4 })]);
      expect(memory.seq).to.equal(10);
    });

    it("records an event's wall time for its minimum-interval scope and its source's priority, as the gate's commits did", () => {
      const memory = fold(emptyHubMemory(), [
        event('Phone.Button', { seq: 1, source: 'TCP', timestamp: iso(T0) }),
        event('Dial.Level', { seq: 2, source: 'WEB', type: 'Continuous', value: 40, timestamp: iso(T0 + 5) }),
        event('Phone.Button', { seq: 3, source: 'HTTP', timestamp: iso(T0 + 9) }),
      ]);
      expect(memory.lastAcceptedAt).to.deep.equal({ 'Phone.Button': T0 + 9, 'Dial.Level': T0 + 5 });
      expect(memory.lastPriorityAt).to.deep.equal({ '1': T0 + 9, '3': T0 + 5 });

      const global = fold(emptyHubMemory(), [event('Phone.Button', { seq: 1, timestamp: iso(T0) })], rules({ minIntervalScope: 'global' }));
      expect(global.lastAcceptedAt).to.deep.equal({ '*': T0 });
    });

    it('records no times for a status, nor for a rule that is off', () => {
      const status = fold(emptyHubMemory(), [event('Phone.Button', { seq: 1, kind: 'status', id: 2, timestamp: iso(T0) })]);
      expect(status).to.deep.include({ lastAcceptedAt: {}, lastPriorityAt: {}, lastIds: { 'Phone.Button': 2 } });
      const off = fold(emptyHubMemory(), [event('Phone.Button', { seq: 1, timestamp: iso(T0) })], rules({ minIntervalMs: 0, cooldownMs: 0 }));
      expect(off).to.deep.include({ lastAcceptedAt: {}, lastPriorityAt: {} });
    });

    it('is plain JSON: a snapshot of it reads back the same', () => {
      const memory = fold(emptyHubMemory(), [event('Phone.Button', { seq: 1, id: 1, source: 'WEB', timestamp: iso(T0) })]);
      expect(JSON.parse(JSON.stringify(memory))).to.deep.equal(memory);
    });
  });

  describe('storedGateOf', () => {
    it("reads only what the log holds for an event's trigger, scope and priority, as monotonic times", () => {
      const memory = fold(emptyHubMemory(), [
        event('Phone.Button', { seq: 1, id: 3, source: 'WEB', timestamp: iso(T0 - 40) }),
        event('Phone.Hook', { seq: 2, id: 8, source: 'TCP', timestamp: iso(T0 - 10) }),
      ]);
      const lost = event('Phone.Button', { seq: 3, id: 4, source: 'TCP', timestamp: iso(T0) });
      const seed = storedGateOf(memory, lost, rules(), 500, T0);
      expect(seed.seq).to.equal(2);
      expect([...(seed.lastIds ?? [])]).to.deep.equal([['Phone.Button', 3]]);
      expect([...(seed.lastAcceptedAt ?? [])]).to.deep.equal([['Phone.Button', 460]]);
      expect([...(seed.lastPriorityAt ?? [])]).to.deep.equal([[1, 490]]);
    });

    it('holds nothing for keys the log never saw, even ones every object has', () => {
      const seed = storedGateOf(emptyHubMemory(), event('constructor', { seq: 1, source: 'toString' }), rules({ priorityOf: () => 0 }), 0, T0);
      expect([...(seed.lastIds ?? []), ...(seed.lastAcceptedAt ?? []), ...(seed.lastPriorityAt ?? [])]).to.deep.equal([]);
    });
  });

  describe('gateSeedOf', () => {
    it("turns the memory's wall times into this process's monotonic ones, read at the same moment", () => {
      const memory = fold(emptyHubMemory(), [
        event('Phone.Button', { seq: 6, id: 2, source: 'WEB', timestamp: iso(T0 - 40) }),
        event('Phone.Hook', { seq: 7, id: 5, source: 'TCP', timestamp: iso(T0 - 10) }),
      ]);
      // This process's monotonic clock reads 500 when the wall clock reads T0.
      const seed = gateSeedOf(memory, 500, T0);
      expect(seed.seq).to.equal(7);
      expect([...(seed.lastIds ?? [])]).to.deep.equal([
        ['Phone.Button', 2],
        ['Phone.Hook', 5],
      ]);
      expect([...(seed.lastAcceptedAt ?? [])]).to.deep.equal([
        ['Phone.Button', 460],
        ['Phone.Hook', 490],
      ]);
      expect([...(seed.lastPriorityAt ?? [])]).to.deep.equal([
        [1, 490],
        [3, 460],
      ]);
    });
  });
});
