import { seqFromText } from '../../streams/contracts';

/** The resume point a client asked for: none, a seq, or a value that is not one. */
export type LastEventId = { readonly ok: true; readonly after: number | null } | { readonly ok: false; readonly error: string };

/**
 * Reads the resume point: the `Last-Event-ID` header (what EventSource sends when it reconnects)
 * wins over `?lastEventId=` (what a client puts in the first URL, which the browser keeps on every
 * reconnection). A value that is not a seq is an error, not a fresh start: the client would
 * silently miss events.
 */
export function parseLastEventId(header: string | undefined, query: string | readonly string[] | undefined): LastEventId {
  const raw = header !== undefined && header.trim() !== '' ? header.trim() : typeof query === 'string' ? query.trim() : query?.[query.length - 1]?.trim();
  if (raw === undefined || raw === '') return { ok: true, after: null };
  const n = seqFromText(raw);
  if (n === undefined) {
    return { ok: false, error: `Invalid Last-Event-ID '${raw.slice(0, 40)}': expected the seq of the last event received (a non-negative integer)` };
  }
  return { ok: true, after: n };
}
