import type { ServerResponse } from 'node:http';
import { filter, interval, Subject, type Observable, type Subscription } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { clientStream$ } from '../../streams/sse/clientStream';
import { POWER_CATEGORY, SYSTEM_CATEGORY } from '../../streams/sse/eventCatalog';
import { acceptsEnvelope, type StreamFilter } from '../../streams/sse/streamFilter';
import type { SchedulerLike } from 'rxjs';
import type { TriggerDef } from '../../streams/contracts';
import type { Bus, BusState } from '../bus/bus';
import type { HavenConfig } from '../config/havenConfig';
import type { Logger } from '../log';
import type { ApiKeys } from '../keys/apiKeys';
import { authenticate, type AuthResult, type StreamCaller } from './authenticate';
import { createConnectionRegistry, type KeyCounters } from './connectionRegistry';
import type { EnvelopeFeed } from './envelopeFeed';
import { formattedOnce } from './formattedOnce';
import { openSseConnection, type SseConnection } from './sseConnection';

export type OpenResult = { readonly ok: true; readonly connectionId: string } | { readonly ok: false; readonly open: number; readonly limit: number };

/** What the routes ask of the running stream component. */
export interface StreamService {
  authenticate(presented: string | undefined): AuthResult;
  /** Categories a stream of `organizationId` can see: its triggers' categories, `system` and `power`. */
  knownCategories(organizationId: string): ReadonlySet<string>;
  /** Null while serving; the reconnect delay once a graceful shutdown began. */
  shuttingDown(): number | null;
  open(caller: StreamCaller, filter: StreamFilter, after: number | null, res: ServerResponse): OpenResult;
  stats(caller: StreamCaller): Record<string, unknown>;
  /** Open streams. */
  count(): number;
  /** Bytes written to the open streams that their clients have not taken yet. */
  bufferedBytes(): number;
  /** Tells every stream the hub is going down; resolves when all closed (cut after the bound). */
  notifyShutdown(reconnectAfterMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface StreamServiceDeps {
  /** The catalog: which categories an organization's streams may ask for. */
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  /** Its state is shown to streams (`bus`); its messages come through `feed`. */
  readonly bus: Pick<Bus, 'state$'>;
  readonly lastSeq: () => number;
  /** Heartbeats, revocation checks and uptime. */
  readonly scheduler: SchedulerLike;
  readonly utcNow: () => string;
  /** The hub's log; the service logs as its `SSE` child. */
  readonly log: Logger;
  readonly config: HavenConfig['sse'];
  readonly keys: Pick<ApiKeys, 'verify' | 'get'>;
  readonly feed: EnvelopeFeed;
  readonly newId?: () => string;
}

/** How often a replay in parts looks whether the client took the last part (ms). */
const REPLAY_POLL_MS = 5;

/** Emits, polled on `scheduler`, while everything written to `res` has left for the kernel. */
function drained(res: ServerResponse, scheduler: SchedulerLike): Observable<number> {
  return interval(REPLAY_POLL_MS, scheduler).pipe(filter(() => res.writableLength === 0));
}

const counters = (c: KeyCounters | undefined) => ({ connections: c?.connections ?? 0, eventsSent: c?.eventsSent ?? 0 });

/** The streams of this process: who may open one, the open ones, their counters and their end. */
export function createStreamService({
  triggers,
  bus: hubBus,
  lastSeq,
  scheduler,
  utcNow,
  log: hubLog,
  config,
  keys,
  feed,
  newId = randomUUID,
}: StreamServiceDeps): StreamService {
  const log = hubLog.child('SSE');
  const registry = createConnectionRegistry(newId);
  const connections = new Set<SseConnection>();
  const shutdown$ = new Subject<number>();
  const startedAt = scheduler.now();
  let reconnectAfter: number | null = null;
  let bus: BusState = 'down';
  const busWatch: Subscription = hubBus.state$.subscribe((s) => (bus = s));

  const categories = new Map<string, Set<string>>();
  for (const t of triggers.values()) {
    const org = t.organization ?? '';
    if (!categories.has(org)) categories.set(org, new Set([SYSTEM_CATEGORY, POWER_CATEGORY]));
    categories.get(org)!.add(t.category);
  }
  const hubWide: ReadonlySet<string> = new Set([SYSTEM_CATEGORY, POWER_CATEGORY]);

  const closeAll = async (boundMs: number): Promise<void> => {
    if (connections.size === 0) return;
    // `close_timeout_ms` is a timer setting, so it runs on the scheduler; a hard close (0) only lets a turn pass.
    let cancel = (): void => undefined;
    const bound = new Promise<void>((resolve) => {
      if (boundMs > 0) {
        const action = scheduler.schedule(() => resolve(), boundMs);
        cancel = () => action.unsubscribe();
      } else {
        const timer = setTimeout(resolve, 0);
        cancel = () => clearTimeout(timer);
      }
    });
    await Promise.race([Promise.all([...connections].map((c) => c.closed)), bound]);
    cancel();
    for (const c of connections) c.abort();
    await Promise.all([...connections].map((c) => c.closed));
  };

  return {
    authenticate: (presented) => authenticate(keys, presented, config.allow_query_api_key),
    knownCategories: (org) => categories.get(org) ?? hubWide,
    shuttingDown: () => reconnectAfter,
    count: () => connections.size,
    bufferedBytes: () => [...connections].reduce((n, c) => n + c.bufferedBytes(), 0),
    open(caller, filter, after, res) {
      const { key, organizationId } = caller;
      const acquired = registry.acquire(key.id, organizationId, config.max_connections_per_key);
      if (!acquired.ok) return { ok: false, open: acquired.open, limit: config.max_connections_per_key };
      const { slot } = acquired;
      const clog = log.child(`SSE ${slot.connectionId.slice(0, 8)}`);
      const formatted = formattedOnce();
      const messages$ = clientStream$(
        feed.live$,
        {
          connection: {
            type: 'connection',
            message: 'Connected to event stream',
            connectionId: slot.connectionId,
            organizationId,
            filters: { eventCategories: filter.eventCategories && [...filter.eventCategories], eventTypes: filter.eventTypes && [...filter.eventTypes] },
            bus,
            heartbeatMs: config.heartbeat_ms,
            resumeAfter: after,
            latestSeq: lastSeq(),
            timestamp: utcNow(),
          },
          retryMs: config.retry_ms,
          heartbeatMs: config.heartbeat_ms,
          busState$: hubBus.state$,
          shutdown$,
          stillAuthorized: () => keys.get(key.id)?.revokedAt === null,
          after,
          replay: feed.replay,
          latestSeq: () => lastSeq(),
          accepts: acceptsEnvelope(organizationId, filter),
          utcNow,
          // A long replay goes out a part at a time (half the slow-client bound, in bytes as written),
          // the next once the socket took the last: the bound then sees the client's progress, not
          // one write of the whole replay.
          partSize: Math.floor(config.max_buffered_bytes / 2),
          sizeOf: formatted.sizeOf,
          drained$: drained(res, scheduler),
        },
        scheduler,
      );
      const connection = openSseConnection({
        res,
        messages$,
        maxBufferedBytes: config.max_buffered_bytes,
        log: clog,
        text: formatted.text,
        onEvent: () => registry.sent(slot),
        onClosed: (reason) => {
          registry.release(slot);
          connections.delete(connection);
          log.info('stream closed', { connectionId: slot.connectionId, keyId: key.id, organization: organizationId, reason, eventsSent: slot.eventsSent });
        },
      });
      connections.add(connection);
      log.info('stream opened', { connectionId: slot.connectionId, keyId: key.id, organization: organizationId, resumeAfter: after, open: connections.size });
      return { ok: true, connectionId: slot.connectionId };
    },
    stats({ key, organizationId }) {
      const orgKeys = registry.keysOf(organizationId);
      const uptimeMs = Math.round(scheduler.now() - startedAt);
      return {
        organizationId,
        apiKey: { id: key.id, name: key.name, role: key.role, ...counters(registry.key(key.id)), maxConnections: config.max_connections_per_key },
        organization: {
          connections: orgKeys.reduce((n, k) => n + k.connections, 0),
          eventsSent: orgKeys.reduce((n, k) => n + k.eventsSent, 0),
        },
        ...(key.role === 'admin' && { keys: orgKeys.map((k) => ({ id: k.keyId, ...counters(k) })) }),
        bus,
        latestSeq: lastSeq(),
        heartbeatMs: config.heartbeat_ms,
        uptimeMs,
        uptimeSeconds: Math.floor(uptimeMs / 1000),
        timestamp: utcNow(),
      };
    },
    async notifyShutdown(reconnectAfterMs) {
      reconnectAfter = reconnectAfterMs;
      log.info('telling streams the hub is shutting down', { open: connections.size, reconnectAfterMs });
      shutdown$.next(reconnectAfterMs);
      await closeAll(config.close_timeout_ms);
    },
    async close() {
      reconnectAfter ??= 0;
      await closeAll(0);
      busWatch.unsubscribe();
      shutdown$.complete();
    },
  };
}
