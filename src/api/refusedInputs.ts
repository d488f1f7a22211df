import type { Middleware } from 'koa';
import { accessOf } from '../security/routeAccess';

/** Why an ingestion request refused before the gateway was refused, from its status. */
export function refusalReason(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_body';
    case 401:
    case 403:
      return 'unauthorized';
    case 413:
      return 'body_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'too_many_failures';
    default:
      return `http_${status}`;
  }
}

/**
 * Counts the trigger inputs the HTTP layer refused before the gateway saw them (not JSON, not a
 * trigger, no device key): an input the gateway decided is counted from its decision, so it marks
 * `ctx.state.decided`. Outermost, so it reads the status the error handler finally gave.
 */
export function countRefusedInputs(refused: (source: string, reason: string) => void): Middleware {
  return async (ctx, next) => {
    const access = accessOf(ctx);
    if (access.kind !== 'ingestion') return next();
    try {
      await next();
    } finally {
      if (ctx.state.decided !== true && ctx.status >= 400) refused(access.source, refusalReason(ctx.status));
    }
  };
}
