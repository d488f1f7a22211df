/**
 * The words of the power service: what a socket measures, what its actor is asked to do, what it
 * answers and what happened as a result. Pure types, shared by `streams/power` and `src/power`.
 */
import type { Observable } from 'rxjs';

/** One measurement of a socket, normalized across drivers (Shelly Wh, Tasmota kWh → Wh). */
export interface PowerReading {
  /** Relay state as the device reports it. */
  readonly output: boolean;
  readonly powerW: number;
  readonly voltageV: number;
  readonly currentA: number;
  /** Energy counter of the device, in Wh. */
  readonly energyWh: number;
  /** Device temperature in °C when it reports one. */
  readonly temperatureC: number | null;
}

/** A device call's outcome as a value: a driver never throws at its caller. */
export type DeviceResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** What the socket machine needs from a device, as cold observables of one result each. */
export interface SocketDevice {
  /** Switches the relay; resolves once the device confirmed. */
  switchPower(on: boolean): Observable<DeviceResult<void>>;
  read(): Observable<DeviceResult<PowerReading>>;
}

/** What the hub believes about the relay: `unknown` after a failed switch or before the first read. */
export type PowerState = 'on' | 'off' | 'unknown';

/** A running instance as the reference count sees it. */
export interface RunningInstance {
  readonly instanceId: string;
  /** Monotonic ms (the scheduler's clock) at which the instance is emergency-stopped. */
  readonly deadlineAt: number;
}

/** One socket's reference count: the relay and the instances holding it. */
export interface SocketLedger {
  readonly power: PowerState;
  /** In start order. Non-empty only while the socket is (or is being made) on. */
  readonly running: readonly RunningInstance[];
  /** Last device problem, cleared by the next successful device call. */
  readonly fault: string | null;
}

/** Why an instance stopped. `manual`, `deleted` and `trigger` count as manual stops. */
export type StopReason = 'manual' | 'deleted' | 'trigger' | 'emergency' | 'device_off';

/** Who asked for an emergency stop: the instance's deadline, or a person (`POST /api/emergency-stop`). */
export type EmergencyCause = 'timeout' | 'request';

/** The socket actor's mailbox messages. */
export type SocketCommand =
  | { readonly type: 'start'; readonly instanceId: string; readonly deadlineAt: number }
  | { readonly type: 'stop'; readonly instanceId: string; readonly reason: StopReason }
  | { readonly type: 'emergency'; readonly instanceId: string; readonly cause: EmergencyCause }
  /** Periodic measurement (skipped while the socket is known to be off). */
  | { readonly type: 'sample' }
  /** Read the device and make it agree with the ledger (at start, after a restart). */
  | { readonly type: 'reconcile' };

/** The answer to the one who sent a command. */
export type SocketReply =
  | { readonly ok: true; readonly kind: 'started'; readonly instanceId: string; readonly triggeredPowerOn: boolean; readonly reading: PowerReading }
  | { readonly ok: true; readonly kind: 'stopped'; readonly instanceId: string; readonly triggeredPowerOff: boolean }
  | {
      readonly ok: true;
      readonly kind: 'emergency_stopped';
      readonly instanceId: string;
      readonly stoppedInstances: readonly string[];
      readonly triggeredPowerOff: boolean;
    }
  | { readonly ok: true; readonly kind: 'sampled'; readonly reading: PowerReading | null }
  /** `unavailable`: the actor is stopping (never produced by the machine itself). */
  | { readonly ok: false; readonly code: 'conflict' | 'not_running' | 'device' | 'unavailable'; readonly message: string };

/** What happened, in order, for records and events. */
export type SocketEffect =
  | { readonly type: 'power_on'; readonly instanceId: string }
  | { readonly type: 'power_off'; readonly instanceId: string | null; readonly reason: StopReason | 'reconcile' }
  | { readonly type: 'instance_started'; readonly instanceId: string; readonly triggeredPowerOn: boolean; readonly reading: PowerReading }
  | { readonly type: 'instance_stopped'; readonly instanceId: string; readonly reason: StopReason; readonly triggeredPowerOff: boolean }
  | { readonly type: 'emergency_stop'; readonly instanceId: string; readonly cause: EmergencyCause; readonly stoppedInstances: readonly string[] }
  | { readonly type: 'sample'; readonly reading: PowerReading; readonly instanceIds: readonly string[] }
  | { readonly type: 'fault'; readonly operation: string; readonly error: string }
  | { readonly type: 'recovered' };

/** The machine's output: `busy` when a command starts, `done` with its reply, effects and the new ledger. */
export type SocketStep<C extends SocketCommand = SocketCommand> =
  | { readonly type: 'busy'; readonly command: C }
  | { readonly type: 'done'; readonly command: C; readonly reply: SocketReply; readonly effects: readonly SocketEffect[]; readonly ledger: SocketLedger };
