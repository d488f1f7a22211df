import type { TriggerEvent, TriggerType } from '../../streams/contracts';
import type { OscArg } from '../osc/oscCodec';
import { deviceAndControl } from './oscAddress';

/** What an OSC target's argument may carry, and the OSC types each may be sent as. */
const SOURCES = {
  value: ['i', 'f', 'h', 'd', 's', 'T', 'I', 'N'],
  id: ['i', 'h', 'f', 'd', 's'],
  seq: ['i', 'h', 'f', 'd', 's'],
  timestamp: ['s', 'h', 'd'],
  name: ['s'],
  device: ['s'],
  control: ['s'],
  category: ['s'],
  organization: ['s'],
  type: ['s'],
  source: ['s'],
} as const satisfies Record<string, readonly string[]>;

export type ArgSource = keyof typeof SOURCES;

/** One argument of an OSC target: what it carries and its OSC type (none: the value's natural type). */
export interface ArgSpec {
  readonly source: ArgSource;
  readonly type?: string;
}

/** Most arguments one message may carry (a registration asking for more is a mistake). */
const MAX_ARGS = 16;

/**
 * The arguments an OSC target sends when its registration lists none, by trigger type: one value,
 * typed the way show tools read it without a conversion step. On/Off as int 1/0 (a Max toggle, a
 * TouchDesigner CHOP channel, a lighting desk's fader: all numbers, and every OSC 1.0 parser reads
 * `i` where some drop `T`/`F`); Discrete as it is listed (`s` for `"intro"`, `i` for a dial's 7);
 * Continuous as float32 (`f`, what TouchDesigner and Max scale and smooth); OneShot as a bare
 * message (QLab's `/cue/…/start` takes none, Max turns it into a bang).
 */
export const DEFAULT_ARGS: Record<TriggerType, readonly ArgSpec[]> = {
  'On/Off': [{ source: 'value', type: 'i' }],
  Discrete: [{ source: 'value' }],
  Continuous: [{ source: 'value', type: 'f' }],
  OneShot: [],
};

/** The arguments of each trigger type. */
export type ArgsByType = Readonly<Record<TriggerType, readonly ArgSpec[]>>;

const TRIGGER_TYPES = Object.keys(DEFAULT_ARGS) as TriggerType[];

/**
 * Parses an OSC target's `args`: one list for every trigger type (`["value", "id:i", "seq:h"]`),
 * or lists by trigger type (`{"OneShot": ["value:i"]}`), the types it does not name keeping
 * {@link DEFAULT_ARGS}. Returns a sentence saying what is wrong otherwise.
 */
export function parseOscArgs(input: unknown): { readonly ok: true; readonly args: ArgsByType } | { readonly ok: false; readonly error: string } {
  if (Array.isArray(input)) {
    const list = parseList(input, '');
    return typeof list === 'string' ? { ok: false, error: list } : { ok: true, args: { 'On/Off': list, Discrete: list, Continuous: list, OneShot: list } };
  }
  if (!input || typeof input !== 'object')
    return { ok: false, error: `must be a list of "source" or "source:type" strings, or such lists by trigger type (${TRIGGER_TYPES.join(', ')})` };
  const args: Record<TriggerType, readonly ArgSpec[]> = { ...DEFAULT_ARGS };
  for (const [type, entries] of Object.entries(input)) {
    if (!(TRIGGER_TYPES as string[]).includes(type))
      return { ok: false, error: `names ${JSON.stringify(type)}, which is no trigger type (${TRIGGER_TYPES.join(', ')})` };
    if (!Array.isArray(entries)) return { ok: false, error: `${JSON.stringify(type)} must be a list of "source" or "source:type" strings` };
    const list = parseList(entries, `${JSON.stringify(type)} `);
    if (typeof list === 'string') return { ok: false, error: list };
    args[type as TriggerType] = list;
  }
  return { ok: true, args };
}

function parseList(input: readonly unknown[], at: string): ArgSpec[] | string {
  if (input.length > MAX_ARGS) return `${at}may list at most ${MAX_ARGS} arguments`;
  const args: ArgSpec[] = [];
  for (const [i, entry] of input.entries()) {
    const match = typeof entry === 'string' ? /^([a-z]+)(?::(.*))?$/.exec(entry) : null;
    const source = match?.[1] as ArgSource | undefined;
    if (!match || !source || !Object.hasOwn(SOURCES, source)) {
      return `${at}[${i}] ${JSON.stringify(entry)} names no argument; use one of ${Object.keys(SOURCES).join(', ')}, optionally with ':type'`;
    }
    const type = match[2];
    const allowed: readonly string[] = SOURCES[source];
    if (type !== undefined && !allowed.includes(type))
      return `${at}[${i}] ${JSON.stringify(entry)}: ${source} can be sent as ${allowed.join(', ')} (OSC type tags)`;
    args.push(type === undefined ? { source } : { source, type });
  }
  return args;
}

/** One argument of one event, or why the event's value does not fit the argument's type. */
export function oscArg(spec: ArgSpec, event: TriggerEvent): OscArg | string {
  const raw = rawOf(spec.source, event);
  const type = spec.type ?? naturalType(spec.source, event);
  switch (type) {
    case 'I':
    case 'N':
      return { type };
    case 'T':
      return { type: raw === 'Off' || raw === 0 ? 'F' : 'T' };
    case 's':
      return raw === null ? { type: 'N' } : { type: 's', value: String(raw) };
    default:
      return number(spec, type, raw);
  }
}

function number(spec: ArgSpec, type: string, raw: string | number | null): OscArg | string {
  if (raw === null) return { type: 'N' };
  let n: number;
  if (raw === 'On' || raw === 'Off') n = raw === 'On' ? 1 : 0;
  else if (typeof raw === 'number') n = raw;
  else if (spec.source === 'timestamp') n = Date.parse(raw);
  else n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n)) return `${spec.source} ${JSON.stringify(raw)} is not a number, so it cannot be sent as ${type}`;
  if (type === 'i') {
    const rounded = Math.round(n);
    if (rounded > 2147483647 || rounded < -2147483648) return `${spec.source} ${n} does not fit int32 (i); send it as h`;
    return { type: 'i', value: rounded };
  }
  if (type === 'h') return { type: 'h', value: Math.trunc(n) };
  return { type, value: n };
}

function rawOf(source: ArgSource, event: TriggerEvent): string | number | null {
  if (source === 'device' || source === 'control') return deviceAndControl(event.name)[source];
  return event[source];
}

/** The type of an argument listed without one. */
function naturalType(source: ArgSource, event: TriggerEvent): string {
  if (source !== 'value') return source === 'id' || source === 'seq' ? 'i' : 's';
  switch (event.type) {
    case 'On/Off':
      return 'i';
    case 'Continuous':
      return 'f';
    case 'OneShot':
      return 'I';
    case 'Discrete':
      return typeof event.value === 'number' ? (Number.isInteger(event.value) ? 'i' : 'f') : 's';
  }
}
