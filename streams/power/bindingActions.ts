import { filter, map, mergeMap, type OperatorFunction } from 'rxjs';
import type { TriggerEvent } from '../contracts';

/** Config: a trigger that starts and stops an instance on a socket. */
export interface TriggerBinding {
  readonly trigger: string;
  readonly socket: string;
  /** Value that starts the instance (On/Off triggers: "On"). */
  readonly on: string | number;
  /** Value that stops it (On/Off triggers: "Off"). */
  readonly off: string | number;
  readonly emergencyStopTimeoutMs: number;
}

/** What an accepted event asks of the power service. */
export interface BindingAction {
  readonly type: 'start' | 'stop';
  readonly binding: TriggerBinding;
  readonly event: TriggerEvent;
}

/**
 * Maps accepted events to binding actions: only `event`s (a `status` only updates the cache), only
 * bound triggers, only the binding's on/off values; one event may drive several bindings.
 *
 * ```
 * events:  -n-f-s-x-     n = Stage.Power On, f = Stage.Power Off, s = status On, x = other trigger
 * output:  -a-b-----     a = start, b = stop
 * ```
 */
export function bindingActions(bindings: readonly TriggerBinding[]): OperatorFunction<TriggerEvent, BindingAction> {
  // Most events drive no binding: they stop here instead of costing an inner subscription each.
  const bound = new Set(bindings.map((b) => b.trigger));
  return (events$) =>
    events$.pipe(
      filter((event) => event.kind === 'event' && bound.has(event.name)),
      mergeMap((event) =>
        bindings.filter((b) => b.trigger === event.name && (event.value === b.on || event.value === b.off)).map((binding) => ({ binding, event })),
      ),
      map(({ binding, event }): BindingAction => ({ type: event.value === binding.on ? 'start' : 'stop', binding, event })),
    );
}
