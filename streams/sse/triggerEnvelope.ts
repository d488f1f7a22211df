import type { Place, TriggerDef, TriggerEvent } from '../contracts';
import { describeEvent, type TriggerEnvelope } from './envelope';
import { eventTypeOf } from './eventCatalog';

/** What the caller knows about a trigger event besides the event itself. */
export interface TriggerContext {
  readonly eventUuid: string;
  /** The catalog entry, when this process knows the trigger. */
  readonly trigger?: TriggerDef;
  readonly areaNames?: readonly string[];
  readonly relayedFrom?: string;
}

/** A config place as the seed's id and name pair; a bare string is a name. */
function place(p: string | Place | undefined): { id: string | null; name: string | null } {
  if (p === undefined) return { id: null, name: null };
  if (typeof p === 'string') return { id: null, name: p };
  return { id: p.id ?? null, name: p.name ?? null };
}

/** `Device` of `Device.Control`: names say which device a trigger is on, so the hub always knows. */
function deviceOfName(name: string): string {
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The envelope of an accepted trigger input: the seed's shape, adapted to triggers. */
export function triggerEnvelope(e: TriggerEvent, ctx: TriggerContext): TriggerEnvelope {
  const type = eventTypeOf(e.type, e.kind);
  const onOff = e.type === 'On/Off' && typeof e.value === 'string' ? { subtype: e.value.toUpperCase(), subtypeDisplayName: e.value } : {};
  const displayState = e.type === 'OneShot' ? 'Fired' : String(e.value);
  const { receivedAt: _local, ...rawEvent } = e;
  const device = place(ctx.trigger?.device);
  const location = place(ctx.trigger?.location);
  const space = place(ctx.trigger?.space);
  return {
    eventUuid: ctx.eventUuid,
    seq: e.seq,
    timestamp: e.timestamp,
    organizationId: e.organization,
    triggerName: e.name,
    triggerDisplayName: ctx.trigger?.displayName ?? e.name,
    value: e.value,
    id: e.id,
    deviceId: device.id ?? deviceOfName(e.name),
    deviceName: device.name,
    locationId: location.id,
    locationName: location.name,
    spaceId: space.id,
    spaceName: space.name,
    areaNames: ctx.areaNames ?? [],
    source: e.source,
    kind: e.kind,
    event: describeEvent(e.category, type, displayState, { ...onOff, triggerType: e.type }),
    rawEvent,
    ...(ctx.relayedFrom !== undefined && { relayedFrom: ctx.relayedFrom }),
  };
}
