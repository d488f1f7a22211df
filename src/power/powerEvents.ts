import type { SocketEffect } from '../../streams/power/powerContracts';
import type { PowerEvent } from '../bus/bus';

/** Where the events of one socket come from. */
export interface PowerEventOrigin {
  readonly socket: string;
  readonly organization: string;
}

/**
 * The bus events for what a command did (topic `power`), for WebSocket and SSE clients. A
 * recovery is not an event of its own: the next successful operation says it.
 */
export function toPowerEvents(
  effects: readonly SocketEffect[],
  { socket, organization }: PowerEventOrigin,
  timestamp: string,
  emergencyStopTimeout?: number,
): PowerEvent[] {
  const base = { socket, organization, timestamp };
  return effects.flatMap((e): PowerEvent[] => {
    switch (e.type) {
      case 'power_on':
        return [{ ...base, type: 'power_on', instanceId: e.instanceId }];
      case 'power_off':
        return [{ ...base, type: 'power_off', ...(e.instanceId ? { instanceId: e.instanceId } : {}), data: { reason: e.reason } }];
      case 'instance_started':
        return [
          {
            ...base,
            type: 'instance_started',
            instanceId: e.instanceId,
            data: { triggeredPowerOn: e.triggeredPowerOn, emergencyStopTimeout, energyWh: e.reading.energyWh },
          },
        ];
      case 'instance_stopped':
        return [{ ...base, type: 'instance_stopped', instanceId: e.instanceId, data: { reason: e.reason, triggeredPowerOff: e.triggeredPowerOff } }];
      case 'emergency_stop':
        return [{ ...base, type: 'emergency_stop', instanceId: e.instanceId, data: { cause: e.cause, stoppedInstances: e.stoppedInstances } }];
      case 'sample': {
        const { currentA, powerW, voltageV, energyWh, temperatureC } = e.reading;
        return [{ ...base, type: 'sample', data: { currentA, powerW, voltageV, energyWh, temperatureC, instances: e.instanceIds } }];
      }
      case 'fault':
        return [{ ...base, type: 'fault', data: { operation: e.operation, error: e.error } }];
      case 'recovered':
        return [];
    }
  });
}
