import Router from '@koa/router';
import type { Context } from 'koa';
import type { TriggerKind } from '../../../streams/contracts';
import type { Hub } from '../../hub';
import { rejectionResponse } from '../decisionResponse';
import { validateBody } from '../validate';
import triggerInputSchema from '../schemas/triggerInput.schema.json';

/** What the trigger routes need of the services: the outcomes of one event's dispatch, bounded in time. */
export interface DeliveryOutcomes {
  delivery(seq: number, boundMs: number): Promise<ReadonlyArray<{ readonly result: string }>>;
}

export interface TriggerRoutesDeps {
  readonly hub: Pick<Hub, 'report' | 'cache'>;
  readonly services: DeliveryOutcomes;
  /** How long an event's answer waits for the services' outcomes. */
  readonly responseBoundMs: number;
  /** The source name these routes report as (`HTTP`; the WEB source mounts the same handler as `WEB`). */
  readonly source?: string;
}

interface TriggerInput {
  name: string;
  value?: string | number | boolean | null;
  id?: number | null;
}

/**
 * Reports one trigger input to the gateway and answers with its decision. Thin on purpose: the
 * gateway decides, the services deliver, this only translates.
 */
export function createTriggerHandler(kind: TriggerKind, { hub, services, responseBoundMs, source = 'HTTP' }: TriggerRoutesDeps) {
  return async (ctx: Context): Promise<void> => {
    const body = ctx.request.body as TriggerInput;
    const decision = await hub.report({ source, kind, name: body.name, value: body.value, id: body.id ?? null, remote: ctx.req.socket.remoteAddress });
    if (!decision.accepted) {
      const { status, body: answer, headers } = rejectionResponse(decision);
      ctx.status = status;
      if (headers) ctx.set(headers);
      ctx.body = answer;
      return;
    }
    const { event } = decision;
    if (kind === 'status') {
      ctx.body = { message: 'Trigger status updated', trigger: event.name, value: event.value, id: event.id, trigger_seq: event.seq };
      return;
    }
    const outcomes = await services.delivery(event.seq, responseBoundMs);
    ctx.body = {
      message: 'Trigger event received and dispatched',
      event: { name: event.name, value: event.value, id: event.id, timestamp: event.timestamp },
      dispatched_to: outcomes.filter((o) => o.result === 'written').length,
      trigger_seq: event.seq,
    };
  };
}

/** The seed's trigger routes: `POST /api/trigger-event`, `POST /api/trigger-status`, `GET /api/trigger-status`. */
export function createTriggerRouter(deps: TriggerRoutesDeps): Router {
  const router = new Router({ prefix: '/api' });
  router.post('/trigger-event', validateBody(triggerInputSchema), createTriggerHandler('event', deps));
  router.post('/trigger-status', validateBody(triggerInputSchema), createTriggerHandler('status', deps));
  router.get('/trigger-status', (ctx) => {
    const cache = deps.hub.cache();
    const triggers: Record<string, { value: unknown; id: number | null; timestamp: string; type: string }> = {};
    for (const [name, e] of Object.entries(cache)) triggers[name] = { value: e.value, id: e.id, timestamp: e.timestamp, type: e.type };
    ctx.body = { triggers, count: Object.keys(triggers).length };
  });
  return router;
}
