import type { AddressInfo, Server, Socket } from 'node:net';
import { ServerTCP, type IServiceVector } from 'modbus-serial';
import type { Logger } from '../../log';

/** Where and how to serve. */
export interface ModbusListenOptions {
  readonly host: string;
  /** 0 binds a free port. */
  readonly port: number;
  /** 255 answers every unit id. */
  readonly unitId: number;
  readonly log: Logger;
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
 * Serves `vector` with modbus-serial's `ServerTCP`. This is the one file that knows the library's
 * insides, for two things its API does not give:
 *
 * - the bound port (port 0 in tests), read from its `net.Server`;
 * - the remote address of each request, which the gateway's whitelist needs. ServerTCP runs each
 *   request from `setTimeout(…, 0)` after the socket's `data` event; a `data` listener placed
 *   before the library's schedules a timer of the same delay first, and Node runs timers of the
 *   same delay in the order they were set, so the remote is recorded right before the request
 *   that came with it, even when several PLCs interleave. If the library changes, requests carry
 *   no remote, and a Modbus whitelist then rejects them (it never lets them through).
 */
export async function listenModbus(vector: IServiceVector, { host, port, unitId, log }: ModbusListenOptions): Promise<ModbusServer> {
  // ServerTCP reads `options.port || 502`: a numeric string keeps port 0 meaning "any free port".
  const server = new ServerTCP(vector, { host, port: (port === 0 ? '0' : port) as number, unitID: unitId });
  const net = (server as unknown as { _server: Server })._server;
  await new Promise<void>((resolve, reject) => {
    server.once('initialized', () => resolve());
    server.once('serverError', (err: Error) => reject(err));
  });
  server.on('serverError', (err: Error | null) => log.error('server error', { error: err?.message }));
  server.on('socketError', (err: Error | null) => log.debug('connection error', { error: err?.message }));
  server.on('error', (err: Error | null) => log.warn('reply failed', { error: String(err) }));

  let current: string | undefined;
  net.on('connection', (socket: Socket) => {
    const remote = socket.remoteAddress;
    log.debug('PLC connected', { remote });
    socket.prependListener('data', () => {
      current = remote;
      setTimeout(() => (current = remote), 0);
    });
    socket.once('close', () => log.debug('PLC disconnected', { remote }));
  });

  let closing: Promise<void> | undefined;
  return {
    address: () => net.address() as AddressInfo,
    currentRemote: () => current,
    connections: () => server.socks.size,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
