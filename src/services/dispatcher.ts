import { Subject, type Observable, type SchedulerLike } from 'rxjs';
import { createBroadcast } from '../../streams/broadcast';
import type { TriggerEvent } from '../../streams/contracts';
import type { ComponentHealth } from '../hub';
import type { Logger } from '../log';
import type { Store } from '../storage/store';
import { createDelivery, type DeliveryOutcome, type SettledResult } from './delivery';
import { DeliveryLedger, type LedgerEntry, type DeliveryTarget } from './deliveryLedger';
import { importLegacyRegistrations } from './legacyRegistrations';
import type { Registration } from './registration';
import { normalizeRegistration, type RegistrationInput } from './registrationInput';
import type { DatagramFactory } from './datagramSocket';
import { defaultSocketFactory, type ServiceActor, type SocketFactory } from './actorContracts';
import { createServiceActor } from './serviceActor';
import { resolveServiceConfig, type ServiceConfig } from './serviceConfig';
import type { StatusChange } from './serviceStatus';
import { describe, registrationView, servicesHealth, socketStatus, type RegistrationView, type SocketStatus } from './serviceViews';
import { createWireLines, fieldsKey } from './wireLine';
import { createOscEncoder, type OscEncoder } from './oscEncoder';
import { isOsc } from './registration';
import type { EndOfTurn } from '../runtime/turnStages';

/** The protocols whose actor holds a connection or a connected socket once started (TCP_CONNECT connects per event). */
const HELD: ReadonlySet<string> = new Set(['TCP_SOCKET', 'OSC_TCP', 'OSC_UDP']);

/**
 * How much longer than max age + connect timeout an event may stay unsettled before the dispatcher
 * gives up on it. The actors' own bounds come first (a TCP_SOCKET write still in flight at max age
 * + connect timeout drops its connection); this one only backs them up, so that nothing a service
 * does can hold the dispatch mark, or the list behind it, forever.
 */
const GIVE_UP_MARGIN_MS = 1000;
/** The fewest entries `open` reaches before `dispatch` sweeps it. */
const SWEEP_MIN = 1024;

/** The store collection registrations live in, keyed by service name. */
export const REGISTRATIONS = 'registrations';

/** One delivery settled by one service: what the metrics and the dashboard count. */
export interface Settlement {
  readonly service: string;
  readonly protocol: Registration['protocol'];
  readonly result: SettledResult;
  /** Scheduler ms from dispatch to the settle. */
  readonly waitedMs: number;
}

/** What the dispatcher is built with, from the composition root. */
export interface ServiceDispatcherDeps {
  readonly store: Store;
  readonly log: Logger;
  /** Every timer and every `now()` of the actors (monotonic in production, controlled in tests). */
  readonly scheduler: SchedulerLike;
  /** Missing fields take `SERVICE_DEFAULTS` (serviceConfig.ts). */
  readonly config?: Partial<ServiceConfig>;
  /** UTC ISO 8601 now, for `registered_at`. */
  readonly utcNow: () => string;
  /** Opens TCP connections; default `net.connect`. */
  readonly connect?: SocketFactory;
  /** Opens OSC_UDP's datagram sockets; default: to the first address of the host, unchecked. */
  readonly openDatagram?: DatagramFactory;
  /** Where a seed-era `service_registrations.json` may wait to be imported (`restore`). */
  readonly dataDir?: string;
  /** May a registration point at this host (`services.allowed_hosts`)? Absent: anywhere. */
  readonly allowTarget?: (host: string) => Promise<{ readonly ok: true } | { readonly ok: false; readonly error: string }>;
  /** When the actors write what a turn handed them (default: its end, `setImmediate`). */
  readonly defer?: EndOfTurn;
}

export type { RegistrationView, SocketStatus } from './serviceViews';
export type { DeliveryOutcome, DeliveryResult } from './delivery';
export type { ServiceStatus, StatusChange } from './serviceStatus';
export type { ServiceConfig } from './serviceConfig';

