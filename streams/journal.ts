import type { TriggerEvent } from './contracts';

/** The journal's default capacity: events kept for clients that resume. */
export const DEFAULT_JOURNAL_CAPACITY = 10_000;

/**
 * The most recent accepted events, in `seq` order, in a ring buffer. A journal has one owner
 * (the fan-out) which appends in place: a copying append would cost O(capacity) per event and
 * no reader ever needs an older version.
 */
export interface Journal {
  readonly capacity: number;
  /** Ring storage; `start` is the oldest slot, `size` the slots in use. */
  readonly ring: (TriggerEvent | undefined)[];
  start: number;
  size: number;
  /**
   * A client whose last seq is below this has missed events no longer held: the seq of the last
   * event evicted, or the seq the journal started after.
   */
  horizon: number;
}

/** An empty journal holding up to `capacity` events, for a hub whose last seq is `afterSeq`. */
export function createJournal(capacity = DEFAULT_JOURNAL_CAPACITY, afterSeq = 0): Journal {
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`Journal capacity must be a positive integer, got ${capacity}`);
  return { capacity, ring: new Array<TriggerEvent | undefined>(capacity), start: 0, size: 0, horizon: afterSeq };
}

/**
 * Adds an event (seqs must arrive increasing, as the gateway assigns them) in O(1), evicting the
 * oldest when full. Appends in place and returns the same journal, so it fits `scan`; create the
 * journal inside the subscription (`defer`) if the stream may be subscribed more than once.
 */
export function appendJournal(journal: Journal, event: TriggerEvent): Journal {
  if (journal.size < journal.capacity) {
    journal.ring[(journal.start + journal.size) % journal.capacity] = event;
    journal.size++;
  } else {
    journal.horizon = (journal.ring[journal.start] as TriggerEvent).seq;
    journal.ring[journal.start] = event;
    journal.start = (journal.start + 1) % journal.capacity;
  }
  return journal;
}

/**
 * Events after `seq`, oldest first, for a client resuming from its last seq. `tooOld` when events
 * after `seq` were already evicted (the client must resync from the cache); a `seq` at or past
 * the newest gives no events. Reads only.
 */
export function eventsAfter(journal: Journal, seq: number): { readonly events: readonly TriggerEvent[] } | { readonly tooOld: true } {
  if (seq < journal.horizon) return { tooOld: true };
  const at = (i: number) => journal.ring[(journal.start + i) % journal.capacity] as TriggerEvent;
  // Binary search for the first held event with a seq above the client's.
  let low = 0;
  let high = journal.size;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (at(mid).seq <= seq) low = mid + 1;
    else high = mid;
  }
  const events: TriggerEvent[] = [];
  for (let i = low; i < journal.size; i++) events.push(at(i));
  return { events };
}
