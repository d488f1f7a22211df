import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Logger } from '../log';
import { errorBody } from './errors';
import { bodyParserOptions } from './jsonBody';
import { requireJsonContentType } from './jsonContentType';

export interface AppDeps {
  readonly log: Logger;
  /** Every resource's router, core and components alike, mounted in order. */
  readonly routers: readonly Router[];
  /** Who may reach which route (src/security/accessGuard.ts); runs before any body is read. */
  readonly guard?: Middleware;
}

/**
 * Builds the Koa app and never listens: the runtime (or a test, through `app.callback()`) decides
 * where it serves.
 */
export function createApp({ log, routers, guard }: AppDeps): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(errorBody(log));
  // Who may call comes before what they sent: a stranger learns nothing from a 415.
  if (guard) app.use(guard);
  app.use(requireJsonContentType());
  app.use(bodyParser(bodyParserOptions()));
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  return app;
}
