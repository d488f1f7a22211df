import { isNonNegativeInteger, type TriggerKind } from '../contracts';
import { MAX_NAME_LENGTH } from './parseLine';

/** One OSC argument as decoded: its type tag and value (int64 as a number). */
export interface OscArgument {
  readonly type: string;
  readonly value?: unknown;
}

/** One decoded OSC message. */
export interface OscInputMessage {
  readonly address: string;
  readonly args: readonly OscArgument[];
}

/** A decoded OSC packet: a message, or a bundle of packets in order (bundles nest). */
export type OscInputPacket = OscInputMessage | { readonly packets: readonly OscInputPacket[] };

/**
 * One entry of `sources.osc.map`: an address a tool already sends (`/qlab/cue/12/go`) and the
 * trigger it stands for, with a fixed `value` or the value of argument `value_arg`.
 */
export interface OscMapEntry {
  readonly address: string;
  readonly trigger: string;
  readonly kind?: TriggerKind;
  readonly value?: string | number | boolean | null;
  readonly value_arg?: number;
  /** The argument holding the device's id, if any. */
  readonly id_arg?: number;
}

/** A message understood: what to report to the gateway. */
export interface OscTrigger {
  readonly ok: true;
  readonly kind: TriggerKind;
  readonly name: string;
  readonly value?: unknown;
  readonly id: number | null;
}

/** Why a message is not a trigger at all (answered `/haven/error <reason> <message> <address>`). */
export type OscInputReason = 'unknown_address' | 'bad_arguments';

export interface OscInputError {
  readonly ok: false;
  readonly reason: OscInputReason;
  readonly message: string;
}

/** `/haven/auth <key>`: a device key, never reported, never logged. */
export const OSC_AUTH_ADDRESS = '/haven/auth';

const PREFIXES: ReadonlyArray<readonly [string, TriggerKind]> = [
  ['/haven/trigger/', 'event'],
  ['/haven/status/', 'status'],
];
const FORMS = 'expected /haven/trigger/<Device>/<Control> <value> [id], /haven/status/<Device>/<Control> <value> [id], or a mapped address';
// A part of a name never holds what OSC patterns or our names reserve.
const PART = /^[^\s\x00-\x1f\x7f/.#*?,[\]{}]+$/;

/** The messages of a packet in the order they were sent: a bundle's, depth first. */
export function messagesOf(packet: OscInputPacket): OscInputMessage[] {
  if ('address' in packet) return [packet];
  return packet.packets.flatMap(messagesOf);
}

/** What an argument carries as a trigger value: numbers, strings, True/False; Nil and Impulse carry none. */
function valueOf(arg: OscArgument | undefined): { ok: true; value?: unknown } | { ok: false; message: string } {
  if (arg === undefined) return { ok: true };
  switch (arg.type) {
    case 'i':
    case 'h':
    case 'f':
    case 'd':
    case 's':
    case 'S':
    case 'c':
      return { ok: true, value: arg.value };
    case 'T':
      return { ok: true, value: true };
    case 'F':
      return { ok: true, value: false };
    case 'N':
    case 'I':
      return { ok: true };
    default:
      return { ok: false, message: `an argument of OSC type '${arg.type}' cannot be a trigger value (send i, h, f, d, s, T, F, N or I)` };
  }
}

/** An id argument: a non-negative integer, as int32, int64, or an integral float. */
function idOf(arg: OscArgument | undefined): { ok: true; id: number | null } | { ok: false; message: string } {
  if (arg === undefined || arg.type === 'N') return { ok: true, id: null };
  if (['i', 'h', 'f', 'd'].includes(arg.type) && isNonNegativeInteger(arg.value)) return { ok: true, id: arg.value as number };
  return { ok: false, message: `the id must be a non-negative integer (got OSC type '${arg.type}' ${JSON.stringify(arg.value)})` };
}

function fromMap(entry: OscMapEntry, args: readonly OscArgument[]): OscTrigger | OscInputError {
  const kind = entry.kind ?? 'event';
  let value: unknown = entry.value;
  if (entry.value_arg !== undefined) {
    if (args[entry.value_arg] === undefined)
      return {
        ok: false,
        reason: 'bad_arguments',
        message: `${entry.address} carries the value of '${entry.trigger}' in argument ${entry.value_arg}, which was not sent`,
      };
    const read = valueOf(args[entry.value_arg]);
    if (!read.ok) return { ok: false, reason: 'bad_arguments', message: read.message };
    value = read.value;
  }
  const id = entry.id_arg === undefined ? ({ ok: true, id: null } as const) : idOf(args[entry.id_arg]);
  if (!id.ok) return { ok: false, reason: 'bad_arguments', message: id.message };
  return { ok: true, kind, name: entry.trigger, ...(value === undefined ? {} : { value }), id: id.id };
}

/**
 * Reads one OSC message as a trigger: a mapped address first (so a map may take over any address),
 * then `/haven/trigger/<Device>/<Control> [value] [id]` (an event) or `/haven/status/…` (a status),
 * named `<Device>.<Control>`. Whether the name and value fit a trigger is the gateway's to decide.
 */
export function readOscMessage(message: OscInputMessage, map: ReadonlyMap<string, OscMapEntry>): OscTrigger | OscInputError {
  const mapped = map.get(message.address);
  if (mapped) return fromMap(mapped, message.args);
  const prefix = PREFIXES.find(([p]) => message.address.startsWith(p));
  if (!prefix) return { ok: false, reason: 'unknown_address', message: `No trigger at ${message.address.slice(0, MAX_NAME_LENGTH)}; ${FORMS}` };
  const parts = message.address.slice(prefix[0].length).split('/');
  if (parts.length < 2 || !parts.every((p) => PART.test(p)))
    return { ok: false, reason: 'unknown_address', message: `No trigger at ${message.address.slice(0, MAX_NAME_LENGTH)}; ${FORMS}` };
  const name = parts.join('.');
  if (name.length > MAX_NAME_LENGTH) return { ok: false, reason: 'unknown_address', message: `A trigger name is at most ${MAX_NAME_LENGTH} characters` };
  if (message.args.length > 2)
    return { ok: false, reason: 'bad_arguments', message: `${message.address} takes [value] [id], got ${message.args.length} arguments` };
  const value = valueOf(message.args[0]);
  if (!value.ok) return { ok: false, reason: 'bad_arguments', message: value.message };
  const id = idOf(message.args[1]);
  if (!id.ok) return { ok: false, reason: 'bad_arguments', message: id.message };
  return { ok: true, kind: prefix[1], name, ...(value.value === undefined ? {} : { value: value.value }), id: id.id };
}
