import type Router from '@koa/router';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { TriggerDef, TriggerEvent } from '../../streams/contracts';
import type { Bus } from '../bus/bus';
import type { HavenConfig } from '../config/havenConfig';
import type { Component, ComponentHealth } from '../hub';
import type { ApiKeys } from '../keys/apiKeys';
import type { Logger } from '../log';
import type { Replay } from '../eventLog/eventLog';
import { createEnvelopeFeed, type AreasOfTrigger } from './envelopeFeed';
import { createSseRouter } from './sseRoutes';
import { createStreamService } from './streamService';

/** What the SSE transport reads. */
export interface SseComponentDeps {
  /** What this process's event log committed: the events to stream. */
  readonly committed$: Observable<TriggerEvent>;
  /** Other processes' events (through Redis), and the service and power changes to stream. */
  readonly bus: Bus;
  /** Journal reads for streams that resume. */
  readonly replay: Replay;
  readonly lastSeq: () => number;
  /** The catalog, for envelope fields and the categories a stream may ask for. */
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  /** The API keys a stream is opened with (collection `api_keys`), read on each check: a key revoked while a stream is open ends it. */
  readonly keys: Pick<ApiKeys, 'verify' | 'get'>;
  readonly scheduler: SchedulerLike;
  readonly utcNow: () => string;
  /** The hub's log; the component logs as its `SSE` child. */
  readonly log: Logger;
  /**
   * Area names of a trigger for the envelopes' `areaNames`; the WebSocket component owns areas
   * and passes its lookup in `createComponents`. Default: no areas.
   */
  readonly areasOfTrigger?: AreasOfTrigger;
}

/** The SSE transport: a component that also says how many streams are open (`GET /api/status`). */
export interface SseComponent extends Component {
  openStreams(): number;
}

type Status = 'idle' | 'serving' | 'shutting_down' | 'stopped';

/**
 * The Server-Sent Events transport as a component: `GET /api/events/stream` and its stats, fed
 * by what the event log committed, and by the bus (other processes' events through Redis, the
 * service and power changes).
 */
export function createSseComponent(config: HavenConfig['sse'], deps: SseComponentDeps): SseComponent {
  const { areasOfTrigger } = deps;
  const log = deps.log.child('SSE');
  let status: Status = 'idle';
  let stopping: Promise<void> | undefined;
  const feed = createEnvelopeFeed(deps, areasOfTrigger);
  let relay: Subscription | undefined;
  const service = createStreamService({
    ...deps,
    config,
    feed,
  });
  const routers = [createSseRouter(service, config.allow_query_api_key)];
  const setStatus = (next: Status): void => {
    if (next === status) return;
    log.info(`${status} → ${next}`);
    status = next;
  };
  return {
    name: 'sse',
    async start() {
      relay ??= feed.start();
      setStatus('serving');
    },
    routers: (): Router[] => routers,
    openStreams: () => service.count(),
    async notifyShutdown(reconnectAfterMs) {
      if (status !== 'serving') return;
      setStatus('shutting_down');
      await service.notifyShutdown(reconnectAfterMs);
    },
    stop() {
      stopping ??= (async () => {
        try {
          await service.close();
        } finally {
          relay?.unsubscribe();
        }
        setStatus('stopped');
      })();
      return stopping;
    },
    load: () => ({ clients: service.count(), backlogBytes: service.bufferedBytes() }),
    health(): ComponentHealth {
      const state = status === 'serving' ? 'ok' : status === 'idle' ? 'starting' : 'stopped';
      return { name: 'sse', state, detail: `${service.count()} open streams` };
    },
  };
}
