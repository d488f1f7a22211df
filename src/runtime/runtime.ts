import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { CacheState, Decision, TriggerDef, TriggerEvent } from '../../streams/contracts';
import { createGateway } from '../../streams/gateway';
import { createGateContext, DEFAULT_GATING, type GatingConfig } from '../../streams/gating/gatingConfig';
import { emptyHubMemory, gateSeedOf, type HubMemory } from '../../streams/log/hubMemory';
import { createApp } from '../api/createApp';
import { createHealthRouter } from '../api/routes/health';
import { createDashboardRouter } from '../dashboard/dashboardRouter';
import { createRegistrationRouter } from '../api/routes/registrations';
import { createStatusRouter } from '../api/routes/status';
import { createTriggerRouter } from '../api/routes/triggers';
import { createTriggerAnswer } from '../api/triggerAnswer';
import { createTriggerFastPath } from '../api/triggerFastPath';
import type { Bus } from '../bus/bus';
import type { ServiceStatusChange } from '../bus/bus';
import { createBus } from '../bus/createBus';
import { compileWhitelist } from '../config/compileWhitelist';
import type { HavenConfig } from '../config/havenConfig';
import { loadTriggerConfig } from '../config/loadConfig';
import type { EventLog } from '../eventLog/eventLog';
import type { OpenedLog } from '../eventLog/fileLog';
import { createDispatchMark } from '../eventLog/dispatchMark';
import { openEventLog, type OpenLogDeps } from '../eventLog/openEventLog';
import type { Component, ComponentHealth, TriggerReport } from '../hub';
import { createConfiguredLogger, type Logger } from '../log';
import { createHubMetrics } from '../metrics/hubMetrics';
import { createMetricsRouter } from '../metrics/metricsRouter';
import { createServiceDispatcher } from '../services/dispatcher';
import { serviceConfigFrom } from '../services/serviceConfig';
import { createSqliteStore } from '../storage/sqliteStore';
import type { Store } from '../storage/store';
import { createClock, type Clock } from './clock';
import { createComponents, SOURCES, type ComponentDeps } from './components';
import { createUnstoredAnswer } from './unstoredAnswer';
import { createIngress } from './ingress';
import { monotonicScheduler } from './monotonicScheduler';
import { loadLegacyState } from '../eventLog/legacyState';
import type { SseComponent } from '../sse/sseComponent';
import { requireAdmin } from '../websocket/routes/adminAuth';
import { createAdminStores } from '../websocket/adminStores';
import { bootstrapAdmin } from '../websocket/bootstrapAdmin';
import { createAccessGuard, CREATE_ADMIN_HINT } from '../security/accessGuard';
import { createAllowedHosts, type ResolveHost } from '../security/allowedHosts';
import { guardedConnect } from '../security/guardedConnect';
import { datagramFactory } from '../services/datagramSocket';
import { createAuthFailureLimiter } from '../security/authFailureLimiter';
import { createCredentials } from '../security/credentials';
import type { WebSocketComponent } from '../websocket/websocketComponent';
import { validators } from '../validation/validators';
import { createHubTurn, type HubTurn } from './turnStages';

/**
 * The hub's world, injected: every field has the production default, so `{ config }` runs the
 * real hub and a test can run the whole of it on virtual time and an in-memory store.
 */
