import type { Decision, RawTrigger, TriggerDef, TriggerEvent } from '../../streams/contracts';
import { validateTrigger, type ValidTrigger } from '../../streams/gating/validateTrigger';

/** A small catalog with one trigger of each type. */
export const TRIGGERS: ReadonlyMap<string, TriggerDef> = new Map<string, TriggerDef>([
  ['Phone.Button', { name: 'Phone.Button', type: 'On/Off', category: 'buttons' }],
  ['Phone.Hook', { name: 'Phone.Hook', type: 'On/Off', category: 'buttons' }],
  ['Dial.Number', { name: 'Dial.Number', type: 'Discrete', category: 'dials', values: [1, 2, 3, 'star'] }],
  ['Dial.Level', { name: 'Dial.Level', type: 'Continuous', category: 'dials', min: 0, max: 100 }],
  ['Dial.Pitch', { name: 'Dial.Pitch', type: 'Continuous', category: 'dials' }],
  ['Door.Bell', { name: 'Door.Bell', type: 'OneShot', category: 'bells', organization: 'acme' }],
]);

let nextTicket = 1;

/** A RawTrigger with test defaults: an HTTP event from 127.0.0.1 with no id. */
export function raw(name: string, fields: Partial<Omit<RawTrigger, 'name'>> = {}): RawTrigger {
  return { ticket: nextTicket++, source: 'HTTP', kind: 'event', name, remote: '127.0.0.1', receivedAt: 0, ...fields };
}

/** A TriggerEvent with test defaults, for reducer tests. */
export function event(name: string, fields: Partial<Omit<TriggerEvent, 'name'>> = {}): TriggerEvent {
  return {
    seq: 1,
    kind: 'event',
    name,
    value: 'On',
    id: null,
    type: 'On/Off',
    category: 'buttons',
    organization: 'default',
    source: 'HTTP',
    timestamp: '2026-01-11T18:35:00.000Z',
    receivedAt: 0,
    ...fields,
  };
}

/** A decision in a few words, so marble expectations read as a log: `#3 Dial.Level=40` or `cooldown`. */
export function brief(decision: Decision): string {
  return decision.accepted ? `#${decision.event.seq} ${decision.event.name}=${decision.event.value}` : decision.reason;
}

/** The ValidTrigger the gate sees for a RawTrigger built like `raw`. */
export function valid(name: string, fields: Partial<Omit<RawTrigger, 'name'>> = {}): ValidTrigger {
  const result = validateTrigger(raw(name, fields), TRIGGERS);
  if (!result.ok) throw new Error(`test setup: ${result.message}`);
  return result;
}
