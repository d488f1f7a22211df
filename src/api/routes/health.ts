import Router from '@koa/router';
import type { ComponentHealth } from '../../hub';

/**
 * `GET /healthz`: the process answers. `GET /readyz`: every source, transport and service with its
 * state; 503 when any part has failed, so an orchestrator (or a person) sees what is wrong.
 */
export function createHealthRouter(health: () => ComponentHealth[]): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', (ctx) => {
    const components = health();
    const failed = components.filter((c) => c.state === 'failed' || c.state === 'starting');
    ctx.status = failed.length ? 503 : 200;
    ctx.body = { status: failed.length ? 'unavailable' : components.some((c) => c.state === 'degraded') ? 'degraded' : 'ready', components };
  });
  return router;
}
