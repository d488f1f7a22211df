import { concat, defer, filter, from, map, of, type Observable } from 'rxjs';
import type { EventEnvelope } from './envelope';
import { eventMessage, systemMessage, type SseMessage } from './sseMessage';

/** The journal as the hub exposes it (`Hub.replay`), already mapped to envelopes. */
export type Replay = (afterSeq: number) => { readonly events: readonly EventEnvelope[] } | { readonly tooOld: true };

export interface ResumeOptions {
  /** The client's `Last-Event-ID`, or null for a fresh stream. */
  readonly after: number | null;
  readonly replay: Replay;
  /** The newest seq this hub accepted. */
  readonly latestSeq: () => number;
  /** Organization and filter of the stream (applies to replayed and live events alike). */
  readonly accepts: (e: EventEnvelope) => boolean;
  readonly utcNow: () => string;
}

const RESYNC_HINT = 'resync the current state from GET /api/trigger-status';

/**
 * A stream's events: the journal's events after the client's `Last-Event-ID`, then live ones, in
 * `seq` order with none lost and none twice. The journal is read in the same synchronous step that
 * subscribes to `live$`, so no event falls between them; a cursor drops any local event at or
 * below the last one delivered. Events relayed from another process (their seq is that process's)
 * skip the cursor. When the journal no longer reaches back, or the id is ahead of this hub, a
 * `resync` system message comes first and the stream goes on live.
 *
 * ```
 * journal: 1 2 3 4 5      after = 3
 * live$:   ----------6--7--|
 * result:  (45)------6--7--|
 * ```
 */
export function resumeThenLive(live$: Observable<EventEnvelope>, { after, replay, latestSeq, accepts, utcNow }: ResumeOptions): Observable<SseMessage> {
  return defer(() => {
    let cursor = -Infinity;
    let head: Observable<SseMessage> = of();
    if (after !== null) {
      const latest = latestSeq();
      const held = after > latest ? null : replay(after);
      if (held === null || 'tooOld' in held) {
        const why =
          held === null
            ? `Last-Event-ID ${after} is ahead of this hub (latest seq ${latest}): its sequence restarted or the id came from another hub process`
            : `Events after seq ${after} are no longer held by this hub`;
        head = of(systemMessage({ code: 'resync', message: `${why}; ${RESYNC_HINT}`, lastEventId: after, latestSeq: latest, timestamp: utcNow() }));
        cursor = latest;
      } else {
        cursor = held.events.length > 0 ? (held.events[held.events.length - 1].seq as number) : after;
        head = from(held.events.filter(accepts).map(eventMessage));
      }
    }
    const tail = live$.pipe(
      filter((e) => {
        if (e.relayedFrom !== undefined || e.seq === null) return true;
        if (e.seq <= cursor) return false;
        cursor = e.seq;
        return true;
      }),
      filter(accepts),
      map(eventMessage),
    );
    return concat(head, tail);
  });
}
