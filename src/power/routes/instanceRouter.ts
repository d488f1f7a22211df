import Router from '@koa/router';
import type { Context } from 'koa';
import type { PowerResult, PowerService } from '../powerService';
import { parseStartInput } from './startInput';

const STATUS = { invalid: 422, not_found: 404, conflict: 409, device: 500, unavailable: 503 } as const;

/** Every answer of the power routes: the value with 200, or `{ error, … }` with the refusal's status. */
function answer<T>(ctx: Context, result: PowerResult<T>): void {
  if (result.ok) {
    ctx.status = 200;
    ctx.body = result.value;
    return;
  }
  const { ok: _ok, code, ...body } = result;
  ctx.status = STATUS[code];
  ctx.body = body;
}

/** The seed's clients sent the id as a query parameter; the path form wins. No id at all is a 422. */
function instanceIdOf(ctx: Context): string | undefined {
  const id = (ctx.params as { instanceId?: string }).instanceId ?? ctx.query.instanceId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function requireId(ctx: Context): string | undefined {
  const id = instanceIdOf(ctx);
  if (!id) {
    ctx.status = 422;
    ctx.body = { error: 'instanceId is required: /api/instance/:instanceId' };
  }
  return id;
}

/**
 * The seed's instance API: `GET|PUT|DELETE /api/instance/:instanceId`, `POST /api/instance`,
 * `POST /api/emergency-stop/:instanceId`. Handlers only parse and answer; the service decides.
 */
export function createInstanceRouter(service: PowerService, maxEmergencyStopTimeoutMs: number): Router {
  const router = new Router({ prefix: '/api' });

  router.post('/instance', async (ctx) => {
    const input = parseStartInput((ctx.request as { body?: unknown }).body, ctx.query, maxEmergencyStopTimeoutMs);
    if (!input.ok) return answer(ctx, { ok: false, code: 'invalid', error: input.error });
    answer(ctx, await service.startInstance(input.value));
  });

  for (const path of ['/instance', '/instance/:instanceId']) {
    router.get(path, (ctx) => {
      const id = requireId(ctx);
      if (!id) return;
      const found = service.getInstance(id);
      answer(ctx, found.ok ? { ok: true, value: { instance: found.value } } : found);
    });
    router.put(path, async (ctx) => {
      const id = requireId(ctx);
      if (id) answer(ctx, await service.stopInstance(id));
    });
    router.delete(path, async (ctx) => {
      const id = requireId(ctx);
      if (id) answer(ctx, await service.deleteInstance(id));
    });
  }

  for (const path of ['/emergency-stop', '/emergency-stop/:instanceId']) {
    router.post(path, async (ctx) => {
      const id = requireId(ctx);
      if (id) answer(ctx, await service.emergencyStop(id));
    });
  }
  return router;
}
