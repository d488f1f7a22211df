import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import { JSON_TYPES } from './jsonBody';

/** The 415 answer's text: what to send instead. */
export const SEND_JSON_MESSAGE = 'Send the body as JSON with Content-Type: application/json';

/** Longest part of a client's Content-Type quoted back in the answer. */
const QUOTED_TYPE_CHARS = 100;

/** True when the request says it carries bytes: chunked, or a declared length above zero. */
function carriesBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

/**
 * Refuses with 415 a request body that is not JSON. koa-bodyparser reads only JSON types and
 * leaves any other body as `{}`, so a `text/plain` body (curl's `-d` sends a form type, fetch a
 * text one) would reach the validator as an empty object and be answered "must have required
 * property 'name'", which sends the client looking in the wrong place. An empty body passes: the
 * seed's clients `POST` with no body and the query string (`?emergencyStopTimeout=…`).
 *
 * The trigger fast path never sees these: it takes only `application/json` and lets the rest
 * fall through to Koa, where this runs.
 */
export function requireJsonContentType() {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (carriesBody(ctx.req) && !ctx.request.is(JSON_TYPES as string[])) {
      const type = ctx.get('content-type');
      ctx.throw(415, `${SEND_JSON_MESSAGE} (got ${type ? JSON.stringify(type.slice(0, QUOTED_TYPE_CHARS)) : 'no Content-Type'})`);
    }
    await next();
  };
}
