import Router from '@koa/router';
import type { Middleware } from 'koa';
import { validateBody } from '../../api/validate';
import type { AdminService } from '../adminService';
import { areaView } from '../directory';
import { answer } from './answer';
import { validators } from '../../validation/validators';

type Body = { name?: string; entityIds?: string[]; isEnabled?: boolean };

/**
 * The seed's area REST, admins only: list/create, read, `PUT` (name required; entities and
 * `isEnabled` kept unless sent), `PATCH` (some fields),
 * `PATCH …/toggle`, `DELETE`. Every change reaches the clients that have the area as the seed's
 * event (`area_updated`, `area_enabled`, `area_disabled`, `area_removed`).
 */
export function createAreasRouter(admin: AdminService, requireAdmin: Middleware): Router {
  const router = new Router({ prefix: '/api/areas' });
  const body = (ctx: { request: unknown }) => (ctx.request as { body: Body }).body;
  router.use(requireAdmin);
  router.get('/', (ctx) => {
    ctx.body = { areas: admin.listAreas().map(areaView) };
  });
  router.post('/', validateBody(validators.area), (ctx) => {
    const b = body(ctx);
    answer(ctx, admin.createArea(b.name!, b.entityIds ?? [], b.isEnabled ?? true), (a) => ({ area: areaView(a) }), 201);
  });
  router.get('/:id', (ctx) => answer(ctx, admin.getArea(ctx.params.id), (a) => ({ area: areaView(a) })));
  // The seed's PUT is `UPDATE areas SET name = ? WHERE id = ?`: a rename keeps the entities, and
  // a panel following its example keeps getting its triggers. Entities change only when sent.
  router.put('/:id', validateBody(validators.area), (ctx) => {
    answer(ctx, admin.updateArea(ctx.params.id, body(ctx)), (a) => ({ area: areaView(a) }));
  });
  router.patch('/:id/toggle', validateBody(validators.toggle), (ctx) => {
    answer(ctx, admin.toggleArea(ctx.params.id, body(ctx).isEnabled), (a) => ({ area: areaView(a) }));
  });
  router.patch('/:id', validateBody(validators.areaPatch), (ctx) => {
    answer(ctx, admin.updateArea(ctx.params.id, body(ctx)), (a) => ({ area: areaView(a) }));
  });
  router.delete('/:id', (ctx) => answer(ctx, admin.deleteArea(ctx.params.id), (r) => ({ success: true, ...r })));
  return router;
}
