import { decodePacket, encodeMessage } from '../../../src/osc/oscCodec';

/**
 * The few OSC bytes the benchmarks write and read, through the hub's own codec, so the bare
 * reference and the device side pay for OSC exactly as the hub does.
 */

/** One OSC message with string and int arguments. */
export function encodeOscMessage(address: string, ...args: Array<string | number>): Buffer {
  return encodeMessage(
    address,
    args.map((value) => (typeof value === 'number' ? { type: 'i', value } : { type: 's', value })),
  );
}

/** Decodes a packet the way a receiver must (every argument read). Throws on malformed bytes. */
export const decodeOsc = decodePacket;

const OK = ['/haven/ok', '/ok'];

/** A reply that says stored: Haven's `/haven/ok <seq> <name>` or the bare server's `/ok <n>`. */
export function isOscOk(data: Buffer): boolean {
  try {
    const packet = decodePacket(data);
    return 'address' in packet && OK.includes(packet.address);
  } catch {
    return false;
  }
}
