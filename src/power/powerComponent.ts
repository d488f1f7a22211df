import type Router from '@koa/router';
import { BehaviorSubject, filter, type Subscription } from 'rxjs';
import type { Component, ComponentHealth, Hub } from '../hub';
import { createPowerService, type PowerService, type PowerServiceDeps } from './powerService';
import { createDownloadRouter } from './routes/downloadRouter';
import { createInstanceRouter } from './routes/instanceRouter';
import { createWaitRouter } from './routes/waitRouter';
import { bindTriggers, resolveBindings } from './triggerBindings';

/** Test seams: another id generator or driver factory. */
export type PowerComponentOptions = Pick<PowerServiceDeps, 'newId' | 'driverFor'>;

/** The power component as tests reach it (`hub.component<PowerComponent>('power')`). */
export interface PowerComponent extends Component {
  readonly service: PowerService;
}

/**
 * Smart power sockets (seed 004) as a hub component: the seed's routes, one actor per socket,
 * power events on the bus (topic `power`), and the trigger bindings on `hub.accepted$`.
 */
export function createPowerComponent(options: PowerComponentOptions = {}): PowerComponent {
  let service: PowerService | undefined;
  let routers: Router[] = [];
  let bindings: Subscription | undefined;
  let stopping: Promise<void> | undefined;
  const stopping$ = new BehaviorSubject(false);

  return {
    name: 'power',
    get service(): PowerService {
      if (!service) throw new Error('power component not started');
      return service;
    },
    async start(hub: Hub) {
      const config = hub.config.power;
      const log = hub.log.child('Power');
      const s = createPowerService({ ...options, config, store: hub.store, publish: (e) => hub.bus.publish('power', e), scheduler: hub.scheduler, utcNow: hub.utcNow, log });
      const resolved = resolveBindings(config.bindings, hub.triggers, s.socketNames());
      service = s;
      s.start();
      bindings = bindTriggers(hub.accepted$, resolved, s, log);
      routers = [
        createInstanceRouter(s, config.max_emergency_stop_timeout_ms),
        createWaitRouter({ scheduler: hub.scheduler, maxWaitS: config.max_wait_s, stopping$: stopping$.pipe(filter(Boolean)) }),
        createDownloadRouter(s, hub.utcNow),
      ];
      log.info(`${config.sockets.length} socket(s): ${config.sockets.map((c) => `${c.name} (${c.driver})`).join(', ')}; ${resolved.length} trigger binding(s)`);
    },
    routers: () => routers,
    health(): ComponentHealth {
      return service?.health() ?? { name: 'power', state: 'starting' };
    },
    async notifyShutdown() {
      stopping$.next(true);
    },
    stop() {
      stopping ??= (async () => {
        stopping$.next(true);
        bindings?.unsubscribe();
        await service?.stop();
      })();
      return stopping;
    },
  };
}
