/** One Modbus TCP request as framed by its MBAP header: the PDU is function code plus data. */
export interface ModbusFrame {
  readonly transactionId: number;
  readonly unitId: number;
  readonly pdu: Uint8Array;
}

/** Why a byte stream can no longer be read as Modbus TCP; the connection is then closed. */
export type FramingError = 'bad_protocol_id' | 'bad_length';

/** What one chunk of a Modbus TCP stream yields. */
export interface FrameSplit {
  /** Complete requests, in order. */
  readonly frames: ModbusFrame[];
  /** The unfinished tail (at most one header plus {@link MAX_PDU} bytes) to hand back with the next chunk. */
  readonly carry: Uint8Array;
  /** Set when a header cannot be trusted: `frames` holds the requests before it, and nothing after it is read. */
  readonly error?: { readonly reason: FramingError; readonly message: string };
}

/** MBAP header: transaction id (2), protocol id (2), length (2), unit id (1). */
export const MBAP_LENGTH = 7;
/** Longest PDU of the protocol (a 260-byte ADU less its header). */
export const MAX_PDU = 253;

const EMPTY = new Uint8Array(0);

/**
 * Splits a chunk of a Modbus TCP byte stream into requests. A header whose protocol id is not 0,
 * or whose length field cannot hold a function code or exceeds the protocol's bound, means the
 * peer does not speak Modbus TCP (or the stream lost its framing): no later byte can be trusted,
 * so the split stops there and the caller closes the connection, instead of waiting for 64 KiB a
 * lying length field promises. Bytes are copied out, so `chunk` may be reused.
 *
 * ```
 * splitFrames(∅, 00 01 00 00 00 06 01 01 00 01 00 01 00 02)
 *   →  { frames: [{ transactionId: 1, unitId: 1, pdu: 01 00 01 00 01 }], carry: 00 02 }
 * ```
 */
export function splitFrames(carry: Uint8Array, chunk: Uint8Array): FrameSplit {
  const bytes = carry.length === 0 ? chunk : concat(carry, chunk);
  const frames: ModbusFrame[] = [];
  let at = 0;
  while (bytes.length - at >= 6) {
    const protocolId = (bytes[at + 2] << 8) | bytes[at + 3];
    const length = (bytes[at + 4] << 8) | bytes[at + 5];
    if (protocolId !== 0) return { frames, carry: EMPTY, error: { reason: 'bad_protocol_id', message: `protocol id ${protocolId}, not 0 (Modbus)` } };
    // The length counts the unit id and the PDU; a PDU holds at least its function code.
    if (length < 2 || length > MAX_PDU + 1) {
      return { frames, carry: EMPTY, error: { reason: 'bad_length', message: `MBAP length ${length} outside 2..${MAX_PDU + 1}` } };
    }
    if (bytes.length - at < 6 + length) break;
    frames.push({ transactionId: (bytes[at] << 8) | bytes[at + 1], unitId: bytes[at + 6], pdu: bytes.slice(at + MBAP_LENGTH, at + 6 + length) });
    at += 6 + length;
  }
  return { frames, carry: at === bytes.length ? EMPTY : bytes.slice(at) };
}

/** The ADU for a response PDU to `frame`: its transaction and unit id, protocol 0, the length of what follows. */
export function encodeFrame(frame: Pick<ModbusFrame, 'transactionId' | 'unitId'>, pdu: Uint8Array): Uint8Array {
  const out = new Uint8Array(MBAP_LENGTH + pdu.length);
  const length = pdu.length + 1;
  out.set([frame.transactionId >> 8, frame.transactionId & 0xff, 0, 0, length >> 8, length & 0xff, frame.unitId], 0);
  out.set(pdu, MBAP_LENGTH);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
