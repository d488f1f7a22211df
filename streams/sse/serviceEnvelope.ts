import { describeEvent, type BusEventContext, type ServiceEnvelope } from './envelope';
import { SYSTEM_CATEGORY, type EventType } from './eventCatalog';

/**
 * The bus payload of topic `services` (see `src/bus/messages.ts`), as far as envelopes need it.
 * `protocol` and `timestamp` are optional because the dispatcher's own status changes do not
 * carry them; the envelope then says null and the time it was built.
 */
export interface ServiceChange {
  readonly service: string;
  readonly protocol?: string;
  readonly status: string;
  readonly previous: string;
  readonly timestamp?: string;
  readonly detail?: string;
}

function serviceType(status: string): EventType {
  if (status === 'connected') return 'SERVICE_CONNECTED';
  if (status === 'connecting') return 'SERVICE_CONNECTING';
  if (status === 'backoff' || status === 'closed') return 'SERVICE_DISCONNECTED';
  return 'SERVICE_STATUS_CHANGED';
}

/** The envelope of a service status change: category `system`, hub-wide (organization null). */
export function serviceEnvelope(c: ServiceChange, { eventUuid, now, relayedFrom }: BusEventContext): ServiceEnvelope {
  return {
    eventUuid,
    seq: null,
    timestamp: c.timestamp ?? now,
    organizationId: null,
    serviceName: c.service,
    protocol: c.protocol ?? null,
    status: c.status,
    previousStatus: c.previous,
    ...(c.detail !== undefined && { detail: c.detail }),
    event: describeEvent(SYSTEM_CATEGORY, serviceType(c.status), c.status),
    ...(relayedFrom !== undefined && { relayedFrom }),
  };
}
