import type { TriggerDef, TriggerEvent } from '../contracts';
import { categoryDisplayName, EVENT_TYPE_NAMES, type EventType } from './eventCatalog';

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
  /** The trigger config's `device.id`, else the `Device` part of `Device.Control`. */
  readonly deviceId: string;
  readonly deviceName: string | null;
  /** The trigger config's `location` and `space`; null where it gives none. */
  readonly locationId: string | null;
  readonly locationName: string | null;
  readonly spaceId: string | null;
  readonly spaceName: string | null;
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

/** What the caller adds to a bus payload: its uuid, the time now, and its origin when relayed. */
export interface BusEventContext {
  readonly eventUuid: string;
  /** UTC ISO 8601, used when the payload carries no timestamp. */
  readonly now: string;
  readonly relayedFrom?: string;
}

/** The `event` block of an envelope; `extra` adds subtype and trigger type where there are some. */
export function describeEvent(category: string, type: EventType, displayState: string, extra: Partial<EventDescriptor> = {}): EventDescriptor {
  return { category, categoryDisplayName: categoryDisplayName(category), type, typeDisplayName: EVENT_TYPE_NAMES[type], ...extra, displayState };
}
