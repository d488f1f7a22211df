import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createWaiters } from './waitFor';

/** A real TCP service as the seed describes one: it accepts connections and collects NDJSON lines. */
export interface LineServer {
  readonly port: number;
  /** Every complete line received, without its newline, across all connections. */
  readonly lines: string[];
  /** Resolves once `count` lines have arrived (rejects after `timeoutMs`, as a failure, not a timing check). */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves once a connection is open. */
  waitForConnection(timeoutMs?: number): Promise<void>;
  connections(): number;
  /** Closes the listener and destroys every connection (the service "dies"). */
  close(): Promise<void>;
}

export async function startLineServer(port = 0): Promise<LineServer> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const { wake, until } = createWaiters(() => `have ${lines.length} lines: ${JSON.stringify(lines.slice(-3))}`);
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    wake();
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        lines.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
      wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    lines,
    waitForLines: async (count, timeoutMs = 5000) => {
      await until(() => lines.length >= count, `${count} lines`, timeoutMs);
      return lines.slice(0, count);
    },
    waitForConnection: (timeoutMs = 5000) => until(() => sockets.size > 0, 'a connection', timeoutMs),
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
