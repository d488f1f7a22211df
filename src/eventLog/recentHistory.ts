import type { TriggerEvent } from '../../streams/contracts';
import { appendJournal, createJournal, type Journal } from '../../streams/journal';
import { foldHubMemory, type HubMemory, type MemoryRules } from '../../streams/log/hubMemory';

/**
 * What a log keeps in memory of the records it holds: the hub's memory, folded from them, and the
 * newest `capacity` events, for clients that resume. Both logs (file and memory) keep it the same
 * way, at start-up as while they run.
 */
export interface RecentHistory {
  readonly memory: HubMemory;
  /** The newest events; its `horizon` is where it stops reaching back. */
  readonly ring: Journal;
  /** Takes one stored record, in seq order. */
  remember(event: TriggerEvent): void;
}

export function createRecentHistory(capacity: number, memory: HubMemory, rules: MemoryRules): RecentHistory {
  const ring = createJournal(capacity, memory.seq);
  return {
    memory,
    ring,
    remember(event) {
      foldHubMemory(memory, event, rules);
      appendJournal(ring, event);
    },
  };
}
