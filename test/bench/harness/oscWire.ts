/**
 * The few OSC bytes the benchmarks write and read, with the codec Haven uses (osc.js), so the
 * bare reference and the device side pay for OSC exactly as the hub does.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const osc = require('osc') as {
  writePacket(packet: unknown, options?: unknown): Uint8Array;
  readPacket(data: Uint8Array, options?: unknown): { address?: string; args?: unknown[] };
};

/** One OSC message with string and int arguments. */
export function encodeOscMessage(address: string, ...args: Array<string | number>): Buffer {
  const typed = args.map((value) => (typeof value === 'number' ? { type: 'i', value } : { type: 's', value }));
  return Buffer.from(osc.writePacket({ address, args: typed }, { metadata: true }));
}

/** Decodes a packet the way a receiver must (every argument read). */
export function decodeOsc(data: Buffer): { address?: string; args?: unknown[] } {
  return osc.readPacket(data, { metadata: true });
}

const OK = ['/haven/ok', '/ok'];

/** A reply that says stored: Haven's `/haven/ok <seq> <name>` or the bare server's `/ok <n>`. */
export function isOscOk(data: Buffer): boolean {
  try {
    return OK.includes(decodeOsc(data).address ?? '');
  } catch {
    return false;
  }
}
