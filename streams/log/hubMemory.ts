import { cacheEntryAfter } from '../cache';
import type { CacheEntry, TriggerEvent } from '../contracts';
import type { MinIntervalScope } from '../gating/gatingConfig';
import type { GateSeed } from '../gating/gateState';
import { minIntervalScopeKey } from '../gating/minInterval';

/**
 * What the hub remembers of its history, as the event log's records make it: the last seq, the
 * cache, every trigger's last id (OneShot ones too, for idempotency) and the gate's times. Start-up
 * rebuilds it from the latest snapshot plus the records after it, by the same fold that keeps it
 * current while the hub runs, so what a restart knows is exactly what the log holds.
 *
 * Plain JSON (times are wall-clock ms, not the monotonic clock of one process), so a snapshot is
 * `JSON.stringify` of it. Folded in place: it has one owner, the log.
 */
export interface HubMemory {
  seq: number;
  readonly cache: Record<string, CacheEntry>;
  readonly lastIds: Record<string, number>;
  /** Wall ms of the last accepted event per minimum-interval scope key. */
  readonly lastAcceptedAt: Record<string, number>;
  /** Wall ms of the last accepted event per source priority (the cooldown rule). */
  readonly lastPriorityAt: Record<string, number>;
}

/** The gating parameters the fold needs to record what the gate's commits recorded. */
export interface MemoryRules {
  readonly minIntervalMs: number;
  readonly minIntervalScope: MinIntervalScope;
  readonly cooldownMs: number;
  readonly priorityOf: (source: string) => number;
}

/** A hub that remembers nothing (a new data folder). */
export function emptyHubMemory(seq = 0, cache: Record<string, CacheEntry> = {}): HubMemory {
  const lastIds: Record<string, number> = {};
  for (const [name, entry] of Object.entries(cache)) if (entry.id !== null) lastIds[name] = entry.id;
  return { seq, cache: { ...cache }, lastIds, lastAcceptedAt: {}, lastPriorityAt: {} };
}

/**
 * Records one committed event, as the gateway's commit and the cache did when it was accepted
 * (see `gating/minInterval`, `gating/priorityCooldown`, `cache`). Returns the same memory.
 */
export function foldHubMemory(memory: HubMemory, event: TriggerEvent, rules: MemoryRules): HubMemory {
  if (event.seq > memory.seq) memory.seq = event.seq;
  const entry = cacheEntryAfter(memory.cache, event);
  if (entry !== undefined) memory.cache[event.name] = entry;
  if (event.id !== null) memory.lastIds[event.name] = event.id;
  // Date.parse only for a rule that reads the time (both are off by default).
  if (event.kind === 'event' && (rules.minIntervalMs > 0 || rules.cooldownMs > 0)) {
    const at = Date.parse(event.timestamp);
    if (rules.minIntervalMs > 0) memory.lastAcceptedAt[minIntervalScopeKey(rules.minIntervalScope, event.name)] = at;
    if (rules.cooldownMs > 0) memory.lastPriorityAt[String(rules.priorityOf(event.source))] = at;
  }
  return memory;
}

/**
 * The gate's starting memory: wall times become this process's monotonic ones (`monotonicNow`
 * and `wallNow` read at the same moment), so a cooldown that began before a restart still runs.
 */
export function gateSeedOf(memory: HubMemory, monotonicNow: number, wallNow: number): GateSeed {
  const toMonotonic = (wall: number): number => monotonicNow - (wallNow - wall);
  return {
    seq: memory.seq,
    lastIds: new Map(Object.entries(memory.lastIds)),
    lastAcceptedAt: new Map(Object.entries(memory.lastAcceptedAt).map(([key, at]) => [key, toMonotonic(at)])),
    lastPriorityAt: new Map(Object.entries(memory.lastPriorityAt).map(([priority, at]) => [Number(priority), toMonotonic(at)])),
  };
}

/**
 * What the log holds of the gate entries `event` set (its trigger's id, its minimum-interval
 * scope, its source's priority), as `gateSeedOf` turns them: what the gateway's `forget` sets
 * back when the event could not be stored. Reads three keys, not the whole memory.
 */
export function storedGateOf(memory: HubMemory, event: TriggerEvent, rules: MemoryRules, monotonicNow: number, wallNow: number): GateSeed {
  const pick = (record: Record<string, number>, key: string): Record<string, number> =>
    Object.prototype.hasOwnProperty.call(record, key) ? { [key]: record[key] } : {};
  return gateSeedOf(
    {
      seq: memory.seq,
      cache: {},
      lastIds: pick(memory.lastIds, event.name),
      lastAcceptedAt: pick(memory.lastAcceptedAt, minIntervalScopeKey(rules.minIntervalScope, event.name)),
      lastPriorityAt: pick(memory.lastPriorityAt, String(rules.priorityOf(event.source))),
    },
    monotonicNow,
    wallNow,
  );
}
