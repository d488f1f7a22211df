import type { TriggerKind, TriggerType } from '../contracts';

/**
 * The event types a stream can carry, with the names people read. Trigger events take their type
 * from the trigger's type; the hub's own events (services, power sockets) have types of their own.
 * Status updates (`kind: status`, cache-only inputs of `POST /api/trigger-status`) are shown too,
 * as STATUS_UPDATED, because a dashboard wants the state they set; filter them out with `eventTypes`.
 */
export const EVENT_TYPE_NAMES = {
  STATE_CHANGED: 'State Changed',
  VALUE_CHANGED: 'Value Changed',
  FIRED: 'Fired',
  STATUS_UPDATED: 'Status Updated',
  SERVICE_CONNECTED: 'Service Connected',
  SERVICE_CONNECTING: 'Service Connecting',
  SERVICE_DISCONNECTED: 'Service Disconnected',
  SERVICE_STATUS_CHANGED: 'Service Status Changed',
  POWER_ON: 'Power On',
  POWER_OFF: 'Power Off',
  INSTANCE_STARTED: 'Instance Started',
  INSTANCE_STOPPED: 'Instance Stopped',
  EMERGENCY_STOP: 'Emergency Stop',
  POWER_FAULT: 'Power Fault',
  POWER_SAMPLE: 'Power Sample',
} as const;

/** Every value of `event.type` in an envelope. */
export type EventType = keyof typeof EVENT_TYPE_NAMES;

export const EVENT_TYPES = Object.keys(EVENT_TYPE_NAMES) as readonly EventType[];

/** Category of service connection events: hub-wide, shown to every organization. */
export const SYSTEM_CATEGORY = 'system';
/** Category of power socket events (shared with triggers whose category is `power`). */
export const POWER_CATEGORY = 'power';

/** True when `name` is one of the event types. */
export function isEventType(name: string): name is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_TYPE_NAMES, name);
}

/** The event type of an accepted trigger input. */
export function eventTypeOf(type: TriggerType, kind: TriggerKind): EventType {
  if (kind === 'status') return 'STATUS_UPDATED';
  if (type === 'On/Off') return 'STATE_CHANGED';
  if (type === 'OneShot') return 'FIRED';
  return 'VALUE_CHANGED';
}

/** The seed's category names where they are not the category's words (`access` is "Access Control"). */
const SEED_CATEGORY_NAMES: Readonly<Record<string, string>> = { access: 'Access Control' };

/**
 * The seed's name of a category, else its words capitalized (`show_lights` → `Show Lights`):
 * categories are free-form in the trigger config.
 */
export function categoryDisplayName(category: string): string {
  if (Object.prototype.hasOwnProperty.call(SEED_CATEGORY_NAMES, category)) return SEED_CATEGORY_NAMES[category];
  return category
    .split(/[_\-\s.]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}
