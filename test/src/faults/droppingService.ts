import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** One wire line as the service received it. */
export interface Arrival {
  readonly seq: number;
  readonly timestamp: string;
  /** `Date.now()` when its chunk arrived (the hub stamps `timestamp` with the same wall clock). */
  readonly atMs: number;
  /** Which connection (0, 1, …) brought it. */
  readonly connection: number;
}

/** How a {@link DroppingService} drops its connection. */
export type DropKind =
  /** `end()`: the service says it is done and reads what is already on the wire, the way a service that closes cleanly does. */
  | 'end'
  /** `destroy()`: the connection is reset; what the kernels held is lost. */
  | 'reset';

/** A TCP service (seed 000) that drops its connection after a random few hundred lines, every time. */
export interface DroppingService {
  readonly port: number;
  readonly arrivals: Arrival[];
  /** Connections accepted so far. */
  connections(): number;
  /** Drops done so far. */
  drops(): number;
  /** Lines that were not a JSON object with a numeric `seq`. */
  readonly malformed: string[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0; each connection is dropped (`kind`) after a number of lines drawn from [`min`, `max`]. */
export async function startDroppingService(kind: DropKind, min: number, max: number): Promise<DroppingService> {
  const arrivals: Arrival[] = [];
  const malformed: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let drops = 0;
  const server: Server = createServer((socket) => {
    const connection = connections++;
    const dropAfter = min + Math.floor(Math.random() * (max - min + 1));
    let lines = 0;
    let dropped = false;
    let buffer = '';
    sockets.add(socket);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const atMs = Date.now();
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const { seq, timestamp } = JSON.parse(line);
          if (typeof seq !== 'number') throw new Error('no seq');
          arrivals.push({ seq, timestamp, atMs, connection });
        } catch {
          malformed.push(line);
        }
        lines++;
      }
      if (dropped || lines < dropAfter) return;
      dropped = true;
      drops++;
      if (kind === 'end') socket.end();
      else socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    arrivals,
    malformed,
    connections: () => connections,
    drops: () => drops,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
