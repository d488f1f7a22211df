import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { RateLimiter } from '../../../streams/websocket/rateLimiter';
import { validateBody } from '../../api/validate';
import type { AdminService } from '../adminService';
import type { ClientRecord } from '../directory';
import { answer } from './answer';
import { retryAfterSeconds } from '../../api/errors';
import { validators } from '../../validation/validators';

/**
 * Pairing: an admin asks for a short-lived code (`POST /api/pairing`); a panel exchanges it for
 * its own client and token (`POST /api/pairing/complete`, no token needed, rate limited per IP
 * since the code is short); the admins' connections get `pairing_completed`.
 */
export function createPairingRouter(admin: AdminService, requireAdmin: Middleware, limiter: RateLimiter, ipOf: (ctx: Context) => string): Router {
  const router = new Router({ prefix: '/api/pairing' });
  router.post('/', requireAdmin, validateBody(validators.pairing), (ctx) => {
    const b = ctx.request.body as { name?: string; areas?: string[] };
    answer(ctx, admin.createPairing((ctx.state.admin as ClientRecord).id, b.name, b.areas ?? []), (r) => r, 201);
  });
  router.post('/complete', validateBody(validators.pairingComplete), (ctx) => {
    const decision = limiter.attempt(ipOf(ctx));
    if (!decision.allowed) {
      const retry = retryAfterSeconds(decision.retryAfterMs);
      ctx.throw(429, `Too many pairing attempts; retry in ${retry} s`, { headers: { 'Retry-After': String(retry) } });
    }
    const b = ctx.request.body as { code: string; name?: string };
    answer(ctx, admin.completePairing(b.code, b.name), ({ client, token }) => ({ clientId: client.id, name: client.name, areas: client.areas, token }), 201);
  });
  return router;
}
