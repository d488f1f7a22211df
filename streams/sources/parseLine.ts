import { isNonNegativeInteger, type TriggerKind } from '../contracts';

/** One text line understood: what to report. Whether it fits a trigger is the gateway's to decide. */
export interface ParsedLine {
  readonly ok: true;
  readonly kind: TriggerKind;
  readonly name: string;
  /** As sent: plain lines give strings (the gateway reads numbers and On/Off from them). */
  readonly value?: string | number | boolean | null;
  readonly id: number | null;
}

/** A line that is not a trigger at all; answered `ERR bad_line <message>`. */
export interface LineError {
  readonly ok: false;
  readonly reason: 'bad_line';
  readonly message: string;
}

/** Longest trigger name accepted, as in the HTTP API's schema. */
export const MAX_NAME_LENGTH = 200;

const FORMS = 'expected NAME [VALUE] [ID], STATUS NAME VALUE [ID], or a JSON object';
const JSON_FIELDS = new Set(['name', 'value', 'id', 'kind', 'timestamp']);
// Whitespace, control characters and U+FFFD (what undecodable bytes become) never belong in a name.
const NOT_IN_NAME = /[\x00-\x20\x7f\ufffd]/;
const DIGITS = /^[0-9]+$/;

/**
 * Reads one line of the TCP text protocol:
 *
 * - `NAME`, `NAME VALUE`, `NAME VALUE ID`: an event (`EVENT NAME …` says the same explicitly);
 * - `STATUS NAME VALUE [ID]`: a status, which only updates the cache;
 * - `-` as VALUE means "no value" (`Fog.Burst - 17`: a OneShot with an id);
 * - a JSON object `{"name", "value"?, "id"?, "kind"?: "event" | "status"}` for values with spaces or types.
 *
 * Keywords are case-insensitive; tokens are separated by spaces or tabs.
 */
export function parseLine(line: string): ParsedLine | LineError {
  const text = line.trim();
  if (text.length === 0) return bad(`Empty line; ${FORMS}`);
  if (text.charCodeAt(0) === 123 /* { */) return parseJsonLine(text);
  const tokens = text.split(/[ \t]+/);
  const head = tokens[0].toUpperCase();
  if (head === 'STATUS') {
    if (tokens.length < 3 || tokens.length > 4) return bad(`A status line is STATUS NAME VALUE [ID]; got ${tokens.length - 1} field(s) after STATUS`);
    return plain('status', tokens[1], tokens[2], tokens[3]);
  }
  const fields = head === 'EVENT' ? tokens.slice(1) : tokens;
  if (fields.length === 0) return bad(`An event line needs a trigger name; ${FORMS}`);
  if (fields.length > 3) return bad(`Too many fields (${fields.length}); ${FORMS}. Values with spaces go in a JSON line`);
  return plain('event', fields[0], fields[1], fields[2]);
}

function plain(kind: TriggerKind, name: string, value: string | undefined, idText: string | undefined): ParsedLine | LineError {
  const nameError = checkName(name);
  if (nameError !== null) return nameError;
  let id: number | null = null;
  if (idText !== undefined) {
    id = DIGITS.test(idText) ? Number(idText) : NaN;
    if (!Number.isSafeInteger(id)) return bad(`ID ${quote(idText)} must be a non-negative integer`);
  }
  return value === undefined || value === '-' ? { ok: true, kind, name, id } : { ok: true, kind, name, value, id };
}

function parseJsonLine(text: string): ParsedLine | LineError {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return bad('Line starts with { but is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad('A JSON line must be an object');
  const o = doc as Record<string, unknown>;
  // for…in, not Object.keys: no array per line (JSON.parse makes plain objects, so no inherited keys).
  for (const key in o) if (!JSON_FIELDS.has(key)) return bad(`Unknown field ${quote(key)}; allowed: name, value, id, kind`);
  if (typeof o.name !== 'string') return bad('Field "name" must be a string');
  const nameError = checkName(o.name);
  if (nameError !== null) return nameError;
  const kind = o.kind ?? 'event';
  if (kind !== 'event' && kind !== 'status') return bad('Field "kind" must be "event" or "status"');
  const { value } = o;
  if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return bad('Field "value" must be a string, number, boolean or null');
  }
  const id = o.id ?? null;
  if (id !== null && !isNonNegativeInteger(id)) return bad('Field "id" must be a non-negative integer or null');
  return value === undefined ? { ok: true, kind, name: o.name, id } : { ok: true, kind, name: o.name, value, id };
}

function checkName(name: string): LineError | null {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || NOT_IN_NAME.test(name)) {
    return bad(`Trigger name must be 1-${MAX_NAME_LENGTH} printable characters without spaces`);
  }
  return null;
}

/** A token quoted for a message: bounded, so a device's garbage is not echoed back in full. */
function quote(token: string): string {
  return JSON.stringify(token.length > 20 ? `${token.slice(0, 20)}…` : token);
}

function bad(message: string): LineError {
  return { ok: false, reason: 'bad_line', message };
}
