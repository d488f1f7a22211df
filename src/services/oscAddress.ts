import type { TriggerEvent } from '../../streams/contracts';

/** What an OSC target's address pattern may name, each filled in from the event. */
export const ADDRESS_PLACEHOLDERS = ['name', 'device', 'control', 'category', 'organization', 'type', 'source', 'value'] as const;

export type AddressPlaceholder = (typeof ADDRESS_PLACEHOLDERS)[number];

/** The address an OSC target sends to when its registration names none. */
export const DEFAULT_OSC_ADDRESS = '/haven/event/{device}/{control}';

/** A parsed address pattern: literal text and placeholders, in order. */
export type OscAddressPattern = ReadonlyArray<string | { readonly placeholder: AddressPlaceholder }>;

/**
 * Printable ASCII but what OSC 1.0 reserves in an address (space # * , / ? [ ] { }): a literal
 * part of a pattern must be made of these, and a filled-in value is made so.
 */
const ADDRESS_CHAR = /^[!"$-)+\--.0->@-Z\\^-z|~]$/;
const NOT_ADDRESS_CHAR = /[^!"$-)+\--.0->@-Z\\^-z|~]/g;

/** `Device` and `Control` of `Device.Control` (a name without a dot is both). */
export function deviceAndControl(name: string): { device: string; control: string } {
  const dot = name.indexOf('.');
  return dot > 0 && dot < name.length - 1 ? { device: name.slice(0, dot), control: name.slice(dot + 1) } : { device: name, control: name };
}

/**
 * Parses `/cue/{control}/start`-style patterns: starts with `/`, parts separated by single
 * slashes, none empty, placeholders among {@link ADDRESS_PLACEHOLDERS}, every other character one
 * OSC allows in an address. Returns a sentence saying what is wrong otherwise.
 */
export function parseOscAddress(pattern: string): { readonly ok: true; readonly pattern: OscAddressPattern } | { readonly ok: false; readonly error: string } {
  if (!pattern.startsWith('/')) return { ok: false, error: `must start with '/' (got '${pattern}')` };
  if (pattern.length > 512) return { ok: false, error: 'must be at most 512 characters long' };
  if (pattern.includes('//') || pattern.endsWith('/')) return { ok: false, error: `has an empty part ('${pattern}')` };
  const parts: Array<string | { placeholder: AddressPlaceholder }> = [];
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') {
      const end = pattern.indexOf('}', i);
      const key = end < 0 ? '' : pattern.slice(i + 1, end);
      if (!(ADDRESS_PLACEHOLDERS as readonly string[]).includes(key)) {
        const found = end < 0 ? `an unclosed '{' at ${i}` : `unknown placeholder '{${key}}'`;
        return { ok: false, error: `has ${found}; placeholders are ${ADDRESS_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` };
      }
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push({ placeholder: key as AddressPlaceholder });
      i = end;
    } else if (c === '/' || ADDRESS_CHAR.test(c)) {
      literal += c;
    } else {
      return { ok: false, error: `has ${JSON.stringify(c)} at ${i}, which an OSC address may not contain (space # * , ? [ ] { } and non-ASCII)` };
    }
  }
  if (literal !== '') parts.push(literal);
  return { ok: true, pattern: parts };
}

/**
 * The address for one event: each placeholder's value with the characters OSC reserves replaced
 * by `_` (`On/Off` → `On_Off`), so a filled-in value never adds a part or a wildcard.
 */
export function oscAddressFor(pattern: OscAddressPattern, event: TriggerEvent): string {
  let out = '';
  for (const part of pattern) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const raw = valueOf(part.placeholder, event);
    out += raw === '' ? '_' : raw.replace(NOT_ADDRESS_CHAR, '_');
  }
  return out;
}

function valueOf(placeholder: AddressPlaceholder, event: TriggerEvent): string {
  switch (placeholder) {
    case 'device':
      return deviceAndControl(event.name).device;
    case 'control':
      return deviceAndControl(event.name).control;
    case 'value':
      return event.value === null ? '' : String(event.value);
    default:
      return String(event[placeholder]);
  }
}
