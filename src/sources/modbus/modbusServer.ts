import { createServer, type AddressInfo, type Socket } from 'node:net';
import { encodeFrame, splitFrames, type ModbusFrame } from '../../../streams/sources/modbusFrame';
import {
  decodeRequest,
  exceptionPdu,
  MODBUS_EXCEPTION_NAMES,
  ModbusException,
  type ModbusExceptionCode,
  type ModbusRequest,
} from '../../../streams/sources/modbusRequest';
import type { Logger } from '../../log';
import type { ModbusVector } from './modbusVector';

/** Where and how to serve. */
export interface ModbusListenOptions {
  readonly host: string;
  /** 0 binds a free port. */
  readonly port: number;
  /** 255 answers every unit id. */
  readonly unitId: number;
  readonly log: Logger;
  /** Told of each request answered with an exception, by its name (`illegal_data_address`, …), for the metrics. */
  readonly refused?: (reason: string) => void;
}

/** A running Modbus TCP server. */
export interface ModbusServer {
  address(): AddressInfo;
  /** The remote address of the connection whose request the vector is handling right now. */
  currentRemote(): string | undefined;
  connections(): number;
  /** Closes the listener and every connection. Re-entrant. */
  close(): Promise<void>;
}

/**
 * Serves `vector` over Modbus TCP. The framing and the checks of each request are the pure
 * `splitFrames` and `decodeRequest`; this shell only moves bytes and calls the vector, so every
 * request gets its answer or its exception: none is dropped in silence (modbus-serial's
 * `ServerTCP`, used before, ignored short and malformed PDUs and answered a too-large quantity
 * with exception 4), and a stream that is not Modbus TCP is closed with its reason logged.
 * Requests are carried out synchronously, one at a time, so `currentRemote()` names the
 * connection of the request the vector is handling. A peer that does not read its answers is
 * not read either (backpressure), so what the hub holds for it stays bounded.
 */
export async function listenModbus(vector: ModbusVector, { host, port, unitId, log, refused }: ModbusListenOptions): Promise<ModbusServer> {
  const sockets = new Set<Socket>();
  let current: string | undefined;

  const exception = (frame: ModbusFrame, fc: number, code: ModbusExceptionCode): Uint8Array => {
    refused?.(MODBUS_EXCEPTION_NAMES[code]);
    return encodeFrame(frame, exceptionPdu(fc, code));
  };
  const answer = (frame: ModbusFrame): Uint8Array => {
    const fc = frame.pdu[0];
    if (unitId !== 255 && frame.unitId !== unitId) return exception(frame, fc, ModbusException.GatewayTargetFailed);
    const decoded = decodeRequest(frame.pdu);
    if (!decoded.ok) return exception(frame, fc, decoded.exception);
    try {
      return encodeFrame(frame, perform(vector, decoded.request));
    } catch (err) {
      const code = (err as { modbusErrorCode?: ModbusExceptionCode }).modbusErrorCode ?? ModbusException.ServerDeviceFailure;
      if (code === ModbusException.ServerDeviceFailure) log.warn('request failed', { fc, error: String(err) });
      return exception(frame, fc, code);
    }
  };

  const server = createServer((socket) => {
    const remote = socket.remoteAddress;
    sockets.add(socket);
    log.debug('PLC connected', { remote });
    let carry: Uint8Array = new Uint8Array(0);
    let lost = false;
    socket.on('data', (chunk: Buffer) => {
      if (lost) return;
      const split = splitFrames(carry, chunk);
      carry = split.carry;
      current = remote;
      const out = split.frames.map(answer);
      if (out.length > 0 && !socket.write(Buffer.concat(out))) {
        socket.pause();
        socket.once('drain', () => lost || socket.resume());
      }
      if (split.error) {
        lost = true;
        log.info('not Modbus TCP; closing the connection', { remote, reason: split.error.reason, error: split.error.message });
        socket.end();
        socket.pause();
      }
    });
    socket.on('error', (err) => log.debug('connection error', { remote, error: err.message }));
    socket.once('close', () => {
      sockets.delete(socket);
      log.debug('PLC disconnected', { remote });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('server error', { error: err.message }));

  let closing: Promise<void> | undefined;
  return {
    address: () => server.address() as AddressInfo,
    currentRemote: () => current,
    connections: () => sockets.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** Carries out a checked request on the register image; an unmapped address throws exception 2. */
function perform(vector: ModbusVector, request: ModbusRequest): Uint8Array {
  const { fc, address } = request;
  switch (request.fc) {
    case 1:
    case 2: {
      const read = request.fc === 1 ? vector.getCoil : vector.getDiscreteInput;
      const bytes = new Uint8Array(Math.ceil(request.quantity / 8));
      for (let i = 0; i < request.quantity; i++) if (read(address + i)) bytes[i >> 3] |= 1 << (i & 7);
      return Uint8Array.of(fc, bytes.length, ...bytes);
    }
    case 3:
    case 4: {
      const read = request.fc === 3 ? vector.getHoldingRegister : vector.getInputRegister;
      const out = new Uint8Array(2 + 2 * request.quantity);
      out[0] = fc;
      out[1] = 2 * request.quantity;
      for (let i = 0; i < request.quantity; i++) {
        const value = read(address + i);
        out[2 + 2 * i] = (value >> 8) & 0xff;
        out[3 + 2 * i] = value & 0xff;
      }
      return out;
    }
    case 5:
      vector.setCoil(address, request.value);
      return Uint8Array.of(fc, address >> 8, address & 0xff, request.value ? 0xff : 0, 0);
    case 6:
      vector.setRegister(address, request.value);
      return Uint8Array.of(fc, address >> 8, address & 0xff, request.value >> 8, request.value & 0xff);
    case 15:
      // Coil by coil, as documented: each rising edge is a press of its own.
      request.values.forEach((value, i) => vector.setCoil(address + i, value));
      return quantityEcho(fc, address, request.values.length);
    case 16:
      vector.setRegisterArray(address, [...request.values]);
      return quantityEcho(fc, address, request.values.length);
  }
}

function quantityEcho(fc: number, address: number, quantity: number): Uint8Array {
  return Uint8Array.of(fc, address >> 8, address & 0xff, quantity >> 8, quantity & 0xff);
}
