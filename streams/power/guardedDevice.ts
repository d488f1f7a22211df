import { asyncScheduler, catchError, defaultIfEmpty, defer, of, take, timeout, type Observable, type SchedulerLike } from 'rxjs';
import type { DeviceResult, SocketDevice } from './powerContracts';

/**
 * Wraps a device so every call answers exactly one result value: a device that throws, completes
 * without an answer, or stays silent past `timeoutMs` becomes `{ ok: false, error }`. Never a silent
 * success, never a stuck mailbox.
 *
 * ```
 * device.read():  ----------…        (no answer)
 * guarded, 5 ms:  -----(e|)          e = { ok: false, error: 'no answer within 5 ms' }
 * ```
 */
export function guardedDevice(device: SocketDevice, timeoutMs: number, scheduler: SchedulerLike = asyncScheduler): SocketDevice {
  const guard = <T>(call: () => Observable<DeviceResult<T>>): Observable<DeviceResult<T>> => {
    const fail = (error: string): DeviceResult<T> => ({ ok: false, error });
    return defer(call).pipe(
      timeout({ first: timeoutMs, scheduler, with: () => of(fail(`no answer within ${timeoutMs} ms`)) }),
      take(1),
      catchError((err: unknown) => of(fail(err instanceof Error ? err.message : String(err)))),
      defaultIfEmpty(fail('no answer')),
    );
  };
  return {
    switchPower: (on) => guard(() => device.switchPower(on)),
    read: () => guard(() => device.read()),
  };
}
