import type { TriggerEvent } from '../../streams/contracts';
import { eventsAfter } from '../../streams/journal';
import type { HubMemory, MemoryRules } from '../../streams/log/hubMemory';
import type { EventLog } from './eventLog';
import type { EndOfTurn } from '../runtime/turnStages';
import { createGroupCommit } from './groupCommit';
import { createRecentHistory } from './recentHistory';

/** How much a memory log holds and replays: the newest `capacity` events, at most `replayLimit` to one resume. */
export interface MemoryLogLimits {
  readonly capacity: number;
  readonly replayLimit: number;
}

/**
 * The log of a hub that keeps nothing (`storage.data_dir: ':memory:'`): the same group commit and
 * order as the file log, with the newest `capacity` events in memory as its whole history.
 */
export function createMemoryLog({ capacity, replayLimit }: MemoryLogLimits, memory: HubMemory, rules: MemoryRules, defer?: EndOfTurn): EventLog {
  const history = createRecentHistory(capacity, memory, rules);
  const { ring } = history;
  let closed = false;
  const commit = createGroupCommit({ write: () => undefined }, (events) => events.forEach(history.remember), defer);
  const held = (): TriggerEvent[] => {
    const all = eventsAfter(ring, ring.horizon);
    return 'events' in all ? [...all.events] : [];
  };
  return {
    append: (event) => (closed ? Promise.reject(new Error('The event log is closed')) : commit.stage(event)),
    committed$: commit.committed$,
    lastSeq: () => memory.seq,
    // Further behind than the limit resyncs, as from the file log, though the ring may hold more.
    after: (seq) => (memory.seq - seq > replayLimit ? { tooOld: true } : eventsAfter(ring, seq)),
    range: (sinceMs, untilMs = Infinity, limit = Infinity) =>
      held()
        .filter((e) => {
          const at = Date.parse(e.timestamp);
          return at >= sinceMs && at < untilMs;
        })
        .slice(0, limit),
    stats: () => ({ segments: 0, bytes: 0, oldestSeq: ring.size > 0 ? (ring.ring[ring.start] as TriggerEvent).seq : 0, newestSeq: memory.seq, fsync: 'no' }),
    // Its memory is the whole of it: a restart keeps nothing to start from.
    snapshot: () => (closed ? Promise.reject(new Error('The event log is closed')) : Promise.resolve()),
    close: async () => {
      commit.flush();
      closed = true;
    },
  };
}
