import Router from '@koa/router';
import type { Middleware } from 'koa';
import { addTriggerPosts } from '../../api/routes/triggers';
import type { TriggerRoutesDeps } from '../../api/triggerAnswer';
import type { Component } from '../../hub';
import type { Logger } from '../../log';
import { API_KEY_PATTERN } from '../../keys/apiKey';
import { bearerToken } from '../../websocket/routes/adminAuth';
import { createSourceStatus } from '../sourceStatus';

export const WEB_SOURCE = 'WEB';

/** Where the WEB routes live. */
export const WEB_PREFIX = '/api/web';

/** What the WEB source reads: its switch, what the trigger routes need, the log. */
export interface WebSourceDeps extends Omit<TriggerRoutesDeps, 'source'> {
  /** `trigger.sources.WEB.enabled`. */
  readonly enabled: boolean;
  /** The hub's log; the source logs as a child of it. */
  readonly log: Logger;
  /**
   * Checks a token sent with an input (`Authorization: Bearer`, as the dashboard sends it):
   * absent when the WebSocket transport, which owns the tokens, is off.
   */
  readonly canFire?: (token: string, name: string) => 'ok' | 'invalid_token' | 'not_in_areas';
}

/**
 * An input that carries a token is held to it: a revoked or unknown token is refused (401), and a
 * client's token fires only the triggers of its areas (403), as the dashboard only shows it those.
 * An input without one is the seed's HMI panel and passes as before.
 */
function tokenCheck(canFire: NonNullable<WebSourceDeps['canFire']>): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    if (!header) return next();
    const token = bearerToken(header);
    // An API key sent as Bearer is a device key, which the access guard checked; only tokens are held to areas.
    if (token && API_KEY_PATTERN.test(token)) return next();
    if (!token) ctx.throw(401, 'Malformed Authorization header (expected Bearer <token>)', { headers: { 'WWW-Authenticate': 'Bearer' } });
    const name = (ctx.request.body as { name?: unknown } | undefined)?.name;
    // A body without a name is the validator's to refuse, with its own message.
    if (typeof name !== 'string') return next();
    const verdict = canFire(token!, name);
    if (verdict === 'invalid_token') ctx.throw(401, 'Invalid or revoked token', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
    if (verdict === 'not_in_areas') ctx.throw(403, `Trigger '${name.slice(0, 256)}' is not in this client's areas`);
    await next();
  };
}

/**
 * The HMI/dashboard source: a person triggers through the web. The seed's trigger routes again,
 * under `/api/web`, reporting as `source: "WEB"`, so they go through the same gate with the WEB
 * priority (by default the highest: a person at the panel overrides the machines during the
 * cooldown) and the WEB whitelist:
 *
 * - `POST /api/web/trigger-event`  `{"name", "value"?, "id"?}` → dispatched like `/api/trigger-event`
 * - `POST /api/web/trigger-status` → updates the cache like `/api/trigger-status`
 *
 * When WEB is disabled in config the routes stay mounted and answer 403 `source_disabled`, so a
 * panel learns why instead of getting a 404.
 */
export function createWebSource({ enabled, log, canFire, ...routes }: WebSourceDeps): Component {
  const status = createSourceStatus(WEB_SOURCE, log.child(`Source ${WEB_SOURCE}`));
  const router = new Router({ prefix: WEB_PREFIX });
  if (canFire) router.use(tokenCheck(canFire));
  addTriggerPosts(router, { ...routes, source: WEB_SOURCE });
  let stopping: Promise<void> | undefined;

  return {
    name: WEB_SOURCE,
    health: () => status.health(),

    async start() {
      if (!enabled) return status.set({ state: 'disabled' });
      // The routes serve on the hub's HTTP listener; this source has no listener of its own.
      status.set({ state: 'listening', address: `the HTTP API at ${WEB_PREFIX}` });
    },

    routers: () => [router],

    stop() {
      stopping ??= Promise.resolve().then(() => status.set({ state: 'stopped' }));
      return stopping;
    },
  };
}
