import Router from '@koa/router';
import type { Context } from 'koa';
import type { CacheState, TriggerKind } from '../../../streams/contracts';
import { createTriggerAnswer, type TriggerInput, type TriggerRoutesDeps } from '../triggerAnswer';
import { validateBody } from '../validate';
import { validators } from '../../validation/validators';

export type { DeliveryOutcomes, TriggerRoutesDeps } from '../triggerAnswer';

/**
 * Reports one trigger input to the gateway and answers with its decision. Thin on purpose: the
 * gateway decides, the services deliver, {@link createTriggerAnswer} translates.
 */
function createTriggerHandler(kind: TriggerKind, deps: TriggerRoutesDeps) {
  const answer = createTriggerAnswer(kind, deps);
  return async (ctx: Context): Promise<void> => {
    const { status, body, headers } = await answer(ctx.request.body as TriggerInput, ctx.req.socket.remoteAddress);
    // Counted from the gateway's decision (ComponentDeps.answers$), not as a refusal of the HTTP layer.
    ctx.state.decided = true;
    ctx.status = status;
    if (headers) ctx.set(headers);
    ctx.body = body;
  };
}

/** `POST <prefix>/trigger-event` and `POST <prefix>/trigger-status` on `router` (the API's and the WEB source's). */
export function addTriggerPosts(router: Router, deps: TriggerRoutesDeps): Router {
  router.post('/trigger-event', validateBody(validators.triggerInput), createTriggerHandler('event', deps));
  router.post('/trigger-status', validateBody(validators.triggerInput), createTriggerHandler('status', deps));
  return router;
}

/** The seed's trigger routes: `POST /api/trigger-event`, `POST /api/trigger-status`, `GET /api/trigger-status` (from `cache`). */
export function createTriggerRouter(deps: TriggerRoutesDeps & { readonly cache: () => CacheState }): Router {
  const router = addTriggerPosts(new Router({ prefix: '/api' }), deps);
  router.get('/trigger-status', (ctx) => {
    const cache = deps.cache();
    const triggers: Record<string, { value: unknown; id: number | null; timestamp: string; type: string }> = {};
    for (const [name, e] of Object.entries(cache)) triggers[name] = { value: e.value, id: e.id, timestamp: e.timestamp, type: e.type };
    ctx.body = { triggers, count: Object.keys(triggers).length };
  });
  return router;
}
