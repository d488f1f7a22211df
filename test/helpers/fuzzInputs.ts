import fc from 'fast-check';

/**
 * The generators of bad (and a few good) inputs, shared by the property specs and the long fuzz
 * run (`npm run fuzz`), so both try the same inputs. Each input says what its protocol must
 * answer, worked out from how it was built, never by calling the code under test.
 */

// ---------------------------------------------------------------- TCP text lines

/** A line every hub on the example catalog accepts (a OneShot without id, no gating by default). */
export const VALID_LINE = 'Fog.Burst';

const NEWLINE = 0x0a;
const noNewline = (b: number): number => (b === NEWLINE ? 0x0b : b);

/**
 * One line (without its `\n`) that is not a trigger: it starts with a NUL, a control byte or a byte
 * that is not UTF-8, so its first field can never be a name, and goes on with any bytes at all
 * (binary, invalid UTF-8, `\r`, NUL) except a newline. Answered `ERR bad_line`.
 */
export const badTcpLine = (maxLength = 200): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(fc.constantFrom(0x00, 0x01, 0x1b, 0x7f, 0x80, 0xc3, 0xfe, 0xff), fc.uint8Array({ maxLength: maxLength - 1 }))
    .map(([first, rest]) => Uint8Array.of(first, ...rest.map(noNewline)));

/** A line of printable text that may or may not be a trigger: each is answered `OK` or `ERR`. */
const textTcpLine = (): fc.Arbitrary<Uint8Array> =>
  fc
    .oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom('STATUS', 'EVENT', 'status Door.Sensor', 'Fog.Burst - x', '{', '{}', '[]', 'null', '{"name":1}', '{"name":"Fog.Burst","x":1}'),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc
        .tuple(fc.constantFrom('RedTelephone.Button_1', 'Flame.Intensity', 'Stage.Mode', 'Dial.Number', 'No.Such'), fc.string({ maxLength: 12 }), fc.nat())
        .map((t) => t.join(' ')),
    )
    .map((text) => Uint8Array.from(Buffer.from(text.replace(/\n/g, ' '), 'utf8')));

/** What one TCP input is, and what the hub must answer to it. */
export type TcpInput =
  /** Lines, each sent with its `\n`, all in one write: one reply line each, in order. */
  | { readonly kind: 'lines'; readonly lines: readonly Uint8Array[]; readonly bad: readonly boolean[] }
  /** One line longer than the bound: `ERR line_too_long`, then the hub closes. */
  | { readonly kind: 'huge'; readonly length: number }
  /** Bytes without a newline, then the device closes: no reply is owed; the hub must simply serve on. */
  | { readonly kind: 'partial'; readonly bytes: Uint8Array }
  /** One line written a byte at a time: one reply. */
  | { readonly kind: 'slow'; readonly line: Uint8Array; readonly bad: boolean };

/** Many lines in one packet: bad ones (`ERR`), text ones (`OK` or `ERR`) and valid ones (`OK`). */
export const tcpLines = (maxLines = 50): fc.Arbitrary<TcpInput> =>
  fc
    .array(
      fc.oneof(
        badTcpLine().map((line) => ({ line, bad: true })),
        textTcpLine().map((line) => ({ line, bad: false })),
        fc.constant({ line: Uint8Array.from(Buffer.from(VALID_LINE)), bad: false }),
      ),
      { minLength: 1, maxLength: maxLines },
    )
    .map((items) => ({ kind: 'lines', lines: items.map((i) => i.line), bad: items.map((i) => i.bad) }));

/** Every kind of TCP input; `maxLineLength` is the hub's `sources.tcp.max_line_length`. */
export const tcpInput = (maxLineLength: number): fc.Arbitrary<TcpInput> =>
  fc.oneof(
    { weight: 5, arbitrary: tcpLines() },
    { weight: 1, arbitrary: fc.integer({ min: maxLineLength + 1, max: maxLineLength * 3 }).map((length): TcpInput => ({ kind: 'huge', length })) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: Math.min(300, maxLineLength) }).map((b): TcpInput => ({ kind: 'partial', bytes: b.map(noNewline) })),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        badTcpLine(40).map((line): TcpInput => ({ kind: 'slow', line, bad: true })),
        fc.constant<TcpInput>({ kind: 'slow', line: Uint8Array.from(Buffer.from(VALID_LINE)), bad: false }),
      ),
    },
  );

