import Router from '@koa/router';
import type { Context } from 'koa';
import { parseStreamFilter } from '../../streams/sse/streamFilter';
import type { StreamCaller } from './authenticate';
import { parseLastEventId } from './lastEventId';
import type { StreamService } from './streamService';
import { retryAfterSeconds } from '../api/errors';

/** The key as presented: the header, or `?apiKey=` for browsers when the config allows it. */
function presentedKey(ctx: Context, queryAllowed: boolean): string | undefined {
  const header = ctx.get('x-api-key');
  if (header) return header;
  const q = ctx.query.apiKey;
  return queryAllowed ? (Array.isArray(q) ? q[0] : q) : undefined;
}

function caller(ctx: Context, service: StreamService, queryAllowed: boolean): StreamCaller {
  const auth = service.authenticate(presentedKey(ctx, queryAllowed));
  if (!auth.ok) ctx.throw(auth.status, auth.error);
  return auth.caller;
}

/**
 * `GET /api/events/stream` and `GET /api/events/stream/stats`. Every refusal is decided before
 * the stream opens and answered as JSON by the API's one error path; an open stream takes the
 * response over from Koa (`ctx.respond = false`), so no middleware buffers or compresses it.
 */
export function createSseRouter(service: StreamService, queryAllowed: boolean): Router {
  const router = new Router();
  router.get('/api/events/stream', (ctx) => {
    const who = caller(ctx, service, queryAllowed);
    const reconnectAfter = service.shuttingDown();
    if (reconnectAfter !== null) {
      // Answered here: the error path would hide a thrown 5xx's message, and this one is for the client.
      ctx.status = 503;
      ctx.set('Retry-After', String(retryAfterSeconds(reconnectAfter)));
      ctx.body = { error: 'Server is shutting down; reconnect later' };
      return;
    }
    const filter = parseStreamFilter(
      { eventCategories: ctx.query.eventCategories, eventTypes: ctx.query.eventTypes },
      service.knownCategories(who.organizationId),
    );
    if (!filter.ok) return ctx.throw(400, filter.error);
    const lastEventId = parseLastEventId(ctx.get('last-event-id') || undefined, ctx.query.lastEventId);
    if (!lastEventId.ok) return ctx.throw(400, lastEventId.error);
    ctx.req.socket.setTimeout(0);
    const opened = service.open(who, filter.filter, lastEventId.after, ctx.res);
    if (!opened.ok) {
      ctx.throw(429, `Connection limit exceeded: this API key has ${opened.open} open streams (at most ${opened.limit}); close one first`);
    }
    ctx.status = 200;
    ctx.respond = false;
  });
  router.get('/api/events/stream/stats', (ctx) => {
    ctx.body = service.stats(caller(ctx, service, queryAllowed));
  });
  return router;
}
