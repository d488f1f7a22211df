import type { TriggerEvent } from '../../streams/contracts';
import type { ExtraField } from './registration';

/**
 * The line a service receives for one event: the seed's "Event Format Sent to Services", keys in
 * the seed's order, compact, newline-terminated:
 *
 * ```
 * {"name":"RedTelephone.Button_1","value":"On","id":12345,"timestamp":"2026-01-11T18:35:00"}\n
 * ```
 *
 * It equals `JSON.stringify({ name, value, id, timestamp, ...extra }) + "\n"`, UTF-8 (the seed's
 * example shows Python's `", "` spacing; parsers see the same object). `value` is
 * null for OneShot, `id` null when the device sent none. Extra fields follow, in
 * {@link EXTRA_FIELD_ORDER}, only when a registration asks for them.
 */
export function wireLine(event: TriggerEvent, fields?: readonly ExtraField[]): string {
  return createWireLines(event).get(fieldsKey(fields)).toString('utf8');
}

/** The order extra fields take on the line, whatever order a registration listed them in. */
export const EXTRA_FIELD_ORDER: readonly ExtraField[] = ['seq', 'type', 'category', 'source'];

/** The extra fields asked for, deduplicated and in line order. */
export function orderedFields(fields?: readonly unknown[]): ExtraField[] {
  return fields ? EXTRA_FIELD_ORDER.filter((f) => fields.includes(f)) : [];
}

/** Extra fields deduplicated and in line order; `''` is the key of the seed's plain line. */
export function fieldsKey(fields?: readonly ExtraField[]): string {
  return orderedFields(fields).join(',');
}

/**
 * One event's lines, encoded once and shared: every service asking for the same fields gets the
 * same Buffer (sockets never mutate what they are given), so a fan-out to N services serializes
 * the event once per distinct field set, not N times.
 */
export interface WireLines {
  /** The encoded line for a {@link fieldsKey}. */
  get(key: string): Buffer;
}

/** Lazily builds and memoizes the lines of `event` (see {@link WireLines}). */
export function createWireLines(event: TriggerEvent): WireLines {
  let plain: Buffer | undefined;
  let others: Map<string, Buffer> | undefined;
  let prefix: string | undefined;
  return {
    get(key) {
      if (key === '') return (plain ??= Buffer.from(`${(prefix ??= head(event))}}\n`, 'utf8'));
      let line = others?.get(key);
      if (!line) {
        const fields = key.split(',') as ExtraField[];
        line = Buffer.from(`${(prefix ??= head(event))}${tail(event, fields)}}\n`, 'utf8');
        (others ??= new Map()).set(key, line);
      }
      return line;
    },
  };
}

function head(event: TriggerEvent): string {
  // One stringify for the four seed keys (in this order), without its closing brace.
  const seed = { name: event.name, value: event.value ?? null, id: event.id ?? null, timestamp: event.timestamp ?? null };
  return JSON.stringify(seed).slice(0, -1);
}

function tail(event: TriggerEvent, fields: readonly ExtraField[]): string {
  let out = '';
  for (const f of orderedFields(fields)) out += `,"${f}":${json(event[f] ?? null)}`;
  return out;
}

/** One value as JSON; undefined (never valid on the wire) becomes null. */
function json(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}
