import { expect } from 'chai';
import { createModbusVector, statusWords } from '../../../src/sources/modbus/modbusVector';
import { INITIAL_HANDSHAKE, type HandshakeState } from '../../../streams/sources/modbusHandshake';
import { createModbusMap, type ModbusBinding } from '../../../streams/sources/modbusMap';
import { TRIGGERS } from '../../streams/fixtures';

function setup(handshake: HandshakeState = INITIAL_HANDSHAKE) {
  const result = createModbusMap(TRIGGERS.values(), { reset_coil: 0, ready_input: 0, status_register: 0, first_address: 1, triggers: [] });
  if (!result.ok) throw new Error(result.errors.join('; '));
  const reports: Array<[string, unknown]> = [];
  let resets = 0;
  const vector = createModbusVector({
    map: result.map,
    handshake: () => handshake,
    ready: () => true,
    onTrigger: (b: ModbusBinding, value) => reports.push([b.def.name, value]),
    onReset: () => resets++,
  });
  return { vector, reports, resets: () => resets };
}

/** The Modbus exception code a vector call throws, or null when it does not throw. */
function exceptionOf(call: () => unknown): number | null {
  try {
    call();
    return null;
  } catch (err) {
    return (err as { modbusErrorCode?: number }).modbusErrorCode ?? -1;
  }
}

describe('createModbusVector (the register image)', () => {
  // Fixture catalog order: Phone.Button 1, Phone.Hook 2, Dial.Number 3, Dial.Level 4, Dial.Pitch 5, Door.Bell 6.
  it('reports on a rising coil write only, with the value of the trigger’s register', () => {
    const { vector, reports } = setup();
    vector.setRegister(4, 0xfff6); // -10 as INT
    vector.setCoil(4, true);
    vector.setCoil(4, true);
    vector.setCoil(4, false);
    vector.setRegister(3, 3);
    vector.setCoil(3, true);
    vector.setCoil(6, true);
    expect(reports).to.deep.equal([
      ['Dial.Level', -10],
      ['Dial.Number', 'star'],
      ['Door.Bell', null],
    ]);
    expect(vector.getCoil(3)).to.equal(true);
    expect(vector.getCoil(4)).to.equal(false);
  });

  it('CMD_RESET clears the trigger coils, calls onReset, and reads back 0; writing 0 to it does nothing', () => {
    const { vector, resets, reports } = setup();
    vector.setCoil(1, true);
    vector.setCoil(0, false);
    expect(resets()).to.equal(0);
    vector.setCoil(0, true);
    expect(resets()).to.equal(1);
    expect(vector.getCoil(0)).to.equal(false);
    expect(vector.getCoil(1)).to.equal(false);
    vector.setCoil(1, true);
    expect(reports.map(([name]) => name)).to.deep.equal(['Phone.Button', 'Phone.Button']);
  });

  it('reads acknowledges, the ready input and the status block from the handshake', () => {
    const h: HandshakeState = { lastSeq: 0x12345, accepted: 70000, rejected: 2, lastReason: 4, acks: { 'Phone.Hook': true } };
    const { vector } = setup(h);
    expect([0, 1, 2].map((a) => vector.getDiscreteInput(a))).to.deep.equal([true, false, true]);
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => vector.getInputRegister(a))).to.deep.equal([0x1, 0x2345, 1, 70000 - 65536, 0, 2, 4]);
    expect(statusWords(h)).to.deep.equal([0x1, 0x2345, 1, 4464, 0, 2, 4]);
  });

  it('throws exception 2 for every unmapped address, in every table', () => {
    const { vector } = setup();
    expect(exceptionOf(() => vector.getCoil(7))).to.equal(2);
    expect(exceptionOf(() => vector.setCoil(7, true))).to.equal(2);
    expect(exceptionOf(() => vector.getDiscreteInput(7))).to.equal(2);
    expect(exceptionOf(() => vector.getHoldingRegister(0))).to.equal(2);
    expect(exceptionOf(() => vector.setRegister(0, 1))).to.equal(2);
    expect(exceptionOf(() => vector.getInputRegister(7))).to.equal(2);
    expect(exceptionOf(() => vector.getHoldingRegister(6))).to.equal(null);
  });

  it('writes a register block all or nothing', () => {
    const { vector } = setup();
    expect(exceptionOf(() => vector.setRegisterArray(5, [1, 2, 3]))).to.equal(2);
    expect([5, 6].map((a) => vector.getHoldingRegister(a))).to.deep.equal([0, 0]);
    vector.setRegisterArray(5, [1, 2]);
    expect([5, 6].map((a) => vector.getHoldingRegister(a))).to.deep.equal([1, 2]);
  });
});
