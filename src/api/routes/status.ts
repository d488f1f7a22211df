import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { CacheState, TriggerDef } from '../../../streams/contracts';
import type { LogStats } from '../../eventLog/eventLog';
import type { ComponentHealth } from '../../hub';
import type { RegistrationView } from '../../services/serviceViews';
import type { WebSocketStats } from '../../websocket/routes/statsRouter';

/** One trigger of the catalog with its last known state (null fields: nothing known yet, or a OneShot). */
export interface TriggerStatus {
  readonly name: string;
  readonly type: TriggerDef['type'];
  readonly category: string;
  readonly value: string | number | null;
  readonly id: number | null;
  readonly seq: number | null;
  readonly timestamp: string | null;
  /** Since its last accepted change, by the hub's wall clock. */
  readonly age_ms: number | null;
}

/** `GET /api/status`: the whole hub at a glance, for `haven status` and a person with curl. */
export interface HubStatus {
  readonly seq: number;
  readonly triggers: readonly TriggerStatus[];
  /** As `GET /api/registrations` lists them, with their status. */
  readonly services: readonly RegistrationView[];
  /** The sources' entries of `/readyz`. */
  readonly sources: readonly ComponentHealth[];
  /** Open connections; null where the transport is disabled. */
  readonly clients: { readonly websocket: WebSocketStats | null; readonly sse: number | null };
  readonly journal: LogStats;
}

/** What the status is read from, each when asked. */
export interface HubStatusDeps {
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  readonly cache: () => CacheState;
  readonly lastSeq: () => number;
  readonly services: () => RegistrationView[];
  readonly sources: () => ComponentHealth[];
  readonly clients: () => HubStatus['clients'];
  readonly journal: () => LogStats;
  /** Wall clock, ms since the epoch, for the triggers' ages. */
  readonly wallMs: () => number;
}

/** The status as of now. */
export function hubStatus(deps: HubStatusDeps): HubStatus {
  const cache = deps.cache();
  const now = deps.wallMs();
  const triggers = [...deps.triggers.values()].map((t): TriggerStatus => {
    const entry = cache[t.name];
    const at = entry ? Date.parse(entry.timestamp) : NaN;
    return {
      name: t.name,
      type: t.type,
      category: t.category,
      value: entry?.value ?? null,
      id: entry?.id ?? null,
      seq: entry?.seq ?? null,
      timestamp: entry?.timestamp ?? null,
      age_ms: Number.isNaN(at) ? null : Math.max(0, now - at),
    };
  });
  return { seq: deps.lastSeq(), triggers, services: deps.services(), sources: deps.sources(), clients: deps.clients(), journal: deps.journal() };
}

/** `GET /api/status`, admins only (`requireAdmin`): see {@link HubStatus}. */
export function createStatusRouter(deps: HubStatusDeps, requireAdmin: Middleware): Router {
  const router = new Router({ prefix: '/api' });
  router.get('/status', requireAdmin, (ctx) => {
    ctx.body = hubStatus(deps);
  });
  return router;
}
