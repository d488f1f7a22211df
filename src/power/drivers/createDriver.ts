import type { SchedulerLike } from 'rxjs';
import type { SocketConfig } from '../powerConfig';
import type { Collection } from '../../storage/store';
import { createShellyDriver } from './shellyDriver';
import { createSimulatedDriver, type SimulatedPlugState } from './simulatedDriver';
import type { SocketDriver } from './socketDriver';
import { createTasmotaDriver } from './tasmotaDriver';

/** What drivers need from the hub. */
export interface DriverDeps {
  readonly clock: () => number;
  /** Where the device timeouts run. */
  readonly scheduler: SchedulerLike;
  readonly simulatedState?: Collection<SimulatedPlugState>;
}

/** `192.168.1.50` → `http://192.168.1.50`; a trailing slash is dropped. */
export function baseUrlOf(address: string): string {
  const withScheme = /^https?:\/\//i.test(address) ? address : `http://${address}`;
  return withScheme.replace(/\/+$/, '');
}

/** The driver a socket's config names. */
export function createDriver(socket: SocketConfig, deps: DriverDeps): SocketDriver {
  switch (socket.driver) {
    case 'simulated':
      return createSimulatedDriver({ name: socket.name, loadWatts: socket.load_watts, voltage: socket.voltage, clock: deps.clock, state: deps.simulatedState });
    case 'shelly':
      return createShellyDriver({ baseUrl: baseUrlOf(socket.address!), channel: socket.channel, timeoutMs: socket.timeout_ms, scheduler: deps.scheduler });
    case 'tasmota':
      return createTasmotaDriver({
        baseUrl: baseUrlOf(socket.address!),
        channel: socket.channel,
        timeoutMs: socket.timeout_ms,
        scheduler: deps.scheduler,
        username: socket.username,
        password: socket.password,
      });
  }
}