/** What `register` answers: the registration with its `socket_status`, or the status and error body to answer. */
export type RegisterResult =
  | { readonly ok: true; readonly registration: Registration & { readonly socket_status: SocketStatus } }
  | { readonly ok: false; readonly status: 400 | 403 | 500; readonly error: string };

/** What `restore` found and started. */
export interface RestoreSummary {
  /** From the store. */
  readonly restored: number;
  /** From `<dataDir>/service_registrations.json`. */
  readonly imported: number;
  /** Services holding a connection (TCP_SOCKET, OSC_TCP) or a connected socket (OSC_UDP) when restore returned; the others keep retrying. */
  readonly connected: number;
}

/** The services side of the hub: registrations, their actors, and the fan-out of every event to them. */
export interface ServiceDispatcher {
  /** `POST /api/register`: replaces a registration of the same name; persisted only on success. */
  register(input: RegistrationInput): Promise<RegisterResult>;
  /** `DELETE /api/register/:name`: false when no such service. */
  unregister(name: string): Promise<boolean>;
  /** `GET /api/registrations` items. */
  list(): RegistrationView[];
  /** Deliveries waiting at each registered service, for a metrics scrape. */
  mailboxDepths(): Array<{ readonly service: string; readonly depth: number }>;
  /** Hands an accepted event to every service at once; never waits for any of them. */
  dispatch(event: TriggerEvent): void;
  /** The outcomes of event `seq` (one per service), by `boundMs` at the latest (`queued` if still open). */
  delivery(seq: number, boundMs: number): Promise<DeliveryOutcome[]>;
  /**
   * The highest seq through which every dispatched event has settled with every service (written,
   * dropped or failed): what a crash cannot leave half delivered. Events after it may not have
   * reached a service yet. An event still unsettled past its services' largest max age + connect
   * timeout + a margin is given up: settled `expired` where it was still open, as the outbox would
   * have dropped it, so a service that never answers cannot hold the mark back.
   */
  settledThrough(): number;
  /** Dispatched events held for `settledThrough` (unsettled ones, and settled ones until the next sweep): bounded whatever a service does. */
  openEvents(): number;
  /** Dispatched events some service has not settled yet (a write in flight or waiting): what a peer that stops reading holds up. */
  unsettledEvents(): number;
  /** Startup: registrations from the store and the seed's file; every actor started, none fatal. */
  restore(): Promise<RestoreSummary>;
  health(): ComponentHealth;
  /** Every status transition of a registered service. Completes on `stop`. */
  readonly status$: Observable<ServiceStatusChangeOf>;
  /** Every delivery as its service settles it. Hot; completes on `stop`. */
  readonly settled$: Observable<Settlement>;
  /** Closes every connection cleanly. Re-entrant. */
  stop(): Promise<void>;
}

interface Slot {
  readonly actor: ServiceActor;
  readonly key: string;
  /** OSC targets: their own bytes per event, instead of the shared JSON line. */
  readonly encode?: OscEncoder;
}

/** A status transition with the protocol of the service it belongs to. */
export type ServiceStatusChangeOf = StatusChange & { readonly protocol: Registration['protocol'] };

/**
 * How one actor's status transitions reach `status$`: held while it is a candidate in `register`,
 * passed on while it is registered, dropped once retired.
 */
type StatusRelay = { mode: 'hold' | 'live' | 'mute'; held: ServiceStatusChangeOf[] };

/**
 * Builds the dispatcher. Nothing connects until `restore` or `register` is called.
 *
 * Every event is encoded once per distinct field set ({@link createWireLines}) and handed to each
 * actor's mailbox synchronously; the actors write without blocking, so one dead or slow service
 * never delays another, and `delivery` answers by its bound whatever the services do.
 */
