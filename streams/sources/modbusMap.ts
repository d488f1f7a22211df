import type { TriggerDef } from '../contracts';

/** One trigger's place in the Modbus tables, as written in config (`sources.modbus.triggers[]`). */
export interface ModbusTriggerConfig {
  readonly name: string;
  /** CMD_TRIG_TOGGLE coil; default `first_address` + the entry's position. */
  readonly coil?: number;
  /** Acknowledge discrete input; default: the same number as the coil's default. */
  readonly ack_input?: number;
  /** Holding register with the value; default: the same number as the coil's default. */
  readonly register?: number;
  /** Continuous only: value = signed register × scale. Default 1. */
  readonly scale?: number;
}

/** The Modbus address map as written in config (`sources.modbus`), defaults filled by its schema. */
export interface ModbusMapConfig {
  /** The CMD_RESET coil. */
  readonly reset_coil: number;
  /** Discrete input that reads 1 while the source serves. */
  readonly ready_input: number;
  /** First of the {@link STATUS_REGISTERS} input registers of the status block. */
  readonly status_register: number;
  /** Where derived addresses start: trigger i (0-based) gets coil, input and register `first_address + i`. */
  readonly first_address: number;
  /** Triggers to map; empty means every trigger of the catalog, in catalog order. */
  readonly triggers: readonly ModbusTriggerConfig[];
}

/** One trigger bound to its coil, acknowledge input and value register. */
export interface ModbusBinding {
  readonly def: TriggerDef;
  readonly coil: number;
  readonly ackInput: number;
  readonly register: number;
  readonly scale: number;
}

/** The address map, resolved and checked, with lookups by address for the server's vector. */
export interface ModbusMap {
  readonly bindings: readonly ModbusBinding[];
  readonly resetCoil: number;
  readonly readyInput: number;
  readonly statusRegister: number;
  readonly byCoil: ReadonlyMap<number, ModbusBinding>;
  readonly byAckInput: ReadonlyMap<number, ModbusBinding>;
  readonly byRegister: ReadonlyMap<number, ModbusBinding>;
}

/** Input registers of the status block: last seq (2), accepted (2), rejected (2), last reject reason (1). */
export const STATUS_REGISTERS = 7;

const MAX_ADDRESS = 0xffff;

/**
 * Resolves the Modbus map against the trigger catalog. Errors are values: every problem found
 * (unknown or repeated trigger, two things on one address, an address past 65535), each naming the
 * config field, so the hub refuses to start with all of them listed.
 */
export function createModbusMap(catalog: Iterable<TriggerDef>, config: ModbusMapConfig): { ok: true; map: ModbusMap } | { ok: false; errors: string[] } {
  const defs = new Map<string, TriggerDef>();
  for (const def of catalog) defs.set(def.name, def);
  const entries: readonly ModbusTriggerConfig[] = config.triggers.length > 0 ? config.triggers : [...defs.keys()].map((name) => ({ name }));
  const errors: string[] = [];
  const at = (i: number) => (config.triggers.length > 0 ? `sources.modbus.triggers[${i}]` : `trigger '${entries[i].name}' (derived from the catalog)`);

  const coils = new Map<number, string>([[config.reset_coil, 'the CMD_RESET coil']]);
  const inputs = new Map<number, string>([[config.ready_input, 'the ready input']]);
  const registers = new Map<number, string>();
  const claim = (table: Map<number, string>, kind: string, address: number, owner: string, where: string): void => {
    if (address > MAX_ADDRESS) errors.push(`${where}: ${kind} ${address} is past ${MAX_ADDRESS}`);
    const taken = table.get(address);
    if (taken !== undefined) errors.push(`${where}: ${kind} ${address} is already ${taken}`);
    else table.set(address, owner);
  };
  if (config.status_register + STATUS_REGISTERS - 1 > MAX_ADDRESS)
    errors.push(`sources.modbus.status_register: the status block (${STATUS_REGISTERS} registers) must end by ${MAX_ADDRESS}`);

  const bindings: ModbusBinding[] = [];
  const byName = new Map<string, ModbusBinding>();
  entries.forEach((entry, i) => {
    const def = defs.get(entry.name);
    if (def === undefined) return void errors.push(`${at(i)}: trigger '${entry.name}' is not in the trigger catalog`);
    if (byName.has(def.name)) return void errors.push(`${at(i)}: trigger '${def.name}' is mapped twice`);
    const derived = config.first_address + i;
    const binding: ModbusBinding = {
      def,
      coil: entry.coil ?? derived,
      ackInput: entry.ack_input ?? derived,
      register: entry.register ?? derived,
      scale: entry.scale ?? 1,
    };
    const owner = `trigger '${def.name}'`;
    claim(coils, 'coil', binding.coil, owner, at(i));
    claim(inputs, 'discrete input', binding.ackInput, owner, at(i));
    claim(registers, 'holding register', binding.register, owner, at(i));
    bindings.push(binding);
    byName.set(def.name, binding);
  });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    map: {
      bindings,
      resetCoil: config.reset_coil,
      readyInput: config.ready_input,
      statusRegister: config.status_register,
      byCoil: new Map(bindings.map((b) => [b.coil, b])),
      byAckInput: new Map(bindings.map((b) => [b.ackInput, b])),
      byRegister: new Map(bindings.map((b) => [b.register, b])),
    },
  };
}
