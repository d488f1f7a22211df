import { Decoder, encode } from 'slip';

/** How a TCP peer frames its OSC packets: OSC 1.1's SLIP (QLab, TouchDesigner) or OSC 1.0's int32 length prefix (liblo). */
export type OscFraming = 'slip' | 'length';

/** SLIP's END byte: a stream that starts with it is SLIP, as liblo's own server decides. */
export const SLIP_END = 0xc0;

/** Cuts a TCP byte stream into OSC packets; `push` throws nothing, a bad stream reports through `onError`. */
export interface OscFrameReader {
  /** The framing, once the first byte told it (null before). */
  framing(): OscFraming | null;
  push(chunk: Buffer): void;
}

/**
 * Reads OSC packets from a TCP stream, framed as the peer's first byte says: SLIP when it is
 * SLIP's END, else an int32 big-endian length before each packet. A packet longer than
 * `maxPacketBytes` (or a length prefix claiming one) is an error: the stream cannot be trusted
 * after it.
 */
export function createOscFrameReader(maxPacketBytes: number, onPacket: (packet: Buffer) => void, onError: (message: string) => void): OscFrameReader {
  let framing: OscFraming | null = null;
  let broken = false;
  let carry: Buffer = Buffer.alloc(0);
  // slip's own bound is its buffer's size, which grows by doubling: a packet is checked here, and
  // slip's bound only stops an END that never comes from growing the buffer without end.
  const slip = new Decoder({
    bufferSize: Math.min(1024, maxPacketBytes),
    maxMessageSize: 2 * maxPacketBytes,
    onMessage: (msg) => {
      if (msg.length > maxPacketBytes) return fail(`a SLIP packet of ${msg.length} bytes (at most ${maxPacketBytes})`);
      if (!broken && msg.length > 0) onPacket(Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength));
    },
    onError: () => fail(`a SLIP packet longer than ${maxPacketBytes} bytes`),
  });
  const fail = (message: string) => {
    if (broken) return;
    broken = true;
    onError(message);
  };
  const lengthPrefixed = (chunk: Buffer) => {
    carry = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let at = 0;
    while (!broken && carry.length - at >= 4) {
      const length = carry.readInt32BE(at);
      if (length < 0 || length > maxPacketBytes) return fail(`a length prefix of ${length} bytes (at most ${maxPacketBytes})`);
      if (carry.length - at - 4 < length) break;
      const packet = carry.subarray(at + 4, at + 4 + length);
      at += 4 + length;
      if (length > 0) onPacket(Buffer.from(packet));
    }
    carry = carry.subarray(at);
  };
  return {
    framing: () => framing,
    push(chunk) {
      if (broken || chunk.length === 0) return;
      framing ??= chunk[0] === SLIP_END ? 'slip' : 'length';
      if (framing === 'slip') slip.decode(chunk);
      else lengthPrefixed(chunk);
    },
  };
}

/** One packet framed for a TCP peer, as it frames its own. */
export function frameOscPacket(packet: Buffer, framing: OscFraming): Buffer {
  if (framing === 'slip') {
    const framed = encode(packet);
    return Buffer.from(framed.buffer, framed.byteOffset, framed.byteLength);
  }
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(packet.length);
  return Buffer.concat([prefix, packet]);
}
