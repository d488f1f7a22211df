import Router from '@koa/router';
import { addTriggerPosts } from '../../api/routes/triggers';
import type { TriggerRoutesDeps } from '../../api/triggerAnswer';
import type { Component } from '../../hub';
import type { Logger } from '../../log';
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
export function createWebSource({ enabled, log, ...routes }: WebSourceDeps): Component {
  const status = createSourceStatus(WEB_SOURCE, log.child(`Source ${WEB_SOURCE}`));
  const router = addTriggerPosts(new Router({ prefix: WEB_PREFIX }), { ...routes, source: WEB_SOURCE });
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
