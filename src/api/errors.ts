import type { Context, Next } from 'koa';
import type { Logger } from '../log';

/**
 * The one error path: every thrown error becomes `{"error": "..."}` with its status. 4xx messages
 * are the caller's to read; a 5xx says only "Internal server error" and is logged in full.
 */
/** What a 5xx answer says, whatever went wrong (the details go to the log). */
export const INTERNAL_ERROR_BODY = { error: 'Internal server error' } as const;

export function errorBody(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: `No route for ${ctx.method} ${ctx.path}` };
      } else if ((ctx.status === 405 || ctx.status === 501) && ctx.respond !== false && !isJsonBody(ctx.body)) {
        // The routers' allowedMethods answer in text ("Method Not Allowed"); say it as every other refusal.
        const allow = ctx.response.get('Allow');
        ctx.body = { error: `${ctx.method} is not allowed on ${ctx.path}${allow ? ` (allowed: ${allow})` : ''}` };
      }
    } catch (err) {
      const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string; details?: unknown; headers?: Record<string, string> };
      const status = e.status ?? e.statusCode ?? 500;
      ctx.status = status;
      if (e.headers) ctx.set(e.headers);
      if (status < 500) {
        ctx.body = { error: e.message ?? 'Bad request', ...(e.details ? { details: e.details } : {}) };
      } else {
        log.error(`${ctx.method} ${ctx.path} failed`, { error: (err as Error)?.stack ?? String(err) });
        ctx.body = INTERNAL_ERROR_BODY;
      }
    }
  };
}

/** True for a body Koa sends as JSON: an object that is not a buffer or a stream. */
function isJsonBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown }).pipe !== 'function';
}

/** A wait in ms as the whole seconds of a `Retry-After` header: rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
