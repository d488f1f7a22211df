/** Modbus exception codes a request can be answered with. */
export const ModbusException = {
  IllegalFunction: 0x01,
  IllegalDataAddress: 0x02,
  IllegalDataValue: 0x03,
  ServerDeviceFailure: 0x04,
  GatewayTargetFailed: 0x0b,
} as const;
export type ModbusExceptionCode = (typeof ModbusException)[keyof typeof ModbusException];

/** Each exception by the name the spec gives it, in snake case (the metrics' `outcome`). */
export const MODBUS_EXCEPTION_NAMES: Readonly<Record<ModbusExceptionCode, string>> = {
  [ModbusException.IllegalFunction]: 'illegal_function',
  [ModbusException.IllegalDataAddress]: 'illegal_data_address',
  [ModbusException.IllegalDataValue]: 'illegal_data_value',
  [ModbusException.ServerDeviceFailure]: 'server_device_failure',
  [ModbusException.GatewayTargetFailed]: 'gateway_target_failed',
};

/** A request the server can carry out, its fields read and checked against the protocol's bounds. */
export type ModbusRequest =
  | { readonly fc: 1 | 2 | 3 | 4; readonly address: number; readonly quantity: number }
  | { readonly fc: 5; readonly address: number; readonly value: boolean }
  | { readonly fc: 6; readonly address: number; readonly value: number }
  | { readonly fc: 15; readonly address: number; readonly values: readonly boolean[] }
  | { readonly fc: 16; readonly address: number; readonly values: readonly number[] };

/** A PDU understood as a request, or the exception it is answered with. */
export type DecodedRequest = { readonly ok: true; readonly request: ModbusRequest } | { readonly ok: false; readonly exception: ModbusExceptionCode };

/** Quantity bounds of the protocol (Modbus Application Protocol v1.1b3, §6), per function code. */
const MAX_QUANTITY: Readonly<Record<number, number>> = { 1: 2000, 2: 2000, 3: 125, 4: 125, 15: 1968, 16: 123 };

/**
 * Reads a request PDU the way the protocol's own state diagrams order the checks: an unknown
 * function code is exception 1; a PDU whose length or quantity does not fit its function (the
 * "implied length is incorrect" case included) is 3; a range running past address 65535 is 2.
 * Whether the addresses are mapped is the register image's to say (also 2).
 *
 * ```
 * decodeRequest(03 00 06 00 02)  →  { ok: true, request: { fc: 3, address: 6, quantity: 2 } }
 * decodeRequest(03 00 06 00 00)  →  { ok: false, exception: 3 }
 * decodeRequest(08 00 00 00 00)  →  { ok: false, exception: 1 }
 * ```
 */
export function decodeRequest(pdu: Uint8Array): DecodedRequest {
  const fc = pdu[0];
  const word = (at: number): number => (pdu[at] << 8) | pdu[at + 1];
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      if (pdu.length !== 5) return exception(ModbusException.IllegalDataValue);
      const address = word(1);
      const quantity = word(3);
      return checkRange(fc, address, quantity) ?? { ok: true, request: { fc, address, quantity } };
    }
    case 5: {
      if (pdu.length !== 5) return exception(ModbusException.IllegalDataValue);
      const value = word(3);
      if (value !== 0x0000 && value !== 0xff00) return exception(ModbusException.IllegalDataValue);
      return { ok: true, request: { fc, address: word(1), value: value === 0xff00 } };
    }
    case 6:
      if (pdu.length !== 5) return exception(ModbusException.IllegalDataValue);
      return { ok: true, request: { fc, address: word(1), value: word(3) } };
    case 15:
    case 16: {
      if (pdu.length < 6) return exception(ModbusException.IllegalDataValue);
      const address = word(1);
      const quantity = word(3);
      const byteCount = pdu[5];
      const expected = fc === 15 ? Math.ceil(quantity / 8) : quantity * 2;
      if (byteCount !== expected || pdu.length !== 6 + byteCount) return exception(ModbusException.IllegalDataValue);
      const bad = checkRange(fc, address, quantity);
      if (bad !== undefined) return bad;
      const data = pdu.subarray(6);
      if (fc === 15) return { ok: true, request: { fc, address, values: Array.from({ length: quantity }, (_, i) => ((data[i >> 3] >> (i & 7)) & 1) === 1) } };
      return { ok: true, request: { fc, address, values: Array.from({ length: quantity }, (_, i) => (data[2 * i] << 8) | data[2 * i + 1]) } };
    }
    default:
      return exception(ModbusException.IllegalFunction);
  }
}

/** The response PDU of an exception: the function code with its high bit set, then the code. */
export function exceptionPdu(fc: number, code: ModbusExceptionCode): Uint8Array {
  return Uint8Array.of((fc | 0x80) & 0xff, code);
}

function checkRange(fc: number, address: number, quantity: number): DecodedRequest | undefined {
  if (quantity < 1 || quantity > MAX_QUANTITY[fc]) return exception(ModbusException.IllegalDataValue);
  if (address + quantity > 0x10000) return exception(ModbusException.IllegalDataAddress);
  return undefined;
}

function exception(code: ModbusExceptionCode): DecodedRequest {
  return { ok: false, exception: code };
}
