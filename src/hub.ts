import type { Server } from 'node:http';
import type Router from '@koa/router';
import type { Observable, SchedulerLike } from 'rxjs';
import type { CacheState, Decision, RawTrigger, TriggerDef, TriggerEvent } from '../streams/contracts';
import type { HavenConfig } from './config/havenConfig';
import type { Logger } from './log';
import type { Store } from './storage/store';
import type { Bus } from './bus/bus';

/** What a source hands to the gateway; the ingress adds the ticket and the receive time. */
export type TriggerReport = Omit<RawTrigger, 'ticket' | 'receivedAt'>;

/**
 * The running hub as the components see it: the one gateway to report into, the accepted events
 * and the cache to read from, and the shared services. Built once by the runtime.
 */
export interface Hub {
  readonly config: HavenConfig;
  /** Trigger catalog from `trigger_config.json`, by name. */
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  /** Hands one input to the gateway; resolves with its one decision. Never rejects. */
  report(input: TriggerReport): Promise<Decision>;
  /**
   * What the registered services made of accepted event `seq` (one outcome per service), by
   * `boundMs` at the latest: for answers that say where an event went (the WEB source's route).
   */
  delivery(seq: number, boundMs: number): Promise<ReadonlyArray<{ readonly result: string }>>;
  /** Every accepted input (events and statuses), in `seq` order. Hot; never errors. */
  readonly accepted$: Observable<TriggerEvent>;
  /** Every decision, accepted or rejected (counters, Modbus acknowledge). Hot; never errors. */
  readonly decisions$: Observable<Decision>;
  /** The cache, replaying its current value to every subscriber. */
  readonly state$: Observable<CacheState>;
  /** The current cache, synchronously. */
  cache(): CacheState;
  /** Highest `seq` accepted so far (0 before the first). */
  lastSeq(): number;
  /**
   * Accepted events after `seq`, oldest first, from a bounded journal, for clients that resume;
   * `tooOld` when the journal no longer reaches back that far (the client must resync).
   */
  replay(afterSeq: number): { readonly events: readonly TriggerEvent[] } | { readonly tooOld: true };
  /** In-process pub/sub, bridged to Redis when `bus.redis_url` is set. */
  readonly bus: Bus;
  readonly store: Store;
  /** Monotonic clock and timers for everything time-dependent. */
  readonly scheduler: SchedulerLike;
  /** UTC ISO 8601 now, for people. */
  utcNow(): string;
  readonly log: Logger;
}

/** What a component reports to `GET /readyz`. */
export interface ComponentHealth {
  readonly name: string;
  /** `ok` serving; `degraded` serving with a problem (a service reconnecting); `failed` not serving; `stopped` by request. */
  readonly state: 'starting' | 'ok' | 'degraded' | 'failed' | 'stopped';
  readonly detail?: string;
  /** Sub-parts, for example one entry per registered service. */
  readonly parts?: readonly ComponentHealth[];
}

/**
 * A part of the hub with a lifecycle: a source plugin (TCP, Modbus …), a transport (WebSocket,
 * SSE) or a service (power sockets). The runtime starts them in order and stops them in reverse.
 */
export interface Component {
  readonly name: string;
  /** Brings the component up; resolves once it serves (a listener is bound). */
  start(hub: Hub): Promise<void>;
  /** Re-entrant: a second call waits for the first and does nothing more. */
  stop(): Promise<void>;
  /** The seed's `raise_if_failed`, as a value. */
  health(): ComponentHealth;
  /** Koa routers to mount on the API (called after `start`). */
  routers?(): Router[];
  /** Called once the HTTP server exists, for components that take upgrades (WebSocket). */
  attach?(server: Server): void;
  /** Called before `stop` on a graceful shutdown, so clients can be told when to come back. */
  notifyShutdown?(reconnectAfterMs: number): Promise<void>;
}