/** The bytes of a `lines` input: each line and its `\n`. */
export function linesBytes(lines: readonly Uint8Array[]): Buffer {
  return Buffer.concat(lines.flatMap((l) => [l, Uint8Array.of(NEWLINE)]));
}

// ---------------------------------------------------------------- Modbus TCP frames

/** Function codes the hub serves; every other one is exception 1. */
const SUPPORTED_FCS = [1, 2, 3, 4, 5, 6, 15, 16] as const;
const MAX_QUANTITY: Record<number, number> = { 1: 2000, 2: 2000, 3: 125, 4: 125, 15: 1968, 16: 123 };
/** Addresses the default map never uses (it maps 0..8). */
const UNMAPPED = { min: 100, max: 60_000 };

/** What the hub must answer to a Modbus input. */
export type ModbusExpect =
  /** A normal response with this function code. */
  | { readonly kind: 'answer'; readonly fc: number }
  | { readonly kind: 'exception'; readonly fc: number; readonly code: number }
  /** The stream is not Modbus TCP: the hub closes the connection (after answering what came before). */
  | { readonly kind: 'close' };

/** One request as bytes on the wire, and what it must get. */
export interface ModbusInput {
  readonly what: string;
  readonly bytes: Uint8Array;
  readonly expect: ModbusExpect;
}

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];

/** An ADU: MBAP header (protocol 0 unless given, the true length unless given) and the PDU. */
export function adu(pdu: ArrayLike<number>, { transactionId = 1, unitId = 1, protocolId = 0, length = pdu.length + 1 } = {}): Uint8Array {
  return Uint8Array.from([...u16(transactionId), ...u16(protocolId), ...u16(length), unitId, ...Array.from(pdu)]);
}

const tid = fc.integer({ min: 0, max: 0xffff });
const unit = fc.integer({ min: 0, max: 255 });
const framed = (what: string, pdu: fc.Arbitrary<number[]>, expect: (pdu: number[]) => ModbusExpect): fc.Arbitrary<ModbusInput> =>
  fc.tuple(pdu, tid, unit).map(([p, transactionId, unitId]) => ({ what, bytes: adu(p, { transactionId, unitId }), expect: expect(p) }));
const exceptionOf =
  (code: number) =>
  (p: number[]): ModbusExpect => ({ kind: 'exception', fc: (p[0] | 0x80) & 0xff, code });
const bytes = (max: number) => fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: max });

/** Every function code 0..127 the hub does not serve, with any data: exception 1. */
const unsupportedFunction = framed(
  'unsupported function code',
  fc
    .tuple(
      fc.integer({ min: 0, max: 127 }).filter((fc_) => !(SUPPORTED_FCS as readonly number[]).includes(fc_)),
      bytes(20),
    )
    .map(([f, d]) => [f, ...d]),
  exceptionOf(1),
);

/** A quantity of 0 or past the protocol's bound (a write's byte count then cannot fit): exception 3. */
const illegalQuantity = framed(
  'illegal quantity',
  fc
    .tuple(fc.constantFrom(1, 2, 3, 4, 15, 16), fc.integer({ min: 0, max: 0xffff }), fc.boolean(), fc.integer({ min: 0, max: 0xffff }))
    .map(([f, address, zero, q]) => {
      const quantity = zero ? 0 : Math.max(q, MAX_QUANTITY[f] + 1);
      if (f <= 4) return [f, ...u16(address), ...u16(quantity)];
      // The byte field cannot hold the count such a quantity needs, and the ADU stays within its 260 bytes.
      const count = (f === 15 ? Math.ceil(quantity / 8) : quantity * 2) & 0xff;
      return [f, ...u16(address), ...u16(quantity), count, ...new Array<number>(Math.min(count, 200)).fill(0)];
    }),
  exceptionOf(3),
);

/** A served function code whose PDU is too short, too long, or whose byte count disagrees: exception 3. */
const illegalLength = framed(
  'PDU length that does not fit its function',
  fc.oneof(
    fc
      .tuple(fc.constantFrom(1, 2, 3, 4, 5, 6), bytes(30))
      .filter(([, d]) => d.length !== 4)
      .map(([f, d]) => [f, ...d]),
    fc.tuple(fc.constantFrom(15, 16), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 5 }), fc.boolean()).map(([f, quantity, off, countLies]) => {
      const count = f === 15 ? Math.ceil(quantity / 8) : quantity * 2;
      // Either the byte count lies about the data that follows, or the data disagrees with a true count.
      const told = countLies ? count + off : count;
      const sent = countLies ? told : count + off;
      return [f, 0, 1, ...u16(quantity), told & 0xff, ...new Array<number>(Math.min(sent, 240)).fill(0)];
    }),
    fc.tuple(fc.constantFrom(15, 16), bytes(4)).map(([f, d]) => [f, ...d]),
  ),
  exceptionOf(3),
);