export function createServiceDispatcher(deps: ServiceDispatcherDeps): ServiceDispatcher {
  const { store, log, scheduler, utcNow } = deps;
  const config = resolveServiceConfig(deps.config);
  const connect = deps.connect ?? defaultSocketFactory;
  const collection = () => store.collection<Registration>(REGISTRATIONS);
  const ledger = new DeliveryLedger(config.deliveryHistory, scheduler);
  const status$ = new Subject<ServiceStatusChangeOf>();
  // Once per event per service: a broadcast, not a Subject (see streams/broadcast).
  const settled = createBroadcast<Settlement>();
  const actors = new Map<string, ServiceActor>();
  const relays = new WeakMap<ServiceActor, StatusRelay>();
  /** Actors still proving themselves in `register`, so `stop` can close them too. */
  const candidates = new Set<ServiceActor>();
  const serials = new Map<string, Promise<unknown>>();
  /**
   * Dispatched events some service has not settled yet, oldest first, and when each was dispatched;
   * settled ones are only let go of at the next sweep.
   */
  const open: LedgerEntry[] = [];
  const openAt: number[] = [];
  let sweepAt = SWEEP_MIN;
  /** How long an event may stay open before it is given up: the largest max age of the services, plus grace. */
  let giveUpAfterMs = 0;
  let lastDispatched = 0;
  let slots: Slot[] = [];
  let targets: DeliveryTarget[] = [];
  let phase: 'new' | 'restoring' | 'running' | 'stopped' = 'new';
  let restoring: Promise<RestoreSummary> | undefined;
  let stopping: Promise<void> | undefined;
  // A function, not a comparison: the phase changes across awaits.
  const stopped = (): boolean => phase === 'stopped';

  function spawn(registration: Registration, mode: StatusRelay['mode']): ServiceActor {
    const relay: StatusRelay = { mode, held: [] };
    const actor = createServiceActor(registration, {
      scheduler,
      log: log.child(`Service ${registration.name}`),
      connect,
      openDatagram: deps.openDatagram,
      config,
      defer: deps.defer,
      onStatus: (transition) => {
        const change = { ...transition, protocol: registration.protocol };
        if (relay.mode === 'live') status$.next(change);
        else if (relay.mode === 'hold') relay.held.push(change);
      },
    });
    relays.set(actor, relay);
    return actor;
  }

  function relayStatus(actor: ServiceActor, mode: StatusRelay['mode']): void {
    const relay = relays.get(actor);
    if (!relay) return;
    relay.mode = mode;
    const held = relay.held;
    relay.held = [];
    if (mode === 'live') for (const change of held) status$.next(change);
  }

  /** The fan-out list, rebuilt only when registrations change (dispatch reads it as is). */
  function rebuild(): void {
    slots = [...actors.values()].map((actor) => ({
      actor,
      key: fieldsKey(actor.registration.fields),
      encode: isOsc(actor.registration) ? createOscEncoder(actor.registration) : undefined,
    }));
    targets = slots.map(({ actor }) => ({ service: actor.registration.name, protocol: actor.registration.protocol }));
    const maxAge = Math.max(0, ...slots.map(({ actor }) => actor.registration.max_age_ms ?? config.maxAgeMs));
    giveUpAfterMs = maxAge + config.connectTimeoutMs + GIVE_UP_MARGIN_MS;
  }

  /** Runs registry changes of one name one after the other. */
  function serial<T>(name: string, work: () => Promise<T>): Promise<T> {
    const run = (serials.get(name) ?? Promise.resolve()).then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    serials.set(name, settled);
    void settled.then(() => serials.get(name) === settled && serials.delete(name));
    return run;
  }

  async function register(input: RegistrationInput): Promise<RegisterResult> {
    const normalized = normalizeRegistration({ ...input, registered_at: undefined }, utcNow());
    if (!normalized.ok) return { ok: false, status: 400, error: normalized.error };
    const registration = normalized.registration;
    // Before any connection: a registration must not make the hub open sockets where it may not.
    const verdict = deps.allowTarget ? await deps.allowTarget(registration.host) : undefined;
    if (verdict && !verdict.ok) {
      log.warn(`registration of ${registration.name} refused: ${verdict.error}`);
      return { ok: false, status: 403, error: verdict.error };
    }
    return serial(registration.name, async () => {
      if (phase === 'stopped') return { ok: false, status: 500, error: 'Service dispatcher is stopped' } as const;
      const actor = spawn(registration, 'hold');
      candidates.add(actor);
      const ok = await actor.start();
      candidates.delete(actor);
      if (!ok || stopped()) {
        relayStatus(actor, 'mute');
        await actor.stop();
        if (stopped()) return { ok: false, status: 500, error: 'Service dispatcher is stopped' } as const;
        const { host, port } = registration;
        log.warn(`registration of ${registration.name} failed: no connection to ${host}:${port}`);
        return { ok: false, status: 500, error: `Failed to establish socket connection to ${host}:${port}` } as const;
      }
      const previous = actors.get(registration.name);
      collection().put(registration.name, registration);
      actors.set(registration.name, actor);
      rebuild();
      relayStatus(actor, 'live');
      log.info(`registered ${describe(registration)}${previous ? ' (replaces the previous registration)' : ''}`);
      if (previous) {
        relayStatus(previous, 'mute');
        await previous.stop();
      }
      return { ok: true, registration: { ...registration, socket_status: socketStatus(actor) } } as const;
    });
  }

  function unregister(name: string): Promise<boolean> {
    return serial(name, async () => {
      const actor = actors.get(name);
      const stored = collection().delete(name);
      if (actor) {
        actors.delete(name);
        rebuild();
        await actor.stop();
      }
      if (actor || stored) log.info(`unregistered ${name}`);
      return Boolean(actor) || stored;
    });
  }

  function dispatch(event: TriggerEvent): void {
    if (phase === 'stopped') return;
    const fanout = slots;
    lastDispatched = event.seq;
    if (fanout.length === 0) return ledger.openNowhere(event.seq);
    // One clock read per event: every service's max age counts from the same moment.
    const now = scheduler.now();
    const entry = ledger.open(event.seq, targets);
    open.push(entry);
    openAt.push(now);
    if (open.length >= sweepAt) sweep(now);
    const lines = createWireLines(event);
    const watched = settled.observed;
    for (let i = 0; i < fanout.length; i++) {
      const index = i;
      const target = targets[i];
      const { encode } = fanout[i];
      const osc = encode?.(event);
      const delivery = createDelivery(osc?.ok ? osc.bytes : lines.get(fanout[i].key), now, (result, detail) => {
        // Already settled when the dispatcher gave the event up: that verdict was the one counted.
        if (!ledger.settle(entry, index, result, detail)) return;
        // Only built when someone counts: the settle runs once per event per service.
        if (watched) settled.next({ service: target.service, protocol: target.protocol, result, waitedMs: scheduler.now() - now });
      });
      // An event whose value does not fit the OSC target's types is never sent: it fails, saying why.
      if (osc && !osc.ok) delivery.settle('failed', osc.error);
      else fanout[i].actor.deliver(delivery);
    }
  }

  /**
   * Lets go of the entries `open` need not hold: settled ones wherever they are (an oldest one that
   * never settles must not pin every later one), and, given up first, those open past `giveUpAfterMs`.
   * Sweeping once `open` doubled keeps it linear in the events dispatched.
   */
  function sweep(now: number): void {
    let kept = 0;
    let gaveUp: { first: number; last: number; count: number; services: Set<string> } | undefined;
    for (let i = 0; i < open.length; i++) {
      const entry = open[i];
      const waitedMs = now - openAt[i];
      if (entry.pending > 0 && waitedMs > giveUpAfterMs) {
        gaveUp ??= { first: entry.seq, last: entry.seq, count: 0, services: new Set() };
        gaveUp.last = entry.seq;
        gaveUp.count++;
        giveUp(entry, waitedMs, gaveUp.services);
      }
      if (entry.pending === 0) continue;
      open[kept] = entry;
      openAt[kept++] = openAt[i];
    }
    open.length = kept;
    openAt.length = kept;
    sweepAt = Math.max(SWEEP_MIN, 2 * kept);
    if (gaveUp) {
      const { first, last, count, services } = gaveUp;
      const seqs = first === last ? `seq ${first}` : `seqs ${first}–${last}`;
      log.warn(
        `gave up on ${count} event${count === 1 ? '' : 's'} (${seqs}) still unsettled by ${[...services].join(', ')} after ${giveUpAfterMs} ms; counted as expired`,
      );
    }
  }

  /** Settles `entry` as expired with every service that has not answered, and counts that once. */
  function giveUp(entry: LedgerEntry, waitedMs: number, services: Set<string>): void {
    const targets = entry.targets ?? [];
    const detail = `given up: not settled within ${giveUpAfterMs} ms of dispatch`;
    for (let i = 0; i < targets.length; i++) {
      if (!ledger.settle(entry, i, 'expired', detail)) continue;
      const { service, protocol } = targets[i];
      services.add(service);
      if (settled.observed) settled.next({ service, protocol, result: 'expired', waitedMs });
    }
  }

  function restore(): Promise<RestoreSummary> {
    restoring ??= (async () => {
      if (phase === 'new') phase = 'restoring';
      try {
        return await restoreAll();
      } finally {
        if (phase === 'restoring') phase = 'running';
      }
    })();
    return restoring;
  }

  async function restoreAll(): Promise<RestoreSummary> {
    const stored: Registration[] = [];
    for (const [id, doc] of collection().entries()) {
      const result = normalizeRegistration(doc, utcNow());
      if (result.ok) stored.push(result.registration);
      else log.warn(`stored registration '${id}' is not usable: ${result.error}`);
    }
    const names = new Set(stored.map((r) => r.name));
    const imported =
      deps.dataDir && deps.dataDir !== ':memory:'
        ? await importLegacyRegistrations(deps.dataDir, {
            isKnown: (name) => names.has(name) || actors.has(name),
            persist: (found) => store.transaction(() => found.forEach((r) => collection().put(r.name, r))),
            utcNow,
            log,
          })
        : [];
    const started: ServiceActor[] = [];
    const restoring = [...stored, ...imported];
    // Every host looked up at once: in turn, start-up would wait one DNS answer per registration.
    const verdicts = await Promise.all(restoring.map((r) => deps.allowTarget?.(r.host)));
    for (const [i, registration] of restoring.entries()) {
      if (actors.has(registration.name) || stopped()) continue; // registered meanwhile: that one wins
      const verdict = verdicts[i];
      if (verdict && !verdict.ok) {
        // Kept in the store: allowing its host in the config brings it back at the next start.
        log.warn(`stored registration '${registration.name}' not started: ${verdict.error}`);
        continue;
      }
      const actor = spawn(registration, 'live');
      actors.set(registration.name, actor);
      started.push(actor);
    }
    rebuild();
    const results = await Promise.all(
      started.map(async (actor) => {
        const ok = await actor.start();
        const line = `${describe(actor.registration)}: ${actor.status()}`;
        if (ok) log.info(`restored ${line}`);
        else log.warn(`restored ${line} (${actor.detail() ?? 'unreachable'}); it keeps retrying`);
        return ok && HELD.has(actor.registration.protocol);
      }),
    );
    return { restored: stored.length, imported: imported.length, connected: results.filter(Boolean).length };
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      phase = 'stopped';
      const all = [...actors.values(), ...candidates];
      actors.clear();
      rebuild();
      await Promise.all(all.map((actor) => actor.stop()));
      status$.complete();
      settled.complete();
      log.info('all services closed');
    })();
    return stopping;
  }

  return {
    register,
    unregister,
    list: () => [...actors.values()].map(registrationView),
    mailboxDepths: () => [...actors.values()].map((actor) => ({ service: actor.registration.name, depth: actor.mailboxDepth() })),
    dispatch,
    delivery: (seq, boundMs) => ledger.wait(seq, boundMs),
    settledThrough() {
      sweep(scheduler.now());
      return open.length > 0 ? open[0].seq - 1 : lastDispatched;
    },
    openEvents: () => open.length,
    unsettledEvents() {
      let count = 0;
      for (const entry of open) if (entry.pending > 0) count++;
      return count;
    },
    restore,
    health: () => servicesHealth([...actors.values()], phase),
    status$: status$.asObservable(),
    settled$: settled.stream$,
    stop,
  };
}
