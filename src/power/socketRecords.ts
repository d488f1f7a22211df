import type { SocketEffect } from '../../streams/power/powerContracts';
import type { Store } from '../storage/store';
import { EMPTY_SOCKET_RECORD, INSTANCES, SOCKETS, type InstanceData, type InstanceOrigin, type PowerStatus, type SocketRecord } from './instanceData';

/** What a start carries besides the reference count's fields, for the instance's record. */
export interface StartMeta {
  readonly emergencyStopTimeout: number;
  readonly emergencyStopDeadline: string;
  readonly origin: InstanceOrigin;
}

/** One socket's records: its instances and its power history, in the store. */
export interface SocketRecords {
  record(): SocketRecord;
  /** Instances the store says still run on this socket (after a restart: those to restore). */
  running(): InstanceData[];
  /** Writes what one command did, atomically. `meta` belongs to a start. */
  apply(effects: readonly SocketEffect[], timestamp: string, meta?: StartMeta): void;
}

/** Which socket, which store, how much history. */
export interface SocketRecordsDeps {
  readonly socket: string;
  readonly store: Store;
  /** amperagePerSecond keeps this many most recent samples. */
  readonly maxSamples: number;
  /** powerStatus keeps this many most recent cycles. Default 1000. */
  readonly maxPowerCycles?: number;
}

const MANUAL = new Set(['manual', 'deleted', 'trigger']);

/** Effects become records here, in one place, so an HTTP answer and a restart read the same truth. */
export function createSocketRecords({ socket, store, maxSamples, maxPowerCycles = 1000 }: SocketRecordsDeps): SocketRecords {
  const instances = store.collection<InstanceData>(INSTANCES);
  const sockets = store.collection<SocketRecord>(SOCKETS);
  const record = () => sockets.get(socket) ?? EMPTY_SOCKET_RECORD;
  const update = (id: string, fn: (i: InstanceData) => InstanceData) => {
    const current = instances.get(id);
    if (current) instances.put(id, fn(current));
  };

  return {
    record,
    running: () =>
      instances
        .entries()
        .map(([, i]) => i)
        .filter((i) => i.socket === socket && i.stopTimestamp === null),
    apply(effects, now, meta) {
      if (effects.length === 0) return;
      store.transaction(() => {
        let rec = record();
        const cycles = (list: PowerStatus[]) => ({ ...rec, powerStatus: list.slice(-maxPowerCycles) });
        for (const e of effects) {
          switch (e.type) {
            case 'power_on':
              rec = cycles([...rec.powerStatus, { powerOn: { instanceId: e.instanceId, timestamp: now }, powerOff: null }]);
              break;
            case 'power_off': {
              const last = rec.powerStatus.at(-1);
              const powerOff = { instanceId: e.instanceId, timestamp: now, reason: e.reason };
              rec =
                last && last.powerOn && !last.powerOff
                  ? cycles([...rec.powerStatus.slice(0, -1), { ...last, powerOff }])
                  : cycles([...rec.powerStatus, { powerOn: null, powerOff }]);
              break;
            }
            case 'instance_started': {
              const cycle = rec.powerStatus.at(-1);
              const r = e.reading;
              instances.put(e.instanceId, {
                id: e.instanceId,
                socket,
                energy: { totalWh: r.energyWh, powerW: r.powerW, voltageV: r.voltageV, currentA: r.currentA, temperatureC: r.temperatureC, timestamp: now },
                amperagePerSecond: [],
                emergencyStopTimeout: meta?.emergencyStopTimeout ?? 0,
                emergencyStopDeadline: meta?.emergencyStopDeadline ?? now,
                startTimestamp: now,
                stopTimestamp: null,
                powerOnTimestamp: cycle?.powerOn && !cycle.powerOff ? cycle.powerOn.timestamp : null,
                powerOffTimestamp: null,
                isEmergencyStopped: false,
                isManuallyStopped: false,
                stopReason: null,
                origin: meta?.origin ?? { kind: 'http' },
              });
              break;
            }
            case 'instance_stopped':
              update(e.instanceId, (i) => ({
                ...i,
                stopTimestamp: now,
                stopReason: e.reason,
                isEmergencyStopped: e.reason === 'emergency',
                isManuallyStopped: MANUAL.has(e.reason),
                powerOffTimestamp: e.triggeredPowerOff ? now : null,
              }));
              break;
            case 'emergency_stop':
              rec = {
                ...rec,
                latestEmergencyStop: { instanceId: e.instanceId, cause: e.cause, stoppedInstances: e.stoppedInstances, timestamp: now },
                latestEmergencyStopTimeoutInstanceId: e.cause === 'timeout' ? e.instanceId : rec.latestEmergencyStopTimeoutInstanceId,
              };
              break;
            case 'sample': {
              const { currentA, powerW, voltageV, energyWh } = e.reading;
              for (const id of e.instanceIds) update(id, (i) => ({ ...i, amperagePerSecond: [...i.amperagePerSecond, currentA].slice(-maxSamples) }));
              rec = { ...rec, lastSample: { currentA, powerW, voltageV, energyWh, timestamp: now } };
              break;
            }
            case 'fault':
              rec = { ...rec, lastFault: { operation: e.operation, error: e.error, timestamp: now } };
              break;
            case 'recovered':
              break;
          }
        }
        sockets.put(socket, rec);
      });
    },
  };
}
