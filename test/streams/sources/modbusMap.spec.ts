import { expect } from 'chai';
import type { TriggerDef } from '../../../streams/contracts';
import { createModbusMap, type ModbusMapConfig } from '../../../streams/sources/modbusMap';
import { TRIGGERS } from '../fixtures';

const base: ModbusMapConfig = { reset_coil: 0, ready_input: 0, status_register: 0, first_address: 1, triggers: [] };
const catalog: TriggerDef[] = [...TRIGGERS.values()];

function mapOf(config: Partial<ModbusMapConfig>) {
  const result = createModbusMap(catalog, { ...base, ...config });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.map;
}

describe('createModbusMap', () => {
  it('derives one coil, acknowledge input and register per catalog trigger, from first_address, in catalog order', () => {
    const map = mapOf({});
    expect(map.bindings.map((b) => [b.def.name, b.coil, b.ackInput, b.register])).to.deep.equal([
      ['Phone.Button', 1, 1, 1],
      ['Phone.Hook', 2, 2, 2],
      ['Dial.Number', 3, 3, 3],
      ['Dial.Level', 4, 4, 4],
      ['Dial.Pitch', 5, 5, 5],
      ['Door.Bell', 6, 6, 6],
    ]);
    expect(map.byCoil.get(4)?.def.name).to.equal('Dial.Level');
    expect(map.byAckInput.get(6)?.def.name).to.equal('Door.Bell');
    expect(map.byRegister.get(0)).to.equal(undefined);
    expect(map.bindings.every((b) => b.scale === 1)).to.equal(true);
  });

  it('maps only the listed triggers, at their own addresses where given', () => {
    const map = mapOf({
      first_address: 100,
      triggers: [
        { name: 'Dial.Level', scale: 0.5 },
        { name: 'Phone.Button', coil: 7, ack_input: 8, register: 9 },
      ],
    });
    expect(map.bindings.map((b) => [b.def.name, b.coil, b.ackInput, b.register, b.scale])).to.deep.equal([
      ['Dial.Level', 100, 100, 100, 0.5],
      ['Phone.Button', 7, 8, 9, 1],
    ]);
  });

  it('lists every problem: unknown and repeated triggers, taken addresses, addresses past 65535', () => {
    const result = createModbusMap(catalog, {
      ...base,
      status_register: 65530,
      triggers: [{ name: 'Nope' }, { name: 'Phone.Button', coil: 0 }, { name: 'Phone.Button' }, { name: 'Dial.Level', register: 2, coil: 70000 }],
    });
    expect(result).to.deep.equal({
      ok: false,
      errors: [
        'sources.modbus.status_register: the status block (7 registers) must end by 65535',
        "sources.modbus.triggers[0]: trigger 'Nope' is not in the trigger catalog",
        'sources.modbus.triggers[1]: coil 0 is already the CMD_RESET coil',
        "sources.modbus.triggers[2]: trigger 'Phone.Button' is mapped twice",
        'sources.modbus.triggers[3]: coil 70000 is past 65535',
        "sources.modbus.triggers[3]: holding register 2 is already trigger 'Phone.Button'",
      ],
    });
  });

  it('reports a derived address that collides with the ready input', () => {
    const result = createModbusMap(catalog, { ...base, ready_input: 3 });
    expect(result).to.deep.equal({ ok: false, errors: ["trigger 'Dial.Number' (derived from the catalog): discrete input 3 is already the ready input"] });
  });
});
