import type { PowerState, StopReason } from '../../streams/power/powerContracts';

/** The energy object read from the device when the instance started. */
export interface InstanceEnergy {
  /** The device's energy counter, Wh. */
  readonly totalWh: number;
  readonly powerW: number;
  readonly voltageV: number;
  readonly currentA: number;
  readonly temperatureC: number | null;
  readonly timestamp: string;
}

/** Who started an instance: an HTTP client, or a bound trigger's event. */
export type InstanceOrigin = { readonly kind: 'http' } | { readonly kind: 'trigger'; readonly trigger: string; readonly seq: number };

/**
 * The seed's `InstanceData`, plus where it runs and why it stopped. Timestamps are UTC ISO 8601.
 * Stored in the `power_instances` collection, so a restart finds running instances and their
 * emergency deadline.
 */
export interface InstanceData {
  readonly id: string;
  readonly socket: string;
  readonly energy: InstanceEnergy;
  /** Amperage per sampling interval (the most recent `max_samples_per_instance`). */
  readonly amperagePerSecond: number[];
  /** ms after which the instance is emergency-stopped if nobody stops it. */
  readonly emergencyStopTimeout: number;
  /** Wall-clock moment of that emergency stop; kept across restarts. */
  readonly emergencyStopDeadline: string;
  readonly startTimestamp: string;
  readonly stopTimestamp: string | null;
  /** When the socket was powered on for the cycle this instance ran in. */
  readonly powerOnTimestamp: string | null;
  /** When the socket was powered off as this instance stopped; null if others still held it. */
  readonly powerOffTimestamp: string | null;
  readonly isEmergencyStopped: boolean;
  readonly isManuallyStopped: boolean;
  readonly stopReason: StopReason | null;
  readonly origin: InstanceOrigin;
}

/** One power cycle of a socket (the seed's `PowerStatus`). */
export interface PowerStatus {
  readonly powerOn: { readonly instanceId: string; readonly timestamp: string } | null;
  /** `instanceId` null when the hub switched off a socket nobody held, or found it off. */
  readonly powerOff: { readonly instanceId: string | null; readonly timestamp: string; readonly reason: string } | null;
}

/** What a socket keeps across restarts (the `power_sockets` collection). */
export interface SocketRecord {
  readonly powerStatus: PowerStatus[];
  readonly latestEmergencyStopTimeoutInstanceId: string | null;
  readonly latestEmergencyStop: {
    readonly instanceId: string;
    readonly cause: string;
    readonly stoppedInstances: readonly string[];
    readonly timestamp: string;
  } | null;
  readonly lastFault: { readonly operation: string; readonly error: string; readonly timestamp: string } | null;
  readonly lastSample: {
    readonly currentA: number;
    readonly powerW: number;
    readonly voltageV: number;
    readonly energyWh: number;
    readonly timestamp: string;
  } | null;
}

/** A socket actor's status: `starting` until the device was first read. */
export type SocketStatus = 'starting' | 'on' | 'off' | 'faulted' | 'stopped';

/** The seed's `serverData` for one socket: its record plus the live reference count. */
export interface ServerData extends SocketRecord {
  readonly socket: string;
  readonly driver: string;
  readonly status: SocketStatus;
  readonly power: PowerState;
  readonly fault: string | null;
  readonly runningInstances: readonly string[];
  readonly instancesStarting: readonly string[];
  /** Instances whose stop is switching the socket off right now. */
  readonly instancesStopping: readonly string[];
}

/** A socket that has never been switched. */
export const EMPTY_SOCKET_RECORD: SocketRecord = {
  powerStatus: [],
  latestEmergencyStopTimeoutInstanceId: null,
  latestEmergencyStop: null,
  lastFault: null,
  lastSample: null,
};

/** Store collection of InstanceData, by instance id. */
export const INSTANCES = 'power_instances';
/** Store collection of SocketRecord, by socket name. */
export const SOCKETS = 'power_sockets';
/** Store collection of the simulated plugs' relay and meter, by socket name. */
export const SIMULATED = 'power_simulated';
