import Router from '@koa/router';
import type { PowerService } from '../powerService';

/**
 * `GET /api/download`: the seed's state dump, `server` (the default socket's serverData),
 * `instances` (every InstanceData by id), plus `sockets` (every socket's serverData), as a file.
 */
export function createDownloadRouter(service: PowerService, utcNow: () => string): Router {
  const router = new Router({ prefix: '/api' });
  router.get('/download', (ctx) => {
    const stamp = utcNow().replace(/[:.]/g, '-');
    ctx.set('Content-Disposition', `attachment; filename="haven-power-${stamp}.json"`);
    ctx.body = service.download();
  });
  return router;
}
