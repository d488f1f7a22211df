import type { TriggerDef } from '../../streams/contracts';
import { createModbusMap, type ModbusMap } from '../../streams/sources/modbusMap';
import { resolveBindings } from '../power/triggerBindings';
import type { HavenConfig } from './havenConfig';
import { ConfigError } from './loadConfig';

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

/** The Modbus source's address map for the catalog; a ConfigError listing every problem when it is not usable. */
export function modbusMapOf(triggers: ReadonlyMap<string, TriggerDef>, modbus: HavenConfig['sources']['modbus']): ModbusMap {
  const resolved = createModbusMap(triggers.values(), modbus);
  if (!resolved.ok) throw new ConfigError('(haven config)', '/sources/modbus', `is not a usable address map: ${resolved.errors.join('; ')}`);
  return resolved.map;
}
