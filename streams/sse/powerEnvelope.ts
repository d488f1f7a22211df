import type { PowerEvent } from '../busMessages';
import { describeEvent, type BusEventContext, type PowerEnvelope } from './envelope';
import { EVENT_TYPE_NAMES, POWER_CATEGORY, type EventType } from './eventCatalog';

/** The bus payload of topic `power`. */
export type PowerChange = PowerEvent;

const POWER_TYPES: Record<PowerChange['type'], EventType> = {
  power_on: 'POWER_ON',
  power_off: 'POWER_OFF',
  instance_started: 'INSTANCE_STARTED',
  instance_stopped: 'INSTANCE_STOPPED',
  emergency_stop: 'EMERGENCY_STOP',
  fault: 'POWER_FAULT',
  sample: 'POWER_SAMPLE',
};

/** The envelope of a power socket event: category `power`, the socket's organization. */
export function powerEnvelope(p: PowerChange, { eventUuid, now, relayedFrom }: BusEventContext): PowerEnvelope {
  const type = POWER_TYPES[p.type] ?? 'POWER_FAULT';
  const instance = p.instanceId !== undefined ? { subtype: p.instanceId, subtypeDisplayName: p.instanceId } : {};
  return {
    eventUuid,
    seq: null,
    timestamp: p.timestamp ?? now,
    organizationId: p.organization,
    socketName: p.socket,
    instanceId: p.instanceId ?? null,
    data: p.data ?? {},
    event: describeEvent(POWER_CATEGORY, type, EVENT_TYPE_NAMES[type], instance),
    ...(relayedFrom !== undefined && { relayedFrom }),
  };
}