export interface RuntimeOptions {
  readonly config: HavenConfig;
  /** Default: the `Haven` logger as `config.log` and `HAVEN_LOG_LEVEL` say. */
  readonly log?: Logger;
  /** Timers and the monotonic `now()` of everything time-dependent; default {@link monotonicScheduler}. */
  readonly scheduler?: SchedulerLike;
  /** Wall clock; default the system's ({@link createClock}). */
  readonly clock?: Clock;
  /** The store; default SQLite in `storage.data_dir`. */
  readonly store?: (config: HavenConfig) => Store;
  /** The trigger catalog; default read from `trigger.config_file`. */
  readonly triggers?: (config: HavenConfig) => TriggerCatalog;
  /** The event log; default segment files in `<data_dir>/journal` ({@link openEventLog}), memory only for `:memory:`. */
  readonly eventLog?: (config: HavenConfig, deps: OpenLogDeps) => OpenedLog;
  /** Components to run; default: every component the config enables ({@link createComponents}). */
  readonly components?: (config: HavenConfig, deps: ComponentDeps) => Component[];
  /** Bus to use; default: in-process, or Redis when `bus.redis_url` is set (see createBus). */
  readonly bus?: (config: HavenConfig, log: Logger) => Bus;
  /** The caller's address as the access guard and the failed-authentication limit see it; default the socket's. A test plays a remote caller with it, on loopback. */
  readonly peerAddress?: (req: IncomingMessage) => string | undefined;
  /** Resolves registration hosts for `services.allowed_hosts`; default `dns.lookup`. */
  readonly resolveHost?: ResolveHost;
  /** When each turn's log write, service writes, answers and client writes happen; default: all at its end, in that order ({@link createHubTurn}). */
  readonly turn?: HubTurn;
  /** Where the admin bootstrap token (`websocket.admin_token_env`) is read from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The trigger catalog: triggers by name, and the organization of those that name none. */
export interface TriggerCatalog {
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  readonly defaultOrganization: string;
}

const SOURCE_NAMES: ReadonlySet<string> = new Set(SOURCES);

const sqliteStoreFor = (config: HavenConfig): Store => createSqliteStore(config.storage.data_dir);
const triggerCatalogFor = (config: HavenConfig): TriggerCatalog => loadTriggerConfig(config.trigger.config_file);

/**
 * The composition root: config → scheduler → store → gateway → cache → services → bus →
 * components → HTTP. One object starts and stops everything.
 */
export interface Runtime {
  start(): Promise<void>;
  /** Graceful: components are told first (clients learn when to come back), then everything closes. Re-entrant. */
  stop(): Promise<void>;
  /** Hands one input to the gateway, as a source would (tests fire through it). */
  report(input: TriggerReport): Promise<Decision>;
  /** Highest `seq` stored so far. */
  lastSeq(): number;
  readonly bus: Bus;
  /** The event log every consumer reads. */
  readonly log: EventLog;
  readonly store: Store;
  /** The HTTP listener's address once started (port 0 in config binds a free port). */
  address(): AddressInfo;
  readonly server: Server;
  /** The running components, in start order (tests reach a source's bound port through them). */
  readonly components: readonly Component[];
}

/**
 * Builds the hub from `options`: production defaults for whatever is not given (see
 * {@link RuntimeOptions}). Nothing listens and no input is taken until `start()`, but the
 * components are complete once built (the SSE feed has its sources, the power sockets hold
 * their actors), so a runtime that was built is stopped, started or not.
 */
export function createRuntime({
  config,
  log = createConfiguredLogger(config.log),
  scheduler = monotonicScheduler,
  clock = createClock(),
  store: createStore = sqliteStoreFor,
  triggers: loadTriggers = triggerCatalogFor,
  eventLog: openLog = openEventLog,
  components = createComponents,
  bus: createBusFor = createBus,
  peerAddress = (req) => req.socket.remoteAddress,
  resolveHost,
  turn = createHubTurn(),
  env = process.env,
}: RuntimeOptions): Runtime {
  const { utcNow } = clock;
  // What the hub actually runs on, for an operator at debug level; its secrets are redacted by path (src/log.ts).
  log.debug('configuration', { config });
  const { triggers, defaultOrganization } = loadTriggers(config);
  const store = createStore(config);
  const gating: GatingConfig = {
    ...DEFAULT_GATING,
    minIntervalMs: config.trigger.gating.min_interval_ms,
    minIntervalScope: config.trigger.gating.min_interval_scope,
    cooldownMs: config.trigger.gating.cooldown_ms,
    whitelist: compileWhitelist(config.trigger.gating.whitelist),
    priorities: Object.fromEntries(Object.entries(config.trigger.sources).map(([name, s]) => [name, s.priority])),
  };
  const rules = createGateContext(gating);
  const journalLog = log.child('Journal');
  // The log is the hub's memory: the gateway and the cache start from what it holds, nothing else.
  const opened = openLog(config, {
    rules,
    // A data folder from before the log: its stored cache and seq are where the history starts.
    seed: () => {
      const persisted = loadLegacyState(store, (name) => triggers.has(name));
      return emptyHubMemory(persisted.seq, persisted.cache);
    },
    log: journalLog,
    wallMs: clock.wallMs,
    defer: turn.log,
  });
  const eventLog = opened.log;
  const { recovery } = opened;
  log.info(`event log opened at seq ${eventLog.lastSeq()}`, {
    records_read: recovery.tailRecords,
    from_snapshot: recovery.fromSnapshot,
    ...(recovery.damage ? { cut_bytes: recovery.cutBytes, damage: recovery.damage } : {}),
    ms: recovery.ms,
  });
  const dispatchMark = createDispatchMark(opened.dir, journalLog);
  dispatchMark.reportUnreplayed(eventLog);
  const memory: HubMemory = opened.memory;
  // Off in config: nothing is counted, and the hot streams stay unobserved (answers$ and settled$ build nothing).
  const metrics = config.metrics.enabled ? createHubMetrics({ scheduler }) : undefined;
  const append = (event: TriggerEvent): Promise<void> => eventLog.append(event);
  const storeRecord = metrics ? metrics.timeAppend(append) : append;
  const gateway = createGateway({
    triggers,
    defaultOrganization,
    gating,
    initial: gateSeedOf(memory, scheduler.now(), clock.wallMs()),
    scheduler,
    utcNow,
  });
  const ingress = createIngress({
    gateway,
    scheduler,
    maxPending: config.trigger.gating.max_pending,
    isSourceEnabled: (source) => config.trigger.sources[source]?.enabled !== false,
    commit: ({ event }) => storeRecord(event),
    notStored: createUnstoredAnswer({ gateway, memory, rules, now: () => scheduler.now(), wallMs: () => clock.wallMs() }),
  });
  // Every consumer reads what the log committed, each on its own subscription.
  const committed$ = eventLog.committed$;

  const bus = createBusFor(config, log);
  // Admins are the WebSocket directory's, kept in the store, so the guard holds with the WebSocket transport off too.
  const adminStores = createAdminStores(store, utcNow);
  const allowTarget = createAllowedHosts({ entries: config.services.allowed_hosts, resolve: resolveHost });
  const services = createServiceDispatcher({
    store,
    log: log.child('Services'),
    scheduler,
    utcNow,
    dataDir: config.storage.data_dir,
    config: serviceConfigFrom(config.services),
    allowTarget,
    // Checked again where the socket resolves its host: a name may answer otherwise than at registration.
    connect: guardedConnect(allowTarget),
    // OSC_UDP resolves once per (re)open and sends only to an address the same check passed.
    openDatagram: datagramFactory(allowTarget),
    defer: turn.dispatch,
  });
  const { security } = config;
  const credentials = createCredentials(store, utcNow);
  const authFailures = createAuthFailureLimiter({ max: security.auth_failures.max, windowMs: security.auth_failures.window_ms }, scheduler);

  const report = (input: TriggerReport): Promise<Decision> => ingress.report(input);
  // The log folds the cache into its memory before anyone reads a record: one fold, not a second copy per event.
  const cache = (): CacheState => memory.cache;
  const lastSeq = (): number => eventLog.lastSeq();
  // What the components draw their dependencies from; each is handed only the few it reads.
  const deps: ComponentDeps = {
    triggers,
    report,
    delivery: (seq, boundMs) => services.delivery(seq, boundMs),
    committed$,
    answers$: ingress.answers$,
    refused: ingress.refused,
    settled$: services.settled$,
    services: () => services.list(),
    serviceStatus$: services.status$,
    cache,
    lastSeq,
    replay: eventLog.after,
    bus,
    store,
    admins: adminStores,
    scheduler,
    clock,
    log,
    authFailures,
    credentials,
    clientsStage: turn.clients,
  };

  const parts = components(config, deps);
  const subscriptions: Subscription[] = [];
  const server = createServer();
  let started = false;
  let stopping: Promise<void> | undefined;

  const health = (): ComponentHealth[] => [
    { name: 'gateway', state: 'ok', detail: `seq ${gateway.currentSeq()}, ${ingress.pending()} pending` },
    journalHealth(eventLog),
    services.health(),
    ...parts.map((p) => p.health()),
  ];

  return {
    report,
    lastSeq,
    bus,
    store,
    log: eventLog,
    server,
    components: parts,
    address: () => server.address() as AddressInfo,
    async start() {
      if (started) return;
      started = true;
      const consume = consumerOf(log);
      subscriptions.push(
        consume('services', committed$, (event) => event.kind === 'event' && services.dispatch(event)),
        consume('bus', committed$, (event) => bus.publish('events', event)),
        services.status$.subscribe((change) => bus.publish<ServiceStatusChange>('services', { ...change, timestamp: utcNow() })),
      );
      // Before the services restore and the sources start, so the first connection and the first input are counted.
      if (metrics)
        subscriptions.push(
          metrics.watch({
            answers$: ingress.answers$,
            refused$: ingress.refused$,
            settled$: services.settled$,
            serviceStatus$: services.status$,
            lastSeq,
            services: () => services.list(),
            mailboxDepths: () => services.mailboxDepths(),
            unsettledEvents: () => services.unsettledEvents(),
            components: () => parts,
          }),
        );
      await services.restore();
      dispatchMark.start(() => services.settledThrough());
      // Before any component: a panel may sign in with it at once, and the management routes need it with the WebSocket transport off too.
      bootstrapAdmin(adminStores, env, config.websocket.admin_token_env, log);
      for (const part of parts) {
        await part.start();
        part.attach?.(server);
        log.info(`${part.name} started`);
      }
      const apiLog = log.child('API');
      const part = <C extends Component>(name: string) => parts.find((p) => p.name === name) as C | undefined;
      const { directory, tokens } = adminStores;
      const statusRouter = createStatusRouter(
        {
          triggers,
          cache,
          lastSeq,
          services: () => services.list(),
          sources: () => health().filter((h) => SOURCE_NAMES.has(h.name)),
          clients: () => ({ websocket: part<WebSocketComponent>('websocket')?.stats() ?? null, sse: part<SseComponent>('sse')?.openStreams() ?? null }),
          journal: () => eventLog.stats(),
          wallMs: clock.wallMs,
        },
        requireAdmin((token) => {
          const record = tokens.verify(token);
          return record ? directory.client(record.clientId) : undefined;
        }),
      );
      const triggerDeps = { report, services, responseBoundMs: config.services.response_bound_ms };
      const app = createApp({
        log: apiLog,
        refused: ingress.refused,
        guard: createAccessGuard({
          credentials,
          failures: authFailures,
          protectedMode: security.protected_mode,
          deviceKeys: new Set(security.device_keys),
          peerAddress,
        }),
        routers: [
          createHealthRouter(health),
          createDashboardRouter(),
          ...(metrics ? [createMetricsRouter(metrics, config.metrics.path)] : []),
          createRegistrationRouter(services),
          createTriggerRouter({ ...triggerDeps, cache }),
          statusRouter,
          ...parts.flatMap((p) => p.routers?.() ?? []),
        ],
      });
      // The busiest route skips Koa; it answers exactly as the Koa route would (see triggerFastPath).
      const koa = app.callback();
      const fastPath = createTriggerFastPath({
        answer: createTriggerAnswer('event', triggerDeps),
        validate: validators.triggerInput,
        fallback: koa,
        log: apiLog,
        refused: (reason) => ingress.refused('HTTP', reason),
        endOfTurn: turn.answer,
      });
      // A device key on HTTP is checked by the access guard, in Koa: the fast path then steps aside.
      server.on('request', security.device_keys.includes('HTTP') ? koa : fastPath);
      const { host, port } = config.comm.http;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address() as AddressInfo;
      log.info(`HTTP API listening on http://${addr.address}:${addr.port}`, { triggers: triggers.size, seq: gateway.currentSeq() });
      // After the components: the bootstrap admin token (HAVEN_ADMIN_TOKEN) is stored by then.
      if (credentials.adminConfigured()) log.info('management routes need an admin key or token from every address');
      else if (security.protected_mode)
        log.warn(
          `protected mode: no admin key or token exists, so management routes answer loopback callers only; to manage the hub from elsewhere, ${CREATE_ADMIN_HINT}`,
        );
      else log.warn('protected mode is off and no admin key or token exists: anyone who reaches the API can manage the hub');
    },
    stop() {
      stopping ??= (async () => {
        const { reconnect_after_ms, grace_ms } = config.shutdown;
        for (const part of parts)
          await part.notifyShutdown?.(reconnect_after_ms).catch((err) => log.warn(`${part.name} shutdown notice failed`, { error: String(err) }));
        // Told, so nothing new is taken in: keep-alive HTTP connections would otherwise go on storing
        // events after the WebSocket clients were sent their last one and closed.
        ingress.refuseNew();
        const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
        server.closeIdleConnections();
        // On the injected scheduler, like every other timer of the hub: a virtual-time test runs the grace too.
        const timer = scheduler.schedule(() => server.closeAllConnections(), grace_ms);
        for (const part of [...parts].reverse()) await part.stop().catch((err) => log.warn(`${part.name} stop failed`, { error: String(err) }));
        await closed;
        timer.unsubscribe();
        await services.stop();
        dispatchMark.stop();
        ingress.close();
        await eventLog.close();
        subscriptions.forEach((s) => s.unsubscribe());
        await bus.close();
        store.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Subscribes one consumer of the committed stream with its own error isolation: a consumer that
 * throws is logged and goes on with the next record, and no other consumer notices.
 */
function consumerOf(log: Logger) {
  return <T>(name: string, source$: Observable<T>, handle: (value: T) => unknown): Subscription =>
    source$.subscribe((value) => {
      try {
        handle(value);
      } catch (err) {
        log.error(`${name} failed on a committed record`, { error: err instanceof Error ? err.message : String(err) });
      }
    });
}

function journalHealth(eventLog: EventLog): ComponentHealth {
  const s = eventLog.stats();
  const detail = `${s.segments} segments, ${s.bytes} bytes, seq ${s.oldestSeq}..${s.newestSeq}, fsync ${s.fsync}`;
  // A log that cannot write accepts nothing: not ready, so a balancer or an operator sees it.
  if (s.failing) return { name: 'journal', state: 'failed', detail: `writes failing (${s.failing}); ${detail}` };
  return { name: 'journal', state: 'ok', detail };
}
