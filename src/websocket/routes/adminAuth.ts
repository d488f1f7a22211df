import type { Context, Next } from 'koa';
import type { ClientRecord } from '../directory';

/**
 * Admin REST guard: `Authorization: Bearer <admin token>`. 401 with `WWW-Authenticate` when the
 * token is missing or unknown, 403 when it is a client's. The admin lands in `ctx.state.admin`.
 */
/** The token of an `Authorization: Bearer <token>` header; undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

export function requireAdmin(authenticate: (token: string) => ClientRecord | undefined) {
  return async (ctx: Context, next: Next): Promise<void> => {
    // The access guard (src/security/accessGuard.ts) already proved an admin: a token, or an admin API key.
    if (ctx.state.admin) return next();
    const header = ctx.get('authorization');
    const token = bearerToken(header);
    if (!token)
      ctx.throw(401, header ? 'Malformed Authorization header (expected Bearer <token>)' : 'Missing Authorization: Bearer <admin token>', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    const client = authenticate(token!);
    if (!client) ctx.throw(401, 'Invalid or revoked token', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
    if (client!.role !== 'admin') ctx.throw(403, 'Admin role required');
    ctx.state.admin = client;
    await next();
  };
}
