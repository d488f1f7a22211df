/** One open stream as the registry counts it. */
export interface StreamSlot {
  readonly connectionId: string;
  readonly keyId: string;
  readonly organizationId: string;
  eventsSent: number;
}

/** Counters of one API key (kept after its streams close, for the stats endpoint). */
export interface KeyCounters {
  readonly keyId: string;
  readonly organizationId: string;
  connections: number;
  eventsSent: number;
}

export type AcquireResult = { readonly ok: true; readonly slot: StreamSlot } | { readonly ok: false; readonly open: number };

/**
 * The open streams of this process and what they sent: the per-key connection limit is checked
 * and taken in one step (no await between), and a slot is given back exactly once, the moment its
 * stream closes, so a reconnecting client never finds its own dead connection in the way.
 */
export interface ConnectionRegistry {
  acquire(keyId: string, organizationId: string, limit: number): AcquireResult;
  release(slot: StreamSlot): void;
  /** Counts one `event` message written to a stream. */
  sent(slot: StreamSlot): void;
  key(keyId: string): KeyCounters | undefined;
  /** Every key of `organizationId` seen since the start, with its counters. */
  keysOf(organizationId: string): readonly KeyCounters[];
}

export function createConnectionRegistry(newId: () => string): ConnectionRegistry {
  const slots = new Map<string, StreamSlot>();
  const keys = new Map<string, KeyCounters>();
  return {
    acquire(keyId, organizationId, limit) {
      let counters = keys.get(keyId);
      if (!counters) {
        counters = { keyId, organizationId, connections: 0, eventsSent: 0 };
        keys.set(keyId, counters);
      }
      if (counters.connections >= limit) return { ok: false, open: counters.connections };
      counters.connections++;
      const slot: StreamSlot = { connectionId: newId(), keyId, organizationId, eventsSent: 0 };
      slots.set(slot.connectionId, slot);
      return { ok: true, slot };
    },
    release(slot) {
      if (!slots.delete(slot.connectionId)) return;
      const counters = keys.get(slot.keyId);
      if (counters) counters.connections--;
    },
    sent(slot) {
      slot.eventsSent++;
      const counters = keys.get(slot.keyId);
      if (counters) counters.eventsSent++;
    },
    key: (keyId) => keys.get(keyId),
    keysOf: (organizationId) => [...keys.values()].filter((k) => k.organizationId === organizationId),
  };
}
