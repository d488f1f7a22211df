import type { Registration } from './registration';
import type { ActorDeps, ServiceActor } from './serviceActor';
import { createStatusCell } from './serviceStatus';

/**
 * OPC: the seed's placeholder, accepted so that registrations written for it keep working.
 * Nothing is sent: the status is `unsupported` (logged once, when the actor starts) and every
 * delivery settles `unsupported` at once. It has no connection and no mailbox to speak of.
 */
export function createOpcActor(registration: Registration, deps: ActorDeps): ServiceActor {
  const status = createStatusCell(registration.name, 'connecting', deps.log, deps.onStatus);
  let stopped = false;
  return {
    registration,
    status: () => status.get(),
    detail: () => status.detail(),
    start: () => {
      if (!stopped) status.set('unsupported', 'OPC is not yet supported: events are not sent to this service');
      return Promise.resolve(true);
    },
    deliver: (delivery) => delivery.settle('unsupported', 'OPC is not yet supported'),
    stop: () => {
      stopped = true;
      status.set('closed', 'stopped');
      return Promise.resolve();
    },
  };
}
