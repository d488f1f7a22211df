import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Logger } from '../log';
import { errorBody } from './errors';
import { bodyParserOptions } from './jsonBody';
import { requireJsonContentType } from './jsonContentType';
import { countRefusedInputs } from './refusedInputs';

export interface AppDeps {
  readonly log: Logger;
  /** Every resource's router, core and components alike, mounted in order. */
  readonly routers: readonly Router[];
  /** Who may reach which route (src/security/accessGuard.ts); runs before any body is read. */
  readonly guard?: Middleware;
  /** Told of every trigger input refused before the gateway (src/api/refusedInputs.ts), for the metrics. */
  readonly refused?: (source: string, reason: string) => void;
}

/**
 * Builds the Koa app and never listens: the runtime (or a test, through `app.callback()`) decides
 * where it serves.
 */
export function createApp({ log, routers, guard, refused }: AppDeps): Koa {
  const app = new Koa();
  app.silent = true;
  if (refused) app.use(countRefusedInputs(refused));
  app.use(errorBody(log));
  // Who may call comes before what they sent: a stranger learns nothing from a 415.
  if (guard) app.use(guard);
  app.use(requireJsonContentType());
  app.use(bodyParser(bodyParserOptions()));
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  return app;
}
