import Router from '@koa/router';
import type { Middleware } from 'koa';

/** What `GET /api/websocket/stats` reports. */
export interface WebSocketStats {
  readonly connections: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly clients: number;
  readonly admins: number;
}

/** `GET /api/websocket/stats`, admins only: connections by status, for a person watching the hub. */
export function createStatsRouter(stats: () => WebSocketStats, requireAdmin: Middleware): Router {
  const router = new Router({ prefix: '/api/websocket' });
  router.get('/stats', requireAdmin, (ctx) => {
    ctx.body = stats();
  });
  return router;
}
