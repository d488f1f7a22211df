import { INITIAL_OPC_STATE, opcTransition, type OpcEffect } from '../../streams/services/opcTransition';
import type { ActorDeps, ServiceActor } from './actorContracts';
import { actorStatus, createSettler, runServiceMachine, settleOnce } from './actorShell';
import type { Delivery } from './delivery';
import type { Registration } from './registration';

/**
 * OPC: the seed's placeholder ({@link opcTransition}): nothing is sent, every delivery settles
 * `unsupported` at once. It has no connection; its shell only settles and reports.
 */
export function createOpcActor(registration: Registration, deps: ActorDeps): ServiceActor {
  const status = actorStatus(registration.name, deps);
  const settle = createSettler(deps.log, deps.config.mailboxSize);
  const stopped = settleOnce<void>();
  const perform = (effect: OpcEffect<Delivery>): void => {
    if (effect.type === 'settle') settle(effect);
    else if (effect.type === 'status') status.set(effect.status, effect.detail);
    else stopped.resolve();
  };
  const post = runServiceMachine(opcTransition<Delivery>(), INITIAL_OPC_STATE, perform, deps);
  return {
    registration,
    status: () => status.get(),
    detail: () => status.detail(),
    // Nothing waits: every delivery settles at once.
    mailboxDepth: () => 0,
    start: () => {
      post({ type: 'start' });
      return Promise.resolve(true);
    },
    deliver: (delivery) => post({ type: 'deliver', delivery }),
    stop: () => {
      post({ type: 'stop' });
      return stopped.promise;
    },
  };
}