/** FC 5 with a value other than FF00 or 0000: exception 3. */
const illegalCoilValue = framed(
  'single-coil value other than FF00/0000',
  fc
    .tuple(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffff }).filter((v) => v !== 0 && v !== 0xff00),
    )
    .map(([a, v]) => [5, ...u16(a), ...u16(v)]),
  exceptionOf(3),
);

/** A valid quantity at addresses the map does not have, or running past 65535: exception 2. */
const illegalAddress = framed(
  'unmapped address or range past 65535',
  fc.tuple(fc.constantFrom(...SUPPORTED_FCS), fc.integer(UNMAPPED), fc.integer({ min: 1, max: 20 }), fc.boolean()).map(([f, a, quantity, pastEnd]) => {
    const address = pastEnd ? 0x10000 - quantity + 1 + (a % Math.max(1, quantity - 1)) : a;
    const at = u16(Math.min(address, 0xffff));
    if (f <= 4) return [f, ...at, ...u16(quantity)];
    if (f === 5) return [f, ...at, 0xff, 0];
    if (f === 6) return [f, ...at, 0, 1];
    const count = f === 15 ? Math.ceil(quantity / 8) : quantity * 2;
    return [f, ...at, ...u16(quantity), count, ...new Array<number>(count).fill(0)];
  }),
  exceptionOf(2),
);

/** Reads of what the default map has (status block, acknowledges, registers): a normal answer. */
const validRead = framed(
  'valid read',
  fc.oneof(
    fc.tuple(fc.constantFrom(1, 2), fc.integer({ min: 0, max: 8 })).map(([f, a]) => [f, ...u16(a), ...u16(9 - a)]),
    fc.integer({ min: 1, max: 8 }).map((a) => [3, ...u16(a), ...u16(9 - a)]),
    fc.integer({ min: 0, max: 6 }).map((a) => [4, ...u16(a), ...u16(7 - a)]),
  ),
  (p) => ({ kind: 'answer', fc: p[0] }),
);

/** A header whose protocol id is not 0: the hub closes the connection. */
const wrongProtocolId: fc.Arbitrary<ModbusInput> = fc
  .tuple(fc.integer({ min: 1, max: 0xffff }), tid)
  .map(([protocolId, transactionId]) => ({ what: 'protocol id not 0', bytes: adu([3, 0, 1, 0, 1], { protocolId, transactionId }), expect: { kind: 'close' } }));

/** A length field that cannot be a Modbus request (0, 1, or past 254): the hub closes the connection. */
const impossibleLength: fc.Arbitrary<ModbusInput> = fc
  .tuple(fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 255, max: 0xffff })), bytes(10))
  .map(([length, d]) => ({ what: 'MBAP length outside 2..254', bytes: adu([3, ...d], { length }), expect: { kind: 'close' } }));

/** Every Modbus input whose answer is known. */
export const modbusInput: fc.Arbitrary<ModbusInput> = fc.oneof(
  unsupportedFunction,
  illegalQuantity,
  illegalLength,
  illegalCoilValue,
  illegalAddress,
  { arbitrary: validRead, weight: 1 },
  wrongProtocolId,
  impossibleLength,
);

/** Bytes with no promised answer (a truncated header, garbage): sent, then the client closes; the hub must serve on. */
export const modbusGarbage: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 6 }),
  fc.uint8Array({ minLength: 1, maxLength: 400 }),
  // A true header announcing more than is sent: a request that never completes.
  fc.tuple(fc.integer({ min: 2, max: 254 }), fc.uint8Array({ maxLength: 20 })).map(([length, d]) => adu(Array.from(d).slice(0, length - 2), { length })),
);

/** Cut points that split `length` bytes into packets. */
export const cuts = (length: number): fc.Arbitrary<number[]> =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: Math.min(5, length - 1) }).map((c) => c.sort((a, b) => a - b));

/** `bytes` cut at `at` (sorted offsets) into packets. */
export function splitAt(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  const edges = [0, ...at.filter((c) => c > 0 && c < bytes.length), bytes.length];
  return edges.slice(1).map((end, i) => bytes.subarray(edges[i], end));
}
