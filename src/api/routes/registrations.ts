import Router from '@koa/router';
import type { ExtraField, OscArgsField, OscFraming, ServiceProtocol } from '../../services/registration';
import { validateBody } from '../validate';
import { validators } from '../../validation/validators';

/** What the registration routes need of the service dispatcher. */
export interface RegistrationService {
  register(input: {
    name: string;
    port: number;
    host?: string;
    protocol?: ServiceProtocol;
    max_age_ms?: number;
    fields?: ExtraField[];
    address?: string;
    args?: OscArgsField;
    framing?: OscFraming;
  }): Promise<{ ok: true; registration: object } | { ok: false; status: number; error: string }>;
  unregister(name: string): Promise<boolean>;
  list(): object[];
}

/** The seed's registration routes: `POST /api/register`, `DELETE /api/register/:name`, `GET /api/registrations`. */
export function createRegistrationRouter(services: RegistrationService): Router {
  const router = new Router({ prefix: '/api' });
  router.post('/register', validateBody(validators.register), async (ctx) => {
    const result = await services.register(ctx.request.body as Parameters<RegistrationService['register']>[0]);
    if (!result.ok) {
      ctx.status = result.status;
      ctx.body = { error: result.error };
      return;
    }
    ctx.body = { message: 'Service registered successfully', registration: result.registration };
  });
  router.delete('/register/:name', async (ctx) => {
    if (!(await services.unregister(ctx.params.name))) ctx.throw(404, `Service '${ctx.params.name}' is not registered`);
    ctx.body = { message: 'Service unregistered successfully' };
  });
  router.get('/registrations', (ctx) => {
    ctx.body = { services: services.list() };
  });
  return router;
}
