import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, map, share, type SchedulerLike, type Subscription } from 'rxjs';
import type { CacheState, Decision, TriggerDef, TriggerEvent } from '../../streams/contracts';
import { createCache$ } from '../../streams/cache';
import { createGateway } from '../../streams/gateway';
import { createApp } from '../api/createApp';
import { createHealthRouter } from '../api/routes/health';
import { createRegistrationRouter } from '../api/routes/registrations';
import { createTriggerRouter } from '../api/routes/triggers';
import triggerInputSchema from '../api/schemas/triggerInput.schema.json';
import { createTriggerAnswer } from '../api/triggerAnswer';
import { createTriggerFastPath } from '../api/triggerFastPath';
import { validatorFor } from '../api/validate';
import type { Bus } from '../bus/bus';
import type { ServiceStatusChange } from '../bus/bus';
import { createBus } from '../bus/createBus';
import { compileWhitelist } from '../config/compileWhitelist';
import type { HavenConfig } from '../config/havenConfig';
import { loadTriggerConfig } from '../config/loadConfig';
import type { Component, ComponentHealth, TriggerReport } from '../hub';
import { createLogger, type Logger } from '../log';
import { createServiceDispatcher } from '../services/dispatcher';
import { serviceConfigFrom } from '../services/serviceConfig';
import { createSqliteStore } from '../storage/sqliteStore';
import type { Store } from '../storage/store';
import { createClock, type Clock } from './clock';
import { createComponents, type ComponentDeps } from './components';
import { createMemoryJournal, type EventJournal } from './eventJournal';
import { createIngress } from './ingress';
import { monotonicScheduler } from './monotonicScheduler';
import { createStatePersistence, loadPersistedState } from './statePersistence';

/**
 * The hub's world, injected: every field has the production default, so `{ config }` runs the
 * real hub and a test can run the whole of it on virtual time and an in-memory store.
 */
export interface RuntimeOptions {
  readonly config: HavenConfig;
  /** Default: the `Haven` logger at info. */
  readonly log?: Logger;
  /** Timers and the monotonic `now()` of everything time-dependent; default {@link monotonicScheduler}. */
  readonly scheduler?: SchedulerLike;
  /** Wall clock; default the system's ({@link createClock}). */
  readonly clock?: Clock;
  /** The store; default SQLite in `storage.data_dir`. */
  readonly store?: (config: HavenConfig) => Store;
  /** The trigger catalog; default read from `trigger.config_file`. */
  readonly triggers?: (config: HavenConfig) => TriggerCatalog;
  /** The journal of accepted events; default {@link createMemoryJournal}. */
  readonly journal?: (config: HavenConfig, lastSeq: number) => EventJournal;
  /** Components to run; default: every component the config enables ({@link createComponents}). */
  readonly components?: (config: HavenConfig, deps: ComponentDeps) => Component[];
  /** Bus to use; default: in-process, or Redis when `bus.redis_url` is set (see createBus). */
  readonly bus?: (config: HavenConfig, log: Logger) => Bus;
}

/** The trigger catalog: triggers by name, and the organization of those that name none. */
export interface TriggerCatalog {
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  readonly defaultOrganization: string;
}

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
  /** Highest `seq` accepted so far. */
  lastSeq(): number;
  readonly bus: Bus;
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
 * components are complete once built (the SSE streams already watch the bus, the power sockets
 * hold their actors), so a runtime that was built is stopped, started or not.
 */
