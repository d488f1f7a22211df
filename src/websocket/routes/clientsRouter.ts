import Router from '@koa/router';
import type { Middleware } from 'koa';
import { validateBody } from '../../api/validate';
import type { AdminService } from '../adminService';
import type { ClientRecord } from '../directory';
import { answer } from './answer';
import { validators } from '../../validation/validators';

/**
 * Clients and their tokens, admins only. A token is in a response exactly once (create, rotate);
 * revoking sends `token_revoked` and closes the client's connections; area assignment sends
 * `area_added` / `area_removed` to that client.
 */
export function createClientsRouter(admin: AdminService, requireAdmin: Middleware, connections: (clientId: string) => number): Router {
  const router = new Router({ prefix: '/api/clients' });
  const view = (c: ClientRecord) => ({ ...c, connections: connections(c.id) });
  router.use(requireAdmin);
  router.get('/', (ctx) => {
    ctx.body = { clients: admin.listClients().map(view) };
  });
  router.post('/', validateBody(validators.client), (ctx) => {
    const b = ctx.request.body as { name: string; role?: 'admin' | 'client'; areas?: string[] };
    answer(ctx, admin.createClient(b.name, b.role ?? 'client', b.areas ?? []), ({ client, token }) => ({ client: view(client), token }), 201);
  });
  router.get('/:id', (ctx) => answer(ctx, admin.getClient(ctx.params.id), (c) => ({ client: view(c) })));
  router.delete('/:id', (ctx) => answer(ctx, admin.deleteClient(ctx.params.id), (r) => ({ success: true, ...r })));
  router.post('/:id/revoke', (ctx) => answer(ctx, admin.revoke(ctx.params.id, 'revoked by admin'), (r) => ({ success: true, ...r })));
  router.post('/:id/token', (ctx) => answer(ctx, admin.rotateToken(ctx.params.id), (r) => r, 201));
  router.put('/:id/areas', validateBody(validators.clientAreas), (ctx) => {
    answer(ctx, admin.setAreas(ctx.params.id, (ctx.request.body as { areas: string[] }).areas), (c) => ({ client: view(c) }));
  });
  router.post('/:id/areas/:areaId', (ctx) => answer(ctx, admin.assignArea(ctx.params.id, ctx.params.areaId), (c) => ({ client: view(c) })));
  router.delete('/:id/areas/:areaId', (ctx) => answer(ctx, admin.unassignArea(ctx.params.id, ctx.params.areaId), (c) => ({ client: view(c) })));
  return router;
}
