import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import type Router from '@koa/router';
import type { Logger } from '../log';
import { errorBody } from './errors';
import { bodyParserOptions } from './jsonBody';
import { requireJsonContentType } from './jsonContentType';

export interface AppDeps {
  readonly log: Logger;
  /** Every resource's router, core and components alike, mounted in order. */
  readonly routers: readonly Router[];
}

/**
 * Builds the Koa app and never listens: the runtime (or a test, through `app.callback()`) decides
 * where it serves.
 */
export function createApp({ log, routers }: AppDeps): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(errorBody(log));
  app.use(requireJsonContentType());
  app.use(bodyParser(bodyParserOptions()));
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  return app;
}
