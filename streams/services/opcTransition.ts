import type { QueuedDelivery, SettleEffect, StatusEffect, StoppedEffect } from './serviceEffects';
import { NO_EFFECTS, type Transition } from './serviceMachine';

/** Everything that can happen to an OPC actor. */
export type OpcMessage<D> = { readonly type: 'start' } | { readonly type: 'deliver'; readonly delivery: D } | { readonly type: 'stop' };

/** What the shell does for an OPC actor. */
export type OpcEffect<D> = SettleEffect<D> | StatusEffect | StoppedEffect;

/** An OPC actor's state: only whether it was stopped. */
export interface OpcState {
  readonly stopped: boolean;
}

/** The state of an OPC actor that has not been stopped. */
export const INITIAL_OPC_STATE: OpcState = { stopped: false };

/**
 * OPC: the seed's placeholder, accepted so that registrations written for it keep working.
 * Nothing is sent: the status is `unsupported` (said once, when the actor starts) and every
 * delivery settles `unsupported` at once. Stop closes it; every stop answers at once.
 */
export function opcTransition<D extends QueuedDelivery>(): Transition<OpcState, OpcMessage<D>, OpcEffect<D>> {
  return (s, message) => {
    switch (message.type) {
      case 'start':
        if (s.stopped) return { state: s, effects: NO_EFFECTS };
        return { state: s, effects: [{ type: 'status', status: 'unsupported', detail: 'OPC is not yet supported: events are not sent to this service' }] };
      case 'deliver':
        return { state: s, effects: [{ type: 'settle', deliveries: [message.delivery], result: 'unsupported', detail: 'OPC is not yet supported' }] };
      case 'stop':
        return { state: { stopped: true }, effects: [{ type: 'status', status: 'closed', detail: 'stopped' }, { type: 'stopped' }] };
    }
  };
}
