import type { TriggerDef, TriggerEvent } from '../contracts';
import { categoryDisplayName, EVENT_TYPE_NAMES, eventTypeOf, type EventType, POWER_CATEGORY, SYSTEM_CATEGORY } from './eventCatalog';

/** The seed's `event` block: what happened, in codes and in words. */
export interface EventDescriptor {
  readonly category: string;
  readonly categoryDisplayName: string;
  readonly type: EventType;
  readonly typeDisplayName: string;
  /** On/Off: `ON` / `OFF`; power events: the socket instance when there is one. */
  readonly subtype?: string;
  readonly subtypeDisplayName?: string;
  /** The state a person reads: `On`, `intro`, `42`, `Fired`, `connected`. */
  readonly displayState: string;
  /** Trigger events: the trigger's type. */
  readonly triggerType?: TriggerDef['type'];
}

/** What every envelope has: filters and organization isolation read only these fields. */
export interface EnvelopeBase {
  readonly eventUuid: string;
  /**
   * The accepting process's `trigger_seq` (also the SSE `id:`); null for events that are not in
   * the journal (services, power) and so cannot be resumed.
   */
  readonly seq: number | null;
  readonly timestamp: string;
  /** Owner; null for hub-wide events (service connections), which every organization sees. */
  readonly organizationId: string | null;
  readonly event: EventDescriptor;
  /** Set when another hub process accepted the event (Redis): its bus origin. Its `seq` is that process's. */
  readonly relayedFrom?: string;
}

/** An accepted trigger input. */
export interface TriggerEnvelope extends EnvelopeBase {
  readonly seq: number;
  readonly organizationId: string;
  readonly triggerName: string;
  readonly triggerDisplayName: string;
  readonly value: string | number | null;
  /** The device's own id of the input. */
  readonly id: number | null;
  readonly deviceName: string | null;
  /** Areas (named groups of triggers) that contain the trigger; empty when none. */
  readonly areaNames: readonly string[];
  readonly source: string;
  readonly kind: TriggerEvent['kind'];
  /** The TriggerEvent as the pipeline accepted it, without process-local fields. */
  readonly rawEvent: Omit<TriggerEvent, 'receivedAt'>;
}

/** A registered service connected or lost its connection (bus topic `services`). */
export interface ServiceEnvelope extends EnvelopeBase {
  readonly seq: null;
  readonly organizationId: null;
  readonly serviceName: string;
  /** `TCP_SOCKET`, `TCP_CONNECT`, `OPC`; null when the change did not say. */
  readonly protocol: string | null;
  readonly status: string;
  readonly previousStatus: string;
  /** Why, when the service said (`ECONNREFUSED`). */
  readonly detail?: string;
}

/** A power socket event (bus topic `power`). */
export interface PowerEnvelope extends EnvelopeBase {
  readonly seq: null;
  readonly organizationId: string;
  readonly socketName: string;
  readonly instanceId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export type EventEnvelope = TriggerEnvelope | ServiceEnvelope | PowerEnvelope;

/** What the caller knows about a trigger event besides the event itself. */
export interface TriggerContext {
  readonly eventUuid: string;
  /** The catalog entry, when this process knows the trigger. */
  readonly trigger?: TriggerDef;
  readonly areaNames?: readonly string[];
  readonly relayedFrom?: string;
}

function descriptor(category: string, type: EventType, displayState: string, extra: Partial<EventDescriptor> = {}): EventDescriptor {
  return { category, categoryDisplayName: categoryDisplayName(category), type, typeDisplayName: EVENT_TYPE_NAMES[type], ...extra, displayState };
}

/** The envelope of an accepted trigger input: the seed's shape, adapted to triggers. */
export function triggerEnvelope(e: TriggerEvent, ctx: TriggerContext): TriggerEnvelope {
  const type = eventTypeOf(e.type, e.kind);
  const onOff = e.type === 'On/Off' && typeof e.value === 'string' ? { subtype: e.value.toUpperCase(), subtypeDisplayName: e.value } : {};
  const displayState = e.type === 'OneShot' ? 'Fired' : String(e.value);
  const { receivedAt: _local, ...rawEvent } = e;
  return {
    eventUuid: ctx.eventUuid,
    seq: e.seq,
    timestamp: e.timestamp,
    organizationId: e.organization,
    triggerName: e.name,
    triggerDisplayName: ctx.trigger?.displayName ?? e.name,
    value: e.value,
    id: e.id,
    deviceName: ctx.trigger?.device ?? null,
    areaNames: ctx.areaNames ?? [],
    source: e.source,
    kind: e.kind,
    event: descriptor(e.category, type, displayState, { ...onOff, triggerType: e.type }),
    rawEvent,
    ...(ctx.relayedFrom !== undefined && { relayedFrom: ctx.relayedFrom }),
  };
}

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

/** What the caller adds to a bus payload: its uuid, the time now, and its origin when relayed. */
export interface BusEventContext {
  readonly eventUuid: string;
  /** UTC ISO 8601, used when the payload carries no timestamp. */
  readonly now: string;
  readonly relayedFrom?: string;
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
    event: descriptor(SYSTEM_CATEGORY, serviceType(c.status), c.status),
    ...(relayedFrom !== undefined && { relayedFrom }),
  };
}

/** The bus payload of topic `power` (see `src/bus/messages.ts`). */
export interface PowerChange {
  readonly type: 'power_on' | 'power_off' | 'instance_started' | 'instance_stopped' | 'emergency_stop' | 'fault' | 'sample';
  readonly socket: string;
  readonly instanceId?: string;
  readonly timestamp: string;
  readonly organization: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

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
    event: descriptor(POWER_CATEGORY, type, EVENT_TYPE_NAMES[type], instance),
    ...(relayedFrom !== undefined && { relayedFrom }),
  };
}