export function createRuntime({
  config,
  log = createLogger('Haven'),
  scheduler = monotonicScheduler,
  clock = createClock(),
  store: createStore = sqliteStoreFor,
  triggers: loadTriggers = triggerCatalogFor,
  journal: createEventJournal = createMemoryJournal,
  components = createComponents,
  bus: createBusFor = createBus,
}: RuntimeOptions): Runtime {
  const { utcNow } = clock;
  const { triggers, defaultOrganization } = loadTriggers(config);
  const store = createStore(config);
  const persisted = loadPersistedState(store, (name) => triggers.has(name));
  const seed = persisted.cache;
  const persistedSeq = persisted.seq;
  const persistence = createStatePersistence(store);
  const lastIds = new Map<string, number>();
  for (const [name, e] of Object.entries(seed)) if (e.id !== null) lastIds.set(name, e.id);

  const priorities = Object.fromEntries(Object.entries(config.trigger.sources).map(([name, s]) => [name, s.priority]));
  const gateway = createGateway({
    triggers,
    defaultOrganization,
    gating: {
      minIntervalMs: config.trigger.gating.min_interval_ms,
      minIntervalScope: config.trigger.gating.min_interval_scope,
      cooldownMs: config.trigger.gating.cooldown_ms,
      whitelist: compileWhitelist(config.trigger.gating.whitelist),
      priorities,
    },
    initial: { seq: persistedSeq, lastIds },
    scheduler,
    utcNow,
  });
  const ingress = createIngress({
    gateway,
    scheduler,
    maxPending: config.trigger.gating.max_pending,
    isSourceEnabled: (source) => config.trigger.sources[source]?.enabled !== false,
  });
  const accepted$ = ingress.decisions$.pipe(
    filter((d) => d.accepted),
    map((d) => (d as { event: TriggerEvent }).event),
    share(),
  );
  const state$ = createCache$(accepted$, seed as CacheState);
  let current: CacheState = seed;
  // One journal for every transport that resumes clients (WebSocket, SSE).
  const journal = createEventJournal(config, persistedSeq);

  const bus = createBusFor(config, log);
  const services = createServiceDispatcher({
    store,
    log: log.child('Services'),
    scheduler,
    utcNow,
    dataDir: config.storage.data_dir,
    config: serviceConfigFrom(config.services),
  });

  const report = (input: TriggerReport): Promise<Decision> => ingress.report(input);
  const cache = (): CacheState => current;
  const lastSeq = (): number => gateway.currentSeq();
  // What the components draw their dependencies from; each is handed only the few it reads.
  const deps: ComponentDeps = {
    triggers,
    report,
    delivery: (seq, boundMs) => services.delivery(seq, boundMs),
    accepted$,
    cache,
    lastSeq,
    replay: journal.after,
    bus,
    store,
    scheduler,
    clock,
    log,
  };

  const parts = components(config, deps);
  const subscriptions: Subscription[] = [];
  const server = createServer();
  let started = false;
  let stopping: Promise<void> | undefined;

  const health = (): ComponentHealth[] => [
    { name: 'gateway', state: 'ok', detail: `seq ${gateway.currentSeq()}, ${ingress.pending()} pending` },
    services.health(),
    ...parts.map((p) => p.health()),
  ];

  return {
    report,
    lastSeq,
    bus,
    store,
    server,
    components: parts,
    address: () => server.address() as AddressInfo,
    async start() {
      if (started) return;
      started = true;
      subscriptions.push(
        state$.subscribe((s) => (current = s)),
        accepted$.subscribe((event) => {
          journal.append(event);
          persistence.record(event, current);
          if (event.kind === 'event') services.dispatch(event);
          bus.publish('events', event);
        }),
        services.status$.subscribe((change) => bus.publish<ServiceStatusChange>('services', { ...change, timestamp: utcNow() })),
      );
      await services.restore();
      for (const part of parts) {
        await part.start();
        part.attach?.(server);
        log.info(`${part.name} started`);
      }
      const apiLog = log.child('API');
      const triggerDeps = { report, services, responseBoundMs: config.services.response_bound_ms };
      const app = createApp({
        log: apiLog,
        routers: [
          createHealthRouter(health),
          createRegistrationRouter(services),
          createTriggerRouter({ ...triggerDeps, cache }),
          ...parts.flatMap((p) => p.routers?.() ?? []),
        ],
      });
      // The busiest route skips Koa; it answers exactly as the Koa route would (see triggerFastPath).
      const fastPath = createTriggerFastPath({
        answer: createTriggerAnswer('event', triggerDeps),
        validate: validatorFor(triggerInputSchema),
        fallback: app.callback(),
        log: apiLog,
      });
      server.on('request', fastPath);
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
    },
    stop() {
      stopping ??= (async () => {
        const { reconnect_after_ms, grace_ms } = config.shutdown;
        for (const part of parts)
          await part.notifyShutdown?.(reconnect_after_ms).catch((err) => log.warn(`${part.name} shutdown notice failed`, { error: String(err) }));
        const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), grace_ms);
        for (const part of [...parts].reverse()) await part.stop().catch((err) => log.warn(`${part.name} stop failed`, { error: String(err) }));
        await closed;
        clearTimeout(timer);
        await services.stop();
        ingress.close();
        subscriptions.forEach((s) => s.unsubscribe());
        persistence.flush();
        await bus.close();
        store.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
