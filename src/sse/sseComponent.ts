import type Router from '@koa/router';
import type { HavenConfig } from '../config/havenConfig';
import type { Component, ComponentHealth, Hub } from '../hub';
import { createApiKeys } from '../keys/apiKeys';
import { createEnvelopeFeed, type AreasOfTrigger } from './envelopeFeed';
import { createSseRouter } from './sseRoutes';
import { createStreamService, type StreamService } from './streamService';

export interface SseComponentDeps {
  /**
   * Area names of a trigger for the envelopes' `areaNames`; the WebSocket component owns areas
   * and passes its lookup in `createComponents`. Default: no areas.
   */
  readonly areasOfTrigger?: AreasOfTrigger;
}

type Status = 'idle' | 'serving' | 'shutting_down' | 'stopped';

/**
 * The Server-Sent Events transport as a component: `GET /api/events/stream` and its stats, fed
 * by the bus (this process's events, and other processes' through Redis).
 */
export function createSseComponent(config: HavenConfig, deps: SseComponentDeps = {}): Component {
  let status: Status = 'idle';
  let service: StreamService | undefined;
  let hubLog: Hub['log'] | undefined;
  let stopping: Promise<void> | undefined;
  const setStatus = (next: Status): void => {
    if (next === status) return;
    hubLog?.info(`${status} → ${next}`);
    status = next;
  };
  return {
    name: 'sse',
    async start(hub) {
      hubLog = hub.log.child('SSE');
      service = createStreamService({
        hub,
        config: config.sse,
        keys: createApiKeys({ store: hub.store, utcNow: hub.utcNow }),
        feed: createEnvelopeFeed(hub, deps.areasOfTrigger),
      });
      setStatus('serving');
    },
    routers(): Router[] {
      if (!service) throw new Error('sse: routers() before start()');
      return [createSseRouter(service, config.sse.allow_query_api_key)];
    },
    async notifyShutdown(reconnectAfterMs) {
      if (!service || status !== 'serving') return;
      setStatus('shutting_down');
      await service.notifyShutdown(reconnectAfterMs);
    },
    stop() {
      stopping ??= (async () => {
        await service?.close();
        setStatus('stopped');
      })();
      return stopping;
    },
    health(): ComponentHealth {
      const state = status === 'serving' ? 'ok' : status === 'idle' ? 'starting' : 'stopped';
      return { name: 'sse', state, detail: `${service?.count() ?? 0} open streams` };
    },
  };
}
