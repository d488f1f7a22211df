import { filter, Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { CacheState, Decision, Rejected, TriggerDef, TriggerEvent } from '../../streams/contracts';
import { eventRate } from '../../streams/dashboard/eventRate';
import { serviceRows, type ServiceListing } from '../../streams/dashboard/serviceRows';
import { serviceTallies, type ServiceTallies, type ServiceTransition, type SettledDelivery } from '../../streams/dashboard/serviceTally';
import { canSee, type Visibility } from '../../streams/websocket/clientFilter';
import type { ComponentHealth } from '../hub';
import type { ClientConnection } from './clientConnection';
import type { FanOut } from './fanOut';
import { encodeMessage, textFrame } from './protocol';

/** A power socket as the dashboard shows it (the seed's serverData: at least its name). */
export interface SocketView {
  readonly socket: string;
}

/** What the dashboard reads from the rest of the hub: the runtime's streams and the components' views. */
export interface DashboardSources {
  readonly answers$: Observable<Decision>;
  readonly settled$: Observable<SettledDelivery>;
  readonly serviceStatus$: Observable<ServiceTransition>;
  readonly committed$: Observable<TriggerEvent>;
  readonly services: () => readonly ServiceListing[];
  /** The sources' health (WEB, TCP, MODBUS, OSC, MQTT), as `/readyz` lists them. */
  readonly sources: () => readonly ComponentHealth[];
  /** Every power socket's serverData; empty without the power component. */
  readonly power: () => readonly SocketView[];
}

export interface DashboardFeedDeps extends DashboardSources {
  readonly fanOut: FanOut;
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  readonly cache: () => CacheState;
  readonly lastSeq: () => number;
  readonly scheduler: SchedulerLike;
  readonly utcNow: () => string;
}

/** The dashboard side of the WebSocket: who asked for it, and what they get. */
export interface DashboardFeed {
  /** Makes `conn` a dashboard and returns its first snapshot (catalog and state included). */
  subscribe(conn: ClientConnection): Record<string, unknown>;
  remove(conn: ClientConnection): void;
  /** Starts the tallies; the rest runs only while some dashboard is open. */
  start(): Subscription;
}

/** One `dashboard` update a second, on the hub's scheduler; the rate chart keeps 10 minutes of them. */
const RATE = { periodMs: 1000, window: 600 };

/**
 * Dashboards are ordinary authenticated connections that sent `subscribe_dashboard`: they keep
 * getting `trigger` and `power` messages like any client (area filtered by the fan-out), and in
 * addition a `dashboard` update every second (services for admins only, sources, power sockets they
 * may see, the event rate) and an `answer` message for every rejected input of a trigger they may see.
 */
export function createDashboardFeed(deps: DashboardFeedDeps): DashboardFeed {
  const { fanOut, scheduler } = deps;
  const dashboards = new Set<ClientConnection>();
  let tallies: ServiceTallies = {};
  // Read when a frame is made: the tally copies its counts out only then.
  const sampleTallies = new Subject<void>();
  let rate: readonly number[] = [];
  let live: Subscription | undefined;

  const visibleTo = (conn: ClientConnection): Visibility => fanOut.view(conn).visible;
  const isAdmin = (conn: ClientConnection) => conn.client?.role === 'admin';

  /** What every dashboard gets alike this tick, read once however many are open. */
  const shared = () => {
    sampleTallies.next();
    return {
      seq: deps.lastSeq(),
      serverTime: deps.utcNow(),
      services: serviceRows(deps.services(), tallies, scheduler.now()),
      sources: deps.sources().map(({ name, state, detail }) => ({ name, state, detail })),
      power: deps.power(),
      rate: { periodMs: RATE.periodMs, counts: rate },
    };
  };

  /** One connection's share: services for admins only (clients have no business with the wiring), the sockets of its areas. */
  const update = (conn: ClientConnection, { services, power, ...rest }: ReturnType<typeof shared>) => {
    const visible = visibleTo(conn);
    return {
      ...rest,
      role: conn.client?.role,
      ...(isAdmin(conn) ? { services } : {}),
      power: visible === null ? power : power.filter((s) => canSee(visible, s.socket)),
    };
  };

  const snapshot = (conn: ClientConnection) => {
    const visible = visibleTo(conn);
    const cache = deps.cache();
    const triggers = [...deps.triggers.values()].filter((t) => canSee(visible, t.name)).map((t) => ({ ...t, state: cache[t.name] ?? null }));
    return { ...update(conn, shared()), triggers };
  };

  const tick = () => {
    const now = shared();
    // Admins see the same update: framed once for all of them.
    let adminFrame: Buffer | undefined;
    for (const conn of dashboards) {
      const frame = isAdmin(conn)
        ? (adminFrame ??= textFrame(encodeMessage('dashboard', update(conn, now))))
        : textFrame(encodeMessage('dashboard', update(conn, now)));
      fanOut.sendTo(conn, frame, 'dashboard');
    }
  };

  const rejected = (d: Rejected) => {
    const { source, kind, name, value, id } = d.input;
    let frame: Buffer | undefined;
    for (const conn of dashboards) {
      if (!canSee(visibleTo(conn), name)) continue;
      frame ??= textFrame(
        encodeMessage('answer', { accepted: false, source, kind, name, value, id, reason: d.reason, message: d.message, timestamp: deps.utcNow() }),
      );
      fanOut.sendTo(conn, frame);
    }
  };

  const goLive = () => {
    live = eventRate(deps.committed$, RATE, scheduler).subscribe((counts) => {
      rate = counts;
      tick();
    });
    live.add(deps.answers$.pipe(filter((d): d is Rejected => !d.accepted)).subscribe(rejected));
  };

  return {
    subscribe(conn) {
      dashboards.add(conn);
      if (!live) goLive();
      return snapshot(conn);
    },
    remove(conn) {
      if (!dashboards.delete(conn) || dashboards.size > 0) return;
      // Nobody is looking: stop counting and listening until the next dashboard opens.
      live?.unsubscribe();
      live = undefined;
      rate = [];
    },
    start() {
      const s = serviceTallies(deps.settled$, deps.serviceStatus$, scheduler, sampleTallies).subscribe((t) => (tallies = t));
      s.add(() => {
        live?.unsubscribe();
        live = undefined;
        dashboards.clear();
      });
      return s;
    },
  };
}
