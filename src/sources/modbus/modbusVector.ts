import type { HandshakeState } from '../../../streams/sources/modbusHandshake';
import { STATUS_REGISTERS, type ModbusBinding, type ModbusMap } from '../../../streams/sources/modbusMap';
import { registerToValue } from '../../../streams/sources/registerValue';
import { ModbusException } from '../../../streams/sources/modbusRequest';

/** What the register image reads from and reports to. */
export interface ModbusVectorDeps {
  readonly map: ModbusMap;
  /** The current handshake: acknowledge inputs and the status block. */
  readonly handshake: () => HandshakeState;
  /** The ready discrete input. */
  readonly ready: () => boolean;
  /** A rising write (0 → 1) on a trigger's coil, with the value its holding register carries. */
  readonly onTrigger: (binding: ModbusBinding, value: string | number | null) => void;
  /** A write of 1 to the CMD_RESET coil. */
  readonly onReset: () => void;
}

/**
 * The image as the Modbus server reads and writes it, one address at a time. Every function is
 * synchronous (the server carries out one request at a time) and throws to refuse an address.
 */
export interface ModbusVector {
  getCoil(address: number): boolean;
  getDiscreteInput(address: number): boolean;
  getHoldingRegister(address: number): number;
  getInputRegister(address: number): number;
  setCoil(address: number, value: boolean): void;
  setRegister(address: number, value: number): void;
  setRegisterArray(address: number, values: number[]): void;
}

function illegal(table: string, address: number): Error {
  return Object.assign(new Error(`Illegal data address: ${table} ${address} is not mapped`), { modbusErrorCode: ModbusException.IllegalDataAddress });
}

/** The status block as 16-bit words: 32-bit values high word first (Modbus big-endian word order). */
export function statusWords(h: HandshakeState): readonly number[] {
  const hi = (n: number) => (n >>> 16) & 0xffff;
  const lo = (n: number) => n & 0xffff;
  return [hi(h.lastSeq), lo(h.lastSeq), hi(h.accepted), lo(h.accepted), hi(h.rejected), lo(h.rejected), h.lastReason & 0xffff];
}

/**
 * The register image behind the Modbus server. Coils and holding
 * registers are what the PLC wrote (trigger coils latch; CMD_RESET reads back 0); discrete inputs
 * and input registers are the hub's answer. Any address outside the map throws exception 2
 * (ILLEGAL DATA ADDRESS), which the server sends back instead of leaving the PLC to time out.
 * A write to a block of registers checks every address before changing any.
 */
export function createModbusVector(deps: ModbusVectorDeps): ModbusVector {
  const { map } = deps;
  const coils = new Map<number, boolean>();
  const registers = new Map<number, number>();

  const register = (address: number): ModbusBinding => {
    const binding = map.byRegister.get(address);
    if (binding === undefined) throw illegal('holding register', address);
    return binding;
  };

  return {
    getCoil(address: number) {
      if (address === map.resetCoil) return false;
      if (!map.byCoil.has(address)) throw illegal('coil', address);
      return coils.get(address) ?? false;
    },
    getDiscreteInput(address: number) {
      if (address === map.readyInput) return deps.ready();
      const binding = map.byAckInput.get(address);
      if (binding === undefined) throw illegal('discrete input', address);
      return deps.handshake().acks[binding.def.name] ?? false;
    },
    getHoldingRegister(address: number) {
      register(address);
      return registers.get(address) ?? 0;
    },
    getInputRegister(address: number) {
      const offset = address - map.statusRegister;
      // The address is checked before any work: an illegal read builds nothing.
      if (offset < 0 || offset >= STATUS_REGISTERS) throw illegal('input register', address);
      return statusWords(deps.handshake())[offset];
    },
    setCoil(address: number, value: boolean) {
      if (address === map.resetCoil) {
        if (value) {
          coils.clear();
          deps.onReset();
        }
        return;
      }
      const binding = map.byCoil.get(address);
      if (binding === undefined) throw illegal('coil', address);
      const was = coils.get(address) ?? false;
      coils.set(address, value);
      if (value && !was) deps.onTrigger(binding, registerToValue(binding.def, registers.get(binding.register) ?? 0, binding.scale));
    },
    setRegister(address: number, value: number) {
      register(address);
      registers.set(address, value & 0xffff);
    },
    setRegisterArray(address: number, values: number[]) {
      values.forEach((_, i) => register(address + i));
      values.forEach((value, i) => registers.set(address + i, value & 0xffff));
    },
  };
}
