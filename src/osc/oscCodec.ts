import type * as OscLib from 'osc';

/** One OSC argument: its type tag (`i`, `f`, `h`, `d`, `s`, `T`, `F`, `N`, `I`…) and its value. */
export interface OscArg {
  readonly type: string;
  readonly value?: unknown;
}

/** A decoded OSC message. */
export interface OscMessage {
  readonly address: string;
  readonly args: readonly OscArg[];
}

/** A decoded OSC bundle: its time tag as osc.js reads it, and its packets in order. */
export interface OscBundle {
  readonly timeTag: unknown;
  readonly packets: ReadonlyArray<OscMessage | OscBundle>;
}

const TWO_32 = 2 ** 32;

let lib: typeof OscLib | undefined;

/** osc.js is required at the first OSC packet: a hub without an OSC service or source never loads it (see the README's start-up figures). */
function osc(): typeof OscLib {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (lib ??= require('osc') as typeof OscLib);
}

/** osc.js writes int64 (`h`) from `{ high, low }` halves: numbers and bigints are split here. */
function int64(value: unknown): unknown {
  if (typeof value === 'bigint') return { high: Number(BigInt.asIntN(32, value >> 32n)), low: Number(BigInt.asIntN(32, value)) };
  if (typeof value === 'number') {
    const high = Math.floor(value / TWO_32);
    return { high: high | 0, low: (value - high * TWO_32) | 0 };
  }
  return value;
}

/** Reads int64 halves back as a number (exact up to 2^53, which every seq and epoch ms is). */
function fromInt64(value: unknown): unknown {
  if (value && typeof value === 'object' && 'high' in value && 'low' in value) {
    const { high, low } = value as { high: number; low: number };
    return high * TWO_32 + (low >>> 0);
  }
  return value;
}

/**
 * One OSC message as the bytes of a UDP datagram (osc.js's codec). Throws on an argument osc.js
 * cannot write (a type it does not know, a value that does not fit its type).
 */
export function encodeMessage(address: string, args: readonly OscArg[]): Buffer {
  const written = args.map((a) => (a.type === 'h' ? { type: 'h', value: int64(a.value) } : a));
  const bytes = osc().writePacket({ address, args: written }, { metadata: true });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A message or a bundle from a datagram (or one TCP frame); int64 arguments as numbers. Throws on malformed bytes. */
export function decodePacket(data: Uint8Array): OscMessage | OscBundle {
  const packet = osc().readPacket(data, { metadata: true }) as OscMessage | OscBundle;
  return normalize(packet);
}

function normalize(packet: OscMessage | OscBundle): OscMessage | OscBundle {
  if ('address' in packet) return { address: packet.address, args: packet.args.map((a) => (a.type === 'h' ? { type: 'h', value: fromInt64(a.value) } : a)) };
  return { timeTag: packet.timeTag, packets: packet.packets.map(normalize) };
}
