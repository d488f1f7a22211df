import type { TriggerDef, TriggerEvent } from '../contracts';
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
    event: describeEvent(e.category, type, displayState, { ...onOff, triggerType: e.type }),
    rawEvent,
    ...(ctx.relayedFrom !== undefined && { relayedFrom: ctx.relayedFrom }),
  };
}
