import type { TriggerDef } from '../../streams/contracts';
import { resolveBindings } from '../power/triggerBindings';
import { modbusMapOf } from '../sources/modbus/modbusSource';
import type { HavenConfig } from './havenConfig';

/**
 * What the components check against the trigger catalog when they start, checked without starting
 * them (`haven config check`): the Modbus address map, when the Modbus source is on, and the power
 * sockets' trigger bindings, when the power sockets are. The first problem, as the start would stop on it.
 */
export function checkAgainstCatalog(config: HavenConfig, triggers: ReadonlyMap<string, TriggerDef>): void {
  if (config.trigger.sources.MODBUS?.enabled !== false) modbusMapOf(triggers, config.sources.modbus);
  if (config.power.enabled)
    resolveBindings(
      config.power.bindings,
      triggers,
      config.power.sockets.map((s) => s.name),
      config.power.max_emergency_stop_timeout_ms,
    );
}
