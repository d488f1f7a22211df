import type Router from '@koa/router';
import { BehaviorSubject, filter, type Observable, type Subscription } from 'rxjs';
import type { TriggerDef, TriggerEvent } from '../../streams/contracts';
import type { Component, ComponentHealth } from '../hub';
import { createPowerService, type PowerService, type PowerServiceDeps } from './powerService';
import { createDownloadRouter } from './routes/downloadRouter';
import { createInstanceRouter } from './routes/instanceRouter';
import { createWaitRouter } from './routes/waitRouter';
import { bindTriggers, resolveBindings } from './triggerBindings';

/** Test seams: another id generator or driver factory. */
export type PowerComponentOptions = Pick<PowerServiceDeps, 'newId' | 'driverFor'>;

/** What the power component reads: the service's deps (its log is the hub's), the catalog and the accepted events for the bindings. */
export interface PowerComponentDeps extends PowerServiceDeps {
  /** The catalog the bindings name triggers of. */
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  /** The accepted events the bindings act on. */
  readonly accepted$: Observable<TriggerEvent>;
}

/** The power component as tests reach it (`hub.component<PowerComponent>('power')`). */
export interface PowerComponent extends Component {
  readonly service: PowerService;
}

/**
 * Smart power sockets (seed 004) as a hub component: the seed's routes, one actor per socket,
 * power events through `publish` (the bus topic `power`), and the trigger bindings on `accepted$`.
 */
export function createPowerComponent({ triggers, accepted$, ...serviceDeps }: PowerComponentDeps): PowerComponent {
  const { config, scheduler, utcNow } = serviceDeps;
  const log = serviceDeps.log.child('Power');
  const service: PowerService = createPowerService({ ...serviceDeps, log });
  const stopping$ = new BehaviorSubject(false);
  const routers: Router[] = [
    createInstanceRouter(service, config.max_emergency_stop_timeout_ms),
    createWaitRouter({ scheduler, maxWaitS: config.max_wait_s, stopping$: stopping$.pipe(filter(Boolean)) }),
    createDownloadRouter(service, utcNow),
  ];
  let bindings: Subscription | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;

  return {
    name: 'power',
    service,
    async start() {
      // A binding to an unknown trigger or socket, or past the emergency-stop bound, stops the hub from starting (a ConfigError).
      const resolved = resolveBindings(config.bindings, triggers, service.socketNames(), config.max_emergency_stop_timeout_ms);
      started = true;
      service.start();
      bindings = bindTriggers(accepted$, resolved, service, log);
      log.info(`${config.sockets.length} socket(s): ${config.sockets.map((c) => `${c.name} (${c.driver})`).join(', ')}; ${resolved.length} trigger binding(s)`);
    },
    routers: () => routers,
    health(): ComponentHealth {
      return started ? service.health() : { name: 'power', state: 'starting' };
    },
    load: () => ({ sockets: service.loads() }),
    async notifyShutdown() {
      stopping$.next(true);
    },
    stop() {
      stopping ??= (async () => {
        stopping$.next(true);
        bindings?.unsubscribe();
        if (started) await service.stop();
      })();
      return stopping;
    },
  };
}
