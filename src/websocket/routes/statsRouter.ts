import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { ClientConnection } from '../clientConnection';

/** What `GET /api/websocket/stats` reports. */
export interface WebSocketStats {
  readonly connections: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly clients: number;
  readonly admins: number;
}

/** Counts connections by status and by role. */
export function connectionStats(connections: ReadonlySet<ClientConnection>): WebSocketStats {
  const byStatus: Record<string, number> = {};
  let clients = 0;
  let admins = 0;
  for (const c of connections) {
    byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    if (c.client?.role === 'admin') admins++;
    else if (c.client) clients++;
  }
  return { connections: connections.size, byStatus, clients, admins };
}

/** `GET /api/websocket/stats`, admins only: connections by status, for a person watching the hub. */
export function createStatsRouter(stats: () => WebSocketStats, requireAdmin: Middleware): Router {
  const router = new Router({ prefix: '/api/websocket' });
  router.get('/stats', requireAdmin, (ctx) => {
    ctx.body = stats();
  });
  return router;
}
