import { concatMap, from, type Observable, type Subscription } from 'rxjs';
import type { TriggerDef, TriggerEvent } from '../../streams/contracts';
import { bindingActions, type BindingAction, type TriggerBinding } from '../../streams/power/bindingActions';
import { ConfigError } from '../config/loadConfig';
import type { Logger } from '../log';
import type { BindingConfig } from './powerConfig';
import type { PowerService } from './powerService';

/**
 * The config's bindings checked against the catalog and the sockets: a binding to a trigger or a
 * socket that does not exist, or with an emergency stop later than any instance may ask for, stops the start, naming the field.
 */
export function resolveBindings(
  bindings: readonly BindingConfig[],
  triggers: ReadonlyMap<string, TriggerDef>,
  sockets: readonly string[],
  maxTimeoutMs: number,
): TriggerBinding[] {
  return bindings.map((b, i) => {
    const at = `/power/bindings/${i}`;
    if (!triggers.has(b.trigger)) throw new ConfigError('(haven config)', `${at}/trigger`, `names unknown trigger '${b.trigger}'`);
    // The same bound an instance started over HTTP has.
    if (b.emergency_stop_timeout_ms > maxTimeoutMs)
      throw new ConfigError(
        '(haven config)',
        `${at}/emergency_stop_timeout_ms`,
        `is over power.max_emergency_stop_timeout_ms (${b.emergency_stop_timeout_ms} > ${maxTimeoutMs})`,
      );
    const socket = b.socket ?? sockets[0];
    if (!sockets.includes(socket)) throw new ConfigError('(haven config)', `${at}/socket`, `names unknown socket '${socket}' (known: ${sockets.join(', ')})`);
    return { trigger: b.trigger, socket, on: b.on, off: b.off, emergencyStopTimeoutMs: b.emergency_stop_timeout_ms };
  });
}

/**
 * Accepted events drive instances: the on value starts one (unless this binding already has one
 * running), the off value stops the binding's running ones. Actions are applied one after the
 * other, so an Off right after an On finds the instance the On started.
 */
export function bindTriggers(accepted$: Observable<TriggerEvent>, bindings: readonly TriggerBinding[], service: PowerService, log: Logger): Subscription {
  const apply = async ({ type, binding, event }: BindingAction): Promise<void> => {
    const running = service.runningFrom(binding.trigger, binding.socket);
    const what = `${binding.trigger}=${event.value} (#${event.seq})`;
    if (type === 'start') {
      if (running.length) return log.info(`${what}: an instance is already running on ${binding.socket}`, { instances: running });
      const started = await service.startInstance({
        socket: binding.socket,
        emergencyStopTimeout: binding.emergencyStopTimeoutMs,
        origin: { kind: 'trigger', trigger: binding.trigger, seq: event.seq },
      });
      if (started.ok) log.info(`${what}: started instance ${started.value.instanceId} on ${binding.socket}`);
      else log.warn(`${what}: could not start an instance on ${binding.socket}: ${started.error}`);
      return;
    }
    for (const id of running) {
      const stopped = await service.stopInstance(id, 'trigger');
      if (!stopped.ok) log.warn(`${what}: could not stop instance ${id}: ${stopped.error}`);
    }
  };
  return accepted$
    .pipe(
      bindingActions(bindings),
      concatMap((action) => from(apply(action))),
    )
    .subscribe({
      error: (err) => log.error('trigger bindings stopped', { error: String(err) }),
    });
}
