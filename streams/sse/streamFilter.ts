import type { EventEnvelope } from './envelope';
import { EVENT_TYPES, isEventType, type EventType } from './eventCatalog';

/** What a stream lets through besides its organization; null lets everything through. */
export interface StreamFilter {
  readonly eventCategories: ReadonlySet<string> | null;
  readonly eventTypes: ReadonlySet<EventType> | null;
}

/** The filter query parameters as a router hands them over (a repeated parameter is an array). */
export interface FilterQuery {
  readonly eventCategories?: string | readonly string[];
  readonly eventTypes?: string | readonly string[];
}

export type FilterResult = { readonly ok: true; readonly filter: StreamFilter } | { readonly ok: false; readonly error: string };

/** `a,b` and `?x=a&x=b` alike; blanks dropped; nothing given → null. */
function listOf(param: string | readonly string[] | undefined): string[] | null {
  if (param === undefined) return null;
  const items = (typeof param === 'string' ? [param] : param)
    .flatMap((p) => p.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return items.length > 0 ? items : null;
}

/**
 * Validates `eventCategories` and `eventTypes` (comma-separated). A name the stream could never
 * see is an error, not silence: a typo in a filter would otherwise look like a quiet installation.
 * Categories are matched exactly (they come from the trigger config); types ignore case.
 */
export function parseStreamFilter(query: FilterQuery, knownCategories: ReadonlySet<string>): FilterResult {
  const categories = listOf(query.eventCategories);
  const unknownCategories = (categories ?? []).filter((c) => !knownCategories.has(c));
  if (unknownCategories.length > 0) {
    return {
      ok: false,
      error: `Unknown event categor${unknownCategories.length > 1 ? 'ies' : 'y'}: ${unknownCategories.join(', ')} (known: ${[...knownCategories].sort().join(', ')})`,
    };
  }
  const types = listOf(query.eventTypes)?.map((t) => t.toUpperCase()) ?? null;
  const unknownTypes = (types ?? []).filter((t) => !isEventType(t));
  if (unknownTypes.length > 0) {
    return { ok: false, error: `Unknown event type${unknownTypes.length > 1 ? 's' : ''}: ${unknownTypes.join(', ')} (known: ${EVENT_TYPES.join(', ')})` };
  }
  return { ok: true, filter: { eventCategories: categories && new Set(categories), eventTypes: types && new Set(types as EventType[]) } };
}

/**
 * The predicate of one stream: its organization's events and hub-wide ones (organization null),
 * narrowed by the filter. Organization isolation lives here, in one line, for replay and live alike.
 */
export function acceptsEnvelope(organizationId: string, filter: StreamFilter): (e: EventEnvelope) => boolean {
  return (e) =>
    (e.organizationId === organizationId || e.organizationId === null) &&
    (filter.eventCategories === null || filter.eventCategories.has(e.event.category)) &&
    (filter.eventTypes === null || filter.eventTypes.has(e.event.type));
}
