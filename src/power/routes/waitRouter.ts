import Router from '@koa/router';
import { firstValueFrom, fromEvent, map, race, timer, type Observable, type SchedulerLike } from 'rxjs';
import { parseDuration } from './startInput';

/** What the wait route needs: the hub's clock, the bound, the shutdown signal. */
export interface WaitRouterDeps {
  readonly scheduler: SchedulerLike;
  readonly maxWaitS: number;
  /** Emits when the hub shuts down: waits still open are answered at once. */
  readonly stopping$: Observable<unknown>;
}

/**
 * `GET /api/wait?duration=<seconds>`: answers `{ waiting: false, duration }` once the duration has
 * passed on the hub's scheduler (process engines use it as a timer step). A client that hangs up
 * frees its wait; a shutdown answers 503.
 */
export function createWaitRouter({ scheduler, maxWaitS, stopping$ }: WaitRouterDeps): Router {
  const router = new Router({ prefix: '/api' });
  router.get('/wait', async (ctx) => {
    const duration = parseDuration(ctx.query.duration, maxWaitS);
    if (!duration.ok) {
      ctx.status = 422;
      ctx.body = { error: duration.error };
      return;
    }
    const outcome = await firstValueFrom(
      race(
        timer(Math.round(duration.value * 1000), scheduler).pipe(map(() => 'waited' as const)),
        stopping$.pipe(map(() => 'stopping' as const)),
        fromEvent(ctx.res, 'close').pipe(map(() => 'gone' as const)),
      ),
    );
    if (outcome === 'waited') {
      ctx.body = { waiting: false, duration: duration.value };
    } else if (outcome === 'stopping') {
      ctx.status = 503;
      ctx.body = { error: 'The hub is shutting down; the wait was cut short' };
    }
  });
  return router;
}
