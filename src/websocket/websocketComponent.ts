import { canSee } from '../../streams/websocket/clientFilter';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Router from '@koa/router';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CacheState, TriggerDef, TriggerEvent } from '../../streams/contracts';
import { createRateLimiter } from '../../streams/websocket/rateLimiter';
import type { Bus, PowerEvent, ServiceStatusChange } from '../bus/bus';
import type { HavenConfig } from '../config/havenConfig';
import type { Component, ComponentHealth } from '../hub';
import type { Logger } from '../log';
import type { Replay } from '../eventLog/eventLog';
import type { Store } from '../storage/store';
import { createAdminService, type AdminService } from './adminService';
import { ClientConnection, createConnectionContext } from './clientConnection';
import { CLOSE } from '../../streams/websocket/closeCodes';
import { createDashboardFeed, type DashboardSources } from './dashboardFeed';
import type { Directory } from './directory';
import { FanOut } from './fanOut';
import { createFlushPacer } from './flushPacer';
import { createPairingStore } from './pairingStore';
import { requireAdmin } from './routes/adminAuth';
import { createAreasRouter } from './routes/areasRouter';
import { createClientsRouter } from './routes/clientsRouter';
import { createPairingRouter } from './routes/pairingRouter';
import { connectionStats, createStatsRouter, type WebSocketStats } from './routes/statsRouter';
import { createSessionHandler } from './session';
import { startSweep } from './sweep';
import type { TokenStore } from './tokenStore';
import { createUpgradeHandler, remoteIp } from './upgradeHandler';
import type { AuthFailureLimiter } from '../security/authFailureLimiter';
import type { EndOfTurn } from '../runtime/turnStages';

/** What the WebSocket transport reads; the last three are seams tests (and other hosts) may replace. */
export interface WebSocketDeps {
  /** Every accepted input, fanned out to the clients. */
  readonly accepted$: Observable<TriggerEvent>;
  /** Power and service events come from its topics. */
  readonly bus: Pick<Bus, 'messages$'>;
  /** The cache (resync state), the last seq and the journal, for welcomes and resumes. */
  readonly cache: () => CacheState;
  readonly lastSeq: () => number;
  readonly replay: Replay;
  /** The catalog, for the session's trigger requests. */
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  /** Holds pairing codes. */
  readonly store: Store;
  /** The clients, areas and client tokens: the runtime's one instance, which its access guard reads too. */
  readonly directory: Directory;
  readonly tokens: TokenStore;
  /** Drives the sweep (deadlines, heartbeat) and reads connection ages. */
  readonly scheduler: SchedulerLike;
  readonly utcNow: () => string;
  /** Wall-clock ms for pairing code expiry (codes survive restarts). */
  readonly wallMs: () => number;
  /** The hub's log; the component logs as its `WebSocket` child. */
  readonly log: Logger;
  /** Clock of the per-IP limiters; default `scheduler`. Tests pass a virtual one. */
  readonly limiterScheduler?: SchedulerLike;
  /** What dashboards (`subscribe_dashboard`) are fed from; absent, there is no dashboard feed. */
  readonly dashboard?: DashboardSources;
  /** End-of-turn hook for write coalescing; default: the end of the turn, paced under load ({@link createFlushPacer}). */
  readonly defer?: EndOfTurn;
  /** What the default pacer calls the end of the turn (default `setImmediate`). */
  readonly endOfTurn?: EndOfTurn;
  /** The hub's count of failed authentications per address (shared with REST and SSE); absent, nothing is counted. */
  readonly authFailures?: Pick<AuthFailureLimiter, 'blockedForMs' | 'fail'>;
}

/** The WebSocket transport as the runtime and other components see it. */
export interface WebSocketComponent extends Component {
  /** Names of the enabled areas containing trigger (or power socket) `name`; for SSE envelopes and filters. */
  areasOfTrigger(name: string): string[];
  /** Admin actions: the REST routers, the CLI and tests use them. */
  readonly admin: AdminService;
  /** The seed's notify API, for other components that want to reach clients. */
  readonly fanOut: FanOut;
  readonly stats: () => WebSocketStats;
  /**
   * May the holder of `token` fire trigger `name` (the dashboard's WEB buttons)? Admins fire any;
   * a client only the triggers of its enabled areas, as it only sees those.
   */
  canFire(token: string, name: string): 'ok' | 'invalid_token' | 'not_in_areas';
}

