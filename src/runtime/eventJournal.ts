import type { TriggerEvent } from '../../streams/contracts';
import { appendJournal, createJournal, eventsAfter } from '../../streams/journal';
import type { HavenConfig } from '../config/havenConfig';

/** Accepted events after a seq, oldest first; `tooOld` when they are no longer held (the client resyncs). */
export type Replay = (afterSeq: number) => { readonly events: readonly TriggerEvent[] } | { readonly tooOld: true };

/**
 * The accepted events kept for clients that resume (WebSocket, SSE), as the runtime sees them:
 * the seam where an event log plugs in. Appended by the runtime only, in `seq` order.
 */
export interface EventJournal {
  append(event: TriggerEvent): void;
  readonly after: Replay;
}

/** The default journal: the in-memory ring of `journal.capacity` events (streams/journal), starting after `lastSeq`. */
export function createMemoryJournal(config: HavenConfig, lastSeq: number): EventJournal {
  const journal = createJournal(config.journal.capacity, lastSeq);
  return {
    append: (event) => void appendJournal(journal, event),
    after: (seq) => eventsAfter(journal, seq),
  };
}
