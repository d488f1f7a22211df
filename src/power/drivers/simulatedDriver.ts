import type { Collection } from '../../storage/store';
import { ok, type SocketDriver } from './socketDriver';

/** What a simulated plug remembers across restarts, like a real relay keeps its state. */
export interface SimulatedPlugState {
  readonly on: boolean;
  readonly energyWh: number;
}

/** The simulated plug's load and where it keeps its state. */
export interface SimulatedConfig {
  readonly name: string;
  /** The load's draw while on, W. */
  readonly loadWatts: number;
  readonly voltage: number;
  /** Monotonic ms; energy accumulates with it. */
  readonly clock: () => number;
  /** Keeps the relay and the meter across restarts (absent: in memory). */
  readonly state?: Collection<SimulatedPlugState>;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * A deterministic plug for installations without hardware and for tests: a resistive load of
 * `loadWatts` at `voltage` while on, nothing while off, its meter integrating power over the
 * injected clock. Always answers at once.
 */
export function createSimulatedDriver({ name, loadWatts, voltage, clock, state }: SimulatedConfig): SocketDriver {
  const saved = state?.get(name);
  let on = saved?.on ?? false;
  let energyWh = saved?.energyWh ?? 0;
  let since = clock();
  const advance = () => {
    const now = clock();
    if (on) energyWh += (loadWatts * (now - since)) / 3_600_000;
    since = now;
  };
  return {
    kind: 'simulated',
    async switchPower(next) {
      advance();
      on = next;
      state?.put(name, { on, energyWh });
      return ok(undefined);
    },
    async read() {
      advance();
      const powerW = on ? loadWatts : 0;
      return ok({ output: on, powerW, voltageV: voltage, currentA: round(powerW / voltage, 3), energyWh: round(energyWh, 3), temperatureC: null });
    },
  };
}
