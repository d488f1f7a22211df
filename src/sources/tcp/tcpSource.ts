import { createServer, type AddressInfo, type Server } from 'node:net';
import type { SchedulerLike } from 'rxjs';
import type { HavenConfig, ListenerConfig } from '../../config/havenConfig';
import type { Component, Report } from '../../hub';
import type { Logger } from '../../log';
import { createSourceStatus } from '../sourceStatus';
import { serveLineConnection, type LineConnection } from './lineConnection';
import type { DeviceKeyAuth } from '../../security/deviceKeyAuth';

/** The TCP text-line source as a component; `address()` is where it listens (tests bind port 0). */
export interface TcpSource extends Component {
  address(): AddressInfo | null;
}

/** The source name its inputs carry, and its key in `trigger.sources`. */
export const TCP_SOURCE = 'TCP';

/** What the TCP source reads: its switch, where it listens, its line rules, the gateway's door, the clock, the log. */
export interface TcpSourceDeps {
  /** `trigger.sources.TCP.enabled`. */
  readonly enabled: boolean;
  /** `comm.tcp`. */
  readonly listen: ListenerConfig;
  /** `sources.tcp`. */
  readonly lines: HavenConfig['sources']['tcp'];
  /** How long replies still owed may take to go out when the hub stops (`shutdown.grace_ms`). */
  readonly graceMs: number;
  readonly report: Report;
  readonly scheduler: SchedulerLike;
  /** The hub's log; the source logs as a child of it. */
  readonly log: Logger;
  /** Device keys for `AUTH` lines (see lineConnection). */
  readonly auth?: DeviceKeyAuth;
  /** Told of each line refused before the gateway, with its reason (ComponentDeps.refused). */
  readonly refused?: (source: string, reason: string) => void;
}

/**
 * Devices connect to `comm.tcp` and write one trigger per line (`NAME [VALUE] [ID]`,
 * `STATUS NAME VALUE [ID]`, or a JSON object); each line is answered `OK <seq>` or
 * `ERR <reason> <message>`, in order. The whitelist is the gateway's: every input carries the
 * connection's remote address. A port that cannot be bound leaves the source `failed` (shown by
 * `/readyz`) while the rest of the hub serves.
 */
export function createTcpSource({ enabled, listen, lines, graceMs, report, scheduler, log: hubLog, auth, refused }: TcpSourceDeps): TcpSource {
  const log = hubLog.child(`Source ${TCP_SOURCE}`);
  const status = createSourceStatus(TCP_SOURCE, log);
  const connections = new Set<LineConnection>();
  let server: Server | undefined;
  let stopping: Promise<void> | undefined;

  return {
    name: TCP_SOURCE,
    address: () => (server?.listening ? (server.address() as AddressInfo) : null),
    health: () => status.health(`${connections.size} connection(s)`),

    async start() {
      if (!enabled) return status.set({ state: 'disabled' });
      status.set({ state: 'starting' });
      const srv = createServer({ allowHalfOpen: true }, (socket) => {
        if (stopping) return void socket.destroy();
        const connection = serveLineConnection(socket, {
          report,
          source: TCP_SOURCE,
          maxLineLength: lines.max_line_length,
          idleTimeoutMs: lines.idle_timeout_ms,
          replyTimeoutMs: lines.reply_timeout_ms,
          maxInFlight: lines.max_in_flight,
          scheduler,
          log,
          auth,
          refused: refused && ((reason) => refused(TCP_SOURCE, reason)),
        });
        connections.add(connection);
        void connection.closed.then(() => connections.delete(connection));
      });
      server = srv;
      const { host, port } = listen;
      await new Promise<void>((resolve) => {
        srv.once('error', (err) => {
          status.set({ state: 'failed', error: `cannot listen on ${host}:${port}: ${err.message}` });
          resolve();
        });
        srv.listen(port, host, () => {
          const addr = srv.address() as AddressInfo;
          status.set({ state: 'listening', address: `${addr.address}:${addr.port}` });
          // After start, a server error (rare: the fd failing) also shows as failed.
          srv.removeAllListeners('error');
          srv.on('error', (err) => status.set({ state: 'failed', error: err.message }));
          resolve();
        });
      });
    },

    stop() {
      stopping ??= (async () => {
        const srv = server;
        if (srv === undefined) return status.set({ state: 'stopped' });
        if (status.get().state !== 'failed') status.set({ state: 'stopping' });
        const closed = new Promise<void>((resolve) => (srv.listening ? srv.close(() => resolve()) : resolve()));
        await Promise.all([...connections].map((c) => c.shutdown(graceMs)));
        await closed;
        status.set({ state: 'stopped' });
      })();
      return stopping;
    },
  };
}