type Status = 'idle' | 'running' | 'stopping' | 'stopped';

/** A peer that does not answer our close frame within this is cut off. */
const CLOSE_GRACE_MS = 1000;
/** Under load the fan-out spends at most half its time writing, however many clients a flush writes to (see createFlushPacer). */
const FLUSH_REST_FACTOR = 1;

/**
 * WebSocket clients on the API's port (`websocket.path`, default `/ws`): token authentication,
 * areas, pairing, revocation, targeted events and resume. One subscription to the accepted events
 * fans out to a Map of connection actors; one sweep on the hub's scheduler drives every deadline
 * and the heartbeat.
 */
export function createWebSocketComponent(cfg: HavenConfig['websocket'], deps: WebSocketDeps): WebSocketComponent {
  const { scheduler, store, utcNow, triggers, cache, lastSeq } = deps;
  const log = deps.log.child('WebSocket');
  let status: Status = 'idle';
  let server: Server | undefined;
  let stopping: Promise<void> | undefined;
  let allClosed: (() => void) | undefined;
  const connections = new Set<ClientConnection>();
  const subscriptions: Subscription[] = [];

  const setStatus = (next: Status, why?: string) => {
    if (next === status) return;
    log.info(`${status} → ${next}${why ? ` (${why})` : ''}`);
    status = next;
  };

  const stats = () => connectionStats(connections);

  const { directory, tokens } = deps;
  const pairing = createPairingStore(store, deps.wallMs);
  const fanOut = new FanOut({
    directory,
    replay: deps.replay,
    lastSeq,
    cache,
    utcNow,
    heartbeatMs: cfg.heartbeat_ms,
    // People watch these clients: under load, one write per display frame (16 ms by default) carries
    // what three did at 5 ms, and a write to a client costs about the same for 1 frame or 30.
    defer: deps.defer ?? createFlushPacer({ minIntervalMs: cfg.flush_interval_ms, restFactor: FLUSH_REST_FACTOR, endOfTurn: deps.endOfTurn }, scheduler),
    maxLogged: cfg.max_pending_messages,
    scheduler,
  });
  const admin = createAdminService({ directory, tokens, pairing, fanOut, utcNow, pairingTtlMs: cfg.pairing_ttl_ms });
  const dashboard = deps.dashboard && createDashboardFeed({ ...deps.dashboard, fanOut, triggers, cache, lastSeq, scheduler, utcNow });
  const authenticate = (token: string) => {
    const record = tokens.verify(token);
    return record && directory.client(record.clientId);
  };

  const limiterClock = deps.limiterScheduler ?? scheduler;
  const limit = { max: cfg.rate_limit.max, windowMs: cfg.rate_limit.window_ms };
  const limiter = createRateLimiter(limit, limiterClock);
  const pairingLimiter = createRateLimiter(limit, limiterClock);
  const connectionContext = createConnectionContext({
    scheduler,
    log,
    maxBufferedBytes: cfg.max_buffered_bytes,
    maxPending: cfg.max_pending_messages,
    authTimeoutMs: cfg.auth_timeout_ms,
    slowConsumerMs: cfg.slow_consumer_ms,
    closeGraceMs: CLOSE_GRACE_MS,
    onText: createSessionHandler({ authenticate, fanOut, triggers, cache, lastSeq, dashboard, authFailures: deps.authFailures }),
    onClosed: (conn) => {
      connections.delete(conn);
      dashboard?.remove(conn);
      fanOut.remove(conn);
      if (connections.size === 0) allClosed?.();
    },
  });
  let nextId = 1;
  const wss = new WebSocketServer({ noServer: true, maxPayload: cfg.max_payload_bytes, perMessageDeflate: false, clientTracking: false });
  const upgrade = createUpgradeHandler({
    path: cfg.path,
    wss,
    limiter,
    authenticate,
    authFailures: deps.authFailures,
    stopping: () => status !== 'running',
    aloneOnServer: () => (server?.listenerCount('upgrade') ?? 0) <= 1,
    log,
    open: (ws: WebSocket, socket: Duplex, ip: string) => {
      const conn = new ClientConnection(nextId++, ws, socket, ip, connectionContext);
      connections.add(conn);
      return {
        admit: (client, lastSeq) => fanOut.admit(conn, client, lastSeq),
        closeNow: (code, reason) => conn.send({ type: 'close', close: { code, reason } }),
      };
    },
  });

  const guard = requireAdmin(authenticate);
  const routers: Router[] = [
    createAreasRouter(admin, guard),
    createClientsRouter(admin, guard, (id) => fanOut.connectionCount(id)),
    createPairingRouter(admin, guard, pairingLimiter, (ctx) => remoteIp(ctx.req)),
    createStatsRouter(stats, guard),
  ];

  return {
    name: 'websocket',
    admin,
    fanOut,
    stats,
    areasOfTrigger: (name) => directory.areasOfEntity(name),
    canFire(token, name) {
      const client = authenticate(token);
      if (!client) return 'invalid_token';
      return canSee(directory.visibility(client), name) ? 'ok' : 'not_in_areas';
    },

    async start() {
      if (status !== 'idle') return;
      subscriptions.push(
        deps.accepted$.subscribe((event) => fanOut.publishTrigger(event)),
        deps.bus.messages$<PowerEvent>('power').subscribe((event) => fanOut.publishPower(event)),
        deps.bus.messages$<ServiceStatusChange>('services').subscribe((change) => fanOut.publishServiceStatus(change)),
        ...(dashboard ? [dashboard.start()] : []),
        startSweep({ connections, scheduler, sweepMs: cfg.sweep_ms, heartbeatMs: cfg.heartbeat_ms, limiters: [limiter, pairingLimiter] }),
      );
      setStatus('running', `path ${cfg.path}`);
    },

    routers: () => routers,

    attach(s) {
      if (server) return;
      server = s;
      s.on('upgrade', upgrade);
    },

    async notifyShutdown(reconnectAfterMs) {
      if (status !== 'running') return;
      fanOut.notifyAllClients('shutdown', { reconnectAfterMs, message: `Haven is shutting down; reconnect in ${Math.round(reconnectAfterMs / 1000)} s` });
      fanOut.flush();
    },

    stop() {
      stopping ??= (async () => {
        if (status !== 'running') return setStatus('stopped');
        setStatus('stopping', `${connections.size} connections`);
        subscriptions.forEach((s) => s.unsubscribe());
        // Events the fan-out still holds for its next batch go out before the close, not never.
        fanOut.flush();
        server?.off('upgrade', upgrade);
        if (connections.size > 0) {
          const closed = new Promise<void>((resolve) => (allClosed = resolve));
          for (const conn of connections) conn.send({ type: 'close', close: CLOSE.goingAway });
          const timer = scheduler.schedule(() => connections.forEach((c) => c.ws.terminate()), CLOSE_GRACE_MS);
          await closed;
          timer.unsubscribe();
        }
        setStatus('stopped');
      })();
      return stopping;
    },

    load() {
      let backlogBytes = 0;
      let backlogMessages = 0;
      for (const conn of connections) {
        backlogBytes += conn.bufferedBytes;
        backlogMessages += conn.heldMessages;
      }
      return { clients: connections.size, backlogBytes, backlogMessages };
    },

    health(): ComponentHealth {
      const s = stats();
      const state = status === 'running' ? 'ok' : status === 'idle' ? 'starting' : 'stopped';
      const backedUp = s.byStatus.backed_up ?? 0;
      return {
        name: 'websocket',
        state,
        detail: `${s.clients} clients and ${s.admins} admins connected on ${cfg.path}${backedUp ? `, ${backedUp} backed up` : ''}`,
      };
    },
  };
}
