/**
 * The messages held for one client whose socket is backed up, bounded, with the newest state per
 * trigger coalesced. A plain mutable structure with one owner (the client's actor), like the
 * journal: copying on every offer would cost O(size) per message for nobody's benefit.
 */
export interface CoalescingOutbox<T> {
  /** Most messages held at once; an offer beyond it is refused as `overflow`. */
  readonly max: number;
  /** In delivery order. Keys: a coalescing key (string) or a running number (never coalesced). */
  readonly entries: Map<string | number, T>;
  /** Next running number for a message that must not be coalesced. */
  next: number;
}

/** What happened to an offered message. */
export type OfferResult = 'queued' | 'coalesced' | 'overflow';

/** An empty outbox holding at most `max` messages. */
export function createCoalescingOutbox<T>(max: number): CoalescingOutbox<T> {
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`Outbox size must be a positive integer, got ${max}`);
  return { max, entries: new Map(), next: 0 };
}

/**
 * Adds `item` at the end. With a `key` (a trigger name), an older message with the same key is
 * dropped first: the client gets the newest state once, still in order (the replaced message
 * moves to the end, so sequence numbers keep increasing). Without a key the message always
 * counts (events that happen, not states: OneShot triggers, area changes). A refused offer changes
 * nothing: the caller decides what overflow means (the client actor closes the connection).
 *
 * ```
 * offer A1, B2, A3 (key = name)  →  entries B2, A3   'coalesced'
 * ```
 */
export function offerOutbox<T>(outbox: CoalescingOutbox<T>, item: T, key?: string): OfferResult {
  if (key !== undefined && outbox.entries.delete(key)) {
    outbox.entries.set(key, item);
    return 'coalesced';
  }
  if (outbox.entries.size >= outbox.max) return 'overflow';
  outbox.entries.set(key ?? outbox.next++, item);
  return 'queued';
}

/** Every held message, oldest first; the outbox is empty afterwards. */
export function drainOutbox<T>(outbox: CoalescingOutbox<T>): T[] {
  const items = [...outbox.entries.values()];
  outbox.entries.clear();
  return items;
}
