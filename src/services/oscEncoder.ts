import type { TriggerEvent } from '../../streams/contracts';
import * as slip from 'slip';
import { encodeMessage, type OscArg } from '../osc/oscCodec';
import { DEFAULT_ARGS, oscArg, parseOscArgs, type ArgSpec } from './oscArgs';
import { DEFAULT_OSC_ADDRESS, oscAddressFor, parseOscAddress, type OscAddressPattern } from './oscAddress';
import type { OscFraming, Registration } from './registration';

/** What an OSC target sends for one event: the bytes to write, or why the event cannot be sent. */
export type OscEncoded = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly error: string };

/** Encodes one event for one OSC target. */
export type OscEncoder = (event: TriggerEvent) => OscEncoded;

/** An OSC target's registration fields checked: a sentence naming the field of `name` that is wrong, or undefined. */
export function oscTargetError(name: string, raw: { address?: unknown; args?: unknown; framing?: unknown; protocol: string }): string | undefined {
  const problem = (field: string, text: string): string => `'${field}' of ${name} ${text}`;
  if (raw.address !== undefined) {
    if (typeof raw.address !== 'string') return problem('address', 'must be a string');
    const parsed = parseOscAddress(raw.address);
    if (!parsed.ok) return problem('address', parsed.error);
  }
  if (raw.args !== undefined) {
    const parsed = parseOscArgs(raw.args);
    if (!parsed.ok) return problem('args', parsed.error);
  }
  if (raw.framing !== undefined) {
    if (raw.protocol !== 'OSC_TCP') return problem('framing', 'applies to OSC_TCP only (OSC_UDP sends one packet per datagram)');
    if (raw.framing !== 'slip' && raw.framing !== 'length') return problem('framing', 'must be "slip" (OSC 1.1) or "length" (OSC 1.0 int32 prefix)');
  }
  return undefined;
}

/**
 * The encoder of an OSC_UDP / OSC_TCP registration (its fields were checked by
 * {@link oscTargetError}): one message per event, its address from the pattern, its arguments
 * from `args` (by trigger type) or {@link DEFAULT_ARGS}; OSC_TCP frames it (`slip`, or `length`: a big-endian int32
 * prefix). An event whose value does not fit a configured type is not sent (`ok: false`).
 */
export function createOscEncoder(registration: Registration): OscEncoder {
  const address = parseOscAddress(registration.address ?? DEFAULT_OSC_ADDRESS);
  if (!address.ok) throw new Error(`'address' ${address.error}`);
  const args = registration.args === undefined ? { ok: true as const, args: DEFAULT_ARGS } : parseOscArgs(registration.args);
  if (!args.ok) throw new Error(`'args' ${args.error}`);
  const frame = framer(registration.protocol === 'OSC_TCP' ? (registration.framing ?? 'slip') : undefined);
  const byType = args.args;
  return (event) => encode(address.pattern, byType[event.type], event, frame);
}

function encode(pattern: OscAddressPattern, specs: readonly ArgSpec[], event: TriggerEvent, frame: (b: Buffer) => Buffer): OscEncoded {
  const args: OscArg[] = [];
  for (const spec of specs) {
    const arg = oscArg(spec, event);
    if (typeof arg === 'string') return { ok: false, error: `OSC argument ${spec.source}${spec.type ? `:${spec.type}` : ''}: ${arg}` };
    args.push(arg);
  }
  return { ok: true, bytes: frame(encodeMessage(oscAddressFor(pattern, event), args)) };
}

function framer(framing: OscFraming | undefined): (packet: Buffer) => Buffer {
  if (framing === 'slip') return (packet) => Buffer.from(slip.encode(packet));
  if (framing === 'length') {
    return (packet) => {
      const framed = Buffer.allocUnsafe(packet.length + 4);
      framed.writeInt32BE(packet.length, 0);
      packet.copy(framed, 4);
      return framed;
    };
  }
  return (packet) => packet;
}
