import * as net from 'node:net';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { TriggerEvent } from '../../../streams/contracts';
import { createLogger, type Logger } from '../../../src/log';
import { renderInto } from '../../helpers/logLines';

/** Everything a test opened, closed in afterEach whatever happened. */
const cleanups: Array<() => Promise<void> | void> = [];

export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch {
      // Cleanup is best effort; the test already reported what mattered.
    }
  }
}

export { waitFor } from '../../helpers/waitFor';

/** A service: a TCP listener on 127.0.0.1 that records every line and every connection. */
export interface FakeService {
  readonly port: number;
  /** Raw bytes received, connection after connection. */
  readonly bytes: () => Buffer;
  readonly lines: () => string[];
  readonly connections: () => number;
  readonly sockets: Set<net.Socket>;
  /** Closes the listener and destroys its sockets (a service that died). */
  kill(): Promise<void>;
}

export async function startService(port = 0, options: net.ServerOpts = {}): Promise<FakeService> {
  /** Per connection, so concurrent TCP_CONNECT connections never interleave their lines. */
  const received: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer(options, (socket) => {
    connections += 1;
    sockets.add(socket);
    const chunks: Buffer[] = [];
    received.push(chunks);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const kill = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onCleanup(kill);
  const bytes = (): Buffer => Buffer.concat(received.flat());
  return {
    port: (server.address() as net.AddressInfo).port,
    bytes,
    lines: () =>
      received.flatMap((chunks) =>
        Buffer.concat(chunks)
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      ),
    connections: () => connections,
    sockets,
    kill,
  };
}

/** A port nothing listens on (bound once, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** asyncScheduler's timers with a `now()` the test can move forward (max age without sleeping). */
export function createShiftableScheduler(): { scheduler: SchedulerLike; advance(ms: number): void } {
  let offset = 0;
  const scheduler: SchedulerLike = {
    now: () => asyncScheduler.now() + offset,
    schedule: asyncScheduler.schedule.bind(asyncScheduler),
  };
  return {
    scheduler,
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** A logger whose lines the test can read (`[Service X] connected` …). */
export function createCapturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('Services', 'debug', renderInto(lines)), lines };
}

let nextSeq = 1;

/** An accepted event; seq strictly increasing across the test run. */
export function event(overrides: Partial<TriggerEvent> = {}): TriggerEvent {
  return {
    seq: nextSeq++,
    kind: 'event',
    name: 'RedTelephone.Button_1',
    value: 'On',
    id: 12345,
    type: 'On/Off',
    category: 'phone',
    organization: 'default',
    source: 'HTTP',
    timestamp: '2026-01-11T18:35:00',
    receivedAt: 0,
    ...overrides,
  };
}

/** The fast test reconnect policy: no jitter, short delays. */
export const FAST_BACKOFF = { baseMs: 20, factor: 2, capMs: 100, jitter: 0 };
