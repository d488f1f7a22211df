import Router from '@koa/router';
import type { HubMetrics } from './hubMetrics';

/**
 * `GET <metrics.path>` (default `/metrics`): Prometheus' text format. Unauthenticated, like the
 * health routes: installations scrape it on their own network, and it holds counts, not secrets.
 */
export function createMetricsRouter(metrics: Pick<HubMetrics, 'text' | 'contentType'>, path: string): Router {
  const router = new Router();
  router.get(path, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.contentType;
    ctx.body = await metrics.text();
  });
  return router;
}
