import type { RawTrigger, Rejection, TriggerDef } from '../contracts';
import { isNonNegativeInteger } from '../contracts';

/** A RawTrigger that fits its trigger's declaration, with its value and id normalized. */
export interface ValidTrigger {
  readonly ok: true;
  readonly raw: RawTrigger;
  readonly def: TriggerDef;
  /** "On"/"Off", a listed Discrete value, a finite number, or null for OneShot. */
  readonly value: string | number | null;
  readonly id: number | null;
}

/** Why a RawTrigger does not fit the catalog. */
export interface InvalidTrigger extends Rejection {
  readonly ok: false;
}

/**
 * Checks a RawTrigger against the trigger catalog, without side effects.
 *
 * - unknown name → `unknown_trigger`, message `Trigger '<name>' not found in configuration`;
 * - On/Off: "On"/"Off" in any case, `true`/`false`, `1`/`0` (number or string) → "On"/"Off";
 * - Discrete: one of `values`; a numeric string matches a numeric listed value; no `values`
 *   declared accepts any string or finite number;
 * - Continuous: a finite number or numeric string, inside `[min, max]` where declared;
 * - OneShot: the value is ignored (null); a `status` for a OneShot is invalid, there is nothing to cache;
 * - id: absent, null, or a non-negative safe integer.
 *
 * Everything else → `invalid_value` with a message naming what was sent and what is allowed.
 */
export function validateTrigger(raw: RawTrigger, triggers: ReadonlyMap<string, TriggerDef>): ValidTrigger | InvalidTrigger {
  const name = raw.name;
  const def = typeof name === 'string' ? triggers.get(name) : undefined;
  if (def === undefined) return invalid('unknown_trigger', `Trigger '${String(name)}' not found in configuration`);
  if (raw.kind !== 'event' && raw.kind !== 'status') {
    return invalid('invalid_value', `Input for trigger '${name}' has kind ${describe(raw.kind)}; expected 'event' or 'status'`);
  }
  const id = raw.id ?? null;
  if (id !== null && !isNonNegativeInteger(id)) {
    return invalid('invalid_value', `Trigger '${name}' got id ${describe(id)}; an id must be a non-negative integer or absent`);
  }
  const value = normalizeValue(def, raw);
  if (typeof value === 'object' && value !== null) return value;
  return { ok: true, raw, def, value, id };
}

function normalizeValue(def: TriggerDef, raw: RawTrigger): string | number | null | InvalidTrigger {
  const v = raw.value;
  switch (def.type) {
    case 'OneShot':
      return raw.kind === 'status'
        ? invalid('invalid_value', `Trigger '${def.name}' is OneShot: it has no state, so it takes events, not status updates`)
        : null;
    case 'On/Off': {
      const text = typeof v === 'string' ? v.trim().toLowerCase() : v;
      if (text === 'on' || text === true || text === 1 || text === '1') return 'On';
      if (text === 'off' || text === false || text === 0 || text === '0') return 'Off';
      return invalid('invalid_value', `Trigger '${def.name}' is On/Off and got ${describe(v)}; expected "On" or "Off" (also true/false, 1/0)`);
    }
    case 'Discrete': {
      const allowed = def.values;
      if (allowed === undefined) {
        if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
      } else {
        if ((typeof v === 'string' || typeof v === 'number') && allowed.includes(v)) return v;
        const n = toNumber(v);
        if (typeof v === 'string' && n !== null && allowed.includes(n)) return n;
      }
      const expected = allowed === undefined ? 'a string or a number' : `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
      return invalid('invalid_value', `Trigger '${def.name}' is Discrete and got ${describe(v)}; expected ${expected}`);
    }
    case 'Continuous': {
      const n = toNumber(v);
      const low = def.min ?? -Infinity;
      const high = def.max ?? Infinity;
      if (n !== null && n >= low && n <= high) return n;
      return invalid('invalid_value', `Trigger '${def.name}' is Continuous and got ${describe(v)}; expected a number${rangeText(def)}`);
    }
    default:
      return invalid('invalid_value', `Trigger '${def.name}' has unsupported type ${describe(def.type)}`);
  }
}

/** A finite number, or a string that is exactly one (`Number('')` is 0, hence the emptiness check). */
function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function rangeText(def: TriggerDef): string {
  if (def.min !== undefined && def.max !== undefined) return ` between ${def.min} and ${def.max}`;
  if (def.min !== undefined) return ` of at least ${def.min}`;
  if (def.max !== undefined) return ` of at most ${def.max}`;
  return '';
}

/** The device's value as a short, safe phrase: messages go back to devices and into logs. */
function describe(v: unknown): string {
  if (v === undefined) return 'no value';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'an array' : `a value of type ${typeof v}`;
}

function invalid(reason: InvalidTrigger['reason'], message: string): InvalidTrigger {
  return { ok: false, reason, message };
}
