/** What the journal answers for "events after seq" (the Hub's `replay`). */
export type ReplayAnswer<E> = { readonly events: readonly E[] } | { readonly tooOld: true };

/** How a (re)connecting client catches up before it goes live. */
export type ResumePlan<E> =
  /** A fresh client: live events only, from the current seq. */
  | { readonly kind: 'live'; readonly lastSeq: number }
  /** Replay `events` (after the client's seq, oldest first), then live ones above `lastSeq`. */
  | { readonly kind: 'replay'; readonly events: readonly E[]; readonly lastSeq: number }
  /** The client missed more than the journal holds (or knows a seq this hub never reached): send the current state, then live ones above `lastSeq`. */
  | { readonly kind: 'resync'; readonly reason: 'too_old' | 'unknown_seq'; readonly lastSeq: number };

/**
 * Decides a client's catch-up from the seq it last saw. Runs in the same turn of the event loop
 * as the client's registration for live events, so nothing can be accepted between the replay
 * and going live; `lastSeq` is the dedupe mark: the fan-out only sends events above it, so an
 * event both replayed and live is sent once.
 *
 * `currentSeq` is the hub's last accepted seq; a client claiming a higher one saw another hub's
 * numbering (data reset) and must resync rather than wait for seqs that mean something else.
 */
export function planResume<E extends { readonly seq: number }>(
  afterSeq: number | undefined,
  replay: (afterSeq: number) => ReplayAnswer<E>,
  currentSeq: number,
): ResumePlan<E> {
  if (afterSeq === undefined) return { kind: 'live', lastSeq: currentSeq };
  if (afterSeq > currentSeq) return { kind: 'resync', reason: 'unknown_seq', lastSeq: currentSeq };
  const answer = replay(afterSeq);
  if ('tooOld' in answer) return { kind: 'resync', reason: 'too_old', lastSeq: currentSeq };
  const events = answer.events.filter((e) => e.seq > afterSeq);
  const last = events.length ? events[events.length - 1].seq : afterSeq;
  return { kind: 'replay', events, lastSeq: last };
}
