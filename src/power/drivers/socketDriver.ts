import { defer, from, type Observable } from 'rxjs';
import type { DeviceResult, PowerReading, SocketDevice } from '../../../streams/power/powerContracts';

/**
 * A smart socket as the hub drives it: switch the relay, read the meter. Errors are values (an
 * unreachable device, an error answer, a timeout), never exceptions, and never a success the
 * device did not confirm.
 */
export interface SocketDriver {
  readonly kind: 'simulated' | 'shelly' | 'tasmota';
  switchPower(on: boolean): Promise<DeviceResult<void>>;
  read(): Promise<DeviceResult<PowerReading>>;
}

/** The driver as the socket machine sees it: one cold observable per call. */
export function asSocketDevice(driver: SocketDriver): SocketDevice {
  return {
    switchPower: (on): Observable<DeviceResult<void>> => defer(() => from(driver.switchPower(on))),
    read: (): Observable<DeviceResult<PowerReading>> => defer(() => from(driver.read())),
  };
}

/** A successful device answer. */
export const ok = <T>(value: T): DeviceResult<T> => ({ ok: true, value });
/** A failed device call, with a sentence a person can act on. */
export const fail = <T = never>(error: string): DeviceResult<T> => ({ ok: false, error });

/** A finite number, or undefined: device answers are checked field by field, never trusted. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
