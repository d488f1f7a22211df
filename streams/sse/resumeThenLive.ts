import { concat, concatMap, defer, filter, from, map, merge, Observable, of, takeWhile } from 'rxjs';
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
  /**
   * A replay longer than this goes out in parts (default: all at once), the next once `drained$`
   * says the client took the last: a reader that keeps up is never left behind a burst it cannot
   * be seen taking. Counted in `sizeOf` of each message (default 1: events).
   */
  readonly partSize?: number;
  /** What one message counts against `partSize` (the shell: its bytes on the wire). */
  readonly sizeOf?: (m: SseMessage) => number;
  /** Emits, for as long as a replay lasts, each time what was written has left for the client (the shell polls its socket). */
  readonly drained$?: Observable<unknown>;
}

/** Without a shell that watches the socket, the client is taken to take each part at once: the parts follow each other in the same step. */
const ALWAYS_DRAINED = new Observable<null>((subscriber) => {
  while (!subscriber.closed) subscriber.next(null);
});

const RESYNC_HINT = 'resync the current state from GET /api/trigger-status';

/**
 * A stream's events: the journal's events after the client's `Last-Event-ID`, then live ones, in
 * `seq` order with none lost and none twice. The journal is read in the same synchronous step that
 * subscribes to `live$`, so no event falls between them; a cursor drops any local event at or
 * below the last one delivered. Events relayed from another process (their seq is that process's)
 * skip the cursor. When the journal no longer reaches back, or the id is ahead of this hub, a
 * `resync` system message comes first and the stream goes on live.
 *
 * A replay of more than `partSize` events goes out a part at a time, each after `drained$`; this
 * process's live events wait in the journal meanwhile (what is not in it, relayed or notices,
 * passes on), and the journal is read again once the held ones are out, so the last read is
 * still the step that goes live.
 *
 * ```
 * journal: 1 2 3 4 5      after = 3
 * live$:   ----------6--7--|
 * result:  (45)------6--7--|
 *
 * journal:  1 2 3 4 5     after = 0, partSize 2
 * drained$: ------d------d
 * result:   (12)--(34)---(5)
 * ```
 */
export function resumeThenLive(live$: Observable<EventEnvelope>, options: ResumeOptions): Observable<SseMessage> {
  const { after, replay, latestSeq, accepts, utcNow, partSize = Infinity, sizeOf = () => 1, drained$ = ALWAYS_DRAINED } = options;
  return defer(() => {
    let cursor = -Infinity;
    /** The journal is not read to its end yet: this process's live events wait in it. */
    let replaying = false;
    const tail = live$.pipe(
      filter((e) => {
        if (e.relayedFrom !== undefined || e.seq === null) return true;
        if (replaying || e.seq <= cursor) return false;
        cursor = e.seq;
        return true;
      }),
      filter(accepts),
      map(eventMessage),
    );
    const resyncMessage = (from: number, latest: number, why: string): SseMessage =>
      systemMessage({ code: 'resync', message: `${why}; ${RESYNC_HINT}`, lastEventId: from, latestSeq: latest, timestamp: utcNow() });
    const seqOf = (e: EventEnvelope) => e.seq as number;
    /** The messages of `events` from `start` on that the stream accepts, and where the first part of them ends (all of them: the length). */
    const split = (events: readonly EventEnvelope[], start = 0): { readonly messages: SseMessage[]; readonly end: number } => {
      const messages: SseMessage[] = [];
      let size = 0;
      for (let i = start; i < events.length; i++) {
        if (!accepts(events[i])) continue;
        const m = eventMessage(events[i]);
        size += sizeOf(m);
        // At least one event a part, however large.
        if (size > partSize && messages.length > 0) return { messages, end: i };
        messages.push(m);
      }
      return { messages, end: events.length };
    };
    const tooOld = (seq: number) => `Events after seq ${seq} are no longer held by this hub`;
    /** Live from here: the tail drops this process's events up to `seq`. */
    const goLive = (seq: number): void => {
      cursor = seq;
      replaying = false;
    };
    /** One step of a replay: the messages to send, and whether the stream is live after them. */
    type Step = { readonly messages: SseMessage[]; readonly live: boolean };
    /**
     * The journal after `seq`, read now, all of it and live in this step when it fits in a part;
     * else its first part now and the next one each time `drained$` says the client took the last.
     * The last part is read again with what the journal took since, and so on until a read fits.
     * One subscription to `drained$` paces every part and every read: a part or a read nested in
     * the one before passed each message through all of them, and a long replay, or a client that
     * only just keeps up with the hub, overflowed the stack and lost messages with no error.
     */
    const fromJournal = (seq: number): Observable<SseMessage> =>
      defer(() => {
        let events: readonly EventEnvelope[] = [];
        /** Where the part not yet sent begins. */
        let next = 0;
        const read = (after: number): Step => {
          const held = replay(after);
          if ('tooOld' in held) {
            const latest = latestSeq();
            goLive(latest);
            return { messages: [resyncMessage(after, latest, tooOld(after))], live: true };
          }
          events = held.events.filter((e) => seqOf(e) > after);
          const first = split(events);
          next = first.end;
          if (first.end === events.length) goLive(events.length > 0 ? seqOf(events[events.length - 1]) : after);
          return { messages: first.messages, live: first.end === events.length };
        };
        const nextPart = (): Step => {
          const part = split(events, next);
          if (part.end === events.length) return read(seqOf(events[next - 1]));
          next = part.end;
          return { messages: part.messages, live: false };
        };
        const first = read(seq);
        if (first.live) return from(first.messages);
        const rest$ = drained$.pipe(
          map(nextPart),
          takeWhile((step) => !step.live, true),
          concatMap((step) => from(step.messages)),
        );
        return concat(from(first.messages), rest$);
      });

    if (after === null) return tail;
    const latest = latestSeq();
    if (after > latest) {
      cursor = latest;
      const why = `Last-Event-ID ${after} is ahead of this hub (latest seq ${latest}): its sequence restarted or the id came from another hub process`;
      return concat(of(resyncMessage(after, latest, why)), tail);
    }
    // The journal first, then the tail, which drops this process's events until the journal was
    // read to its end (what is not in it, relayed from another process or a notice, passes on).
    replaying = true;
    return merge(fromJournal(after), tail);
  });
}
