import { isNonNegativeInteger, type TriggerKind } from '../contracts';
import { MAX_NAME_LENGTH } from './parseLine';

/**
 * One entry of `mqtt.map`: a topic a device already publishes (Tasmota's `stat/plug1/POWER`,
 * Shelly's `shellies/door/input/0`) and the trigger it stands for, with a fixed `value`, the
 * payload itself, or one field of a JSON payload.
 */
export interface MqttMapEntry {
  readonly topic: string;
  readonly trigger: string;
  readonly kind?: TriggerKind;
  readonly value?: string | number | boolean | null;
  readonly json_field?: string;
}

/** The topic prefixes triggers arrive on (`mqtt.topics.trigger`, `.status`). */
export interface MqttInputTopics {
  readonly trigger: string;
  readonly status: string;
}

/** A publish understood: what to report to the gateway. */
export interface MqttTrigger {
  readonly ok: true;
  readonly kind: TriggerKind;
  readonly name: string;
  readonly value?: unknown;
  readonly id: number | null;
}

/** Why a publish is not a trigger: its topic, or its payload (answered on the error topic). */
export type MqttInputReason = 'unknown_topic' | 'bad_payload';

export interface MqttInputError {
  readonly ok: false;
  readonly reason: MqttInputReason;
  readonly message: string;
}

const JSON_FIELDS = new Set(['value', 'id']);
// A level of a trigger name: nothing MQTT reserves, nothing our names reserve.
const LEVEL = /^[^\s\x00-\x1f\x7f/.#+$]+$/;

const bad = (message: string): MqttInputError => ({ ok: false, reason: 'bad_payload', message });

/** Whether `topic` lies in the tree under `prefix` (`haven/trigger/Stage/Mode` under `haven/trigger`; `haven/triggers/…` not). */
export const isUnder = (topic: string, prefix: string): boolean => topic.startsWith(`${prefix}/`);

/** `Device.Control` from the levels after a prefix, or null when they do not name a trigger. */
function nameOf(rest: string): string | null {
  const levels = rest.split('/');
  if (levels.length < 2 || !levels.every((l) => LEVEL.test(l))) return null;
  const name = levels.join('.');
  return name.length > MAX_NAME_LENGTH ? null : name;
}

/**
 * A payload as a value and an id: empty is no value (a OneShot); `{"value": …, "id": …}` carries
 * types and an id; anything else is the value as text (the gateway reads `On`, `ON`, `1`, `42.5`
 * and listed values from text, as from a TCP line).
 */
export function readMqttPayload(text: string): { ok: true; value?: unknown; id: number | null } | MqttInputError {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, id: null };
  if (trimmed.charCodeAt(0) !== 123 /* { */) return { ok: true, value: trimmed, id: null };
  const doc = parseObject(trimmed);
  if (!doc.ok) return doc;
  for (const key of Object.keys(doc.object)) if (!JSON_FIELDS.has(key)) return bad(`Unknown field ${JSON.stringify(key)}; a JSON payload has "value" and "id"`);
  const { value, id = null } = doc.object;
  if (id !== null && !isNonNegativeInteger(id)) return bad(`"id" must be a non-negative integer (got ${JSON.stringify(id)})`);
  return value === undefined ? { ok: true, id } : { ok: true, value, id };
}

function parseObject(text: string): { ok: true; object: Record<string, unknown> } | MqttInputError {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return bad('The payload starts with { but is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad('A JSON payload must be an object');
  return { ok: true, object: doc as Record<string, unknown> };
}

function fromMap(entry: MqttMapEntry, text: string): MqttTrigger | MqttInputError {
  const kind = entry.kind ?? 'event';
  if (entry.value !== undefined) return { ok: true, kind, name: entry.trigger, value: entry.value, id: null };
  if (entry.json_field === undefined) {
    const read = readMqttPayload(text);
    return read.ok ? { ok: true, kind, name: entry.trigger, ...(read.value === undefined ? {} : { value: read.value }), id: read.id } : read;
  }
  const doc = parseObject(text.trim());
  if (!doc.ok) return bad(`${entry.topic} carries ${entry.trigger} in field ${JSON.stringify(entry.json_field)} of a JSON object: ${doc.message}`);
  const value = doc.object[entry.json_field];
  if (value === undefined) return bad(`${entry.topic} carries ${entry.trigger} in field ${JSON.stringify(entry.json_field)}, which the payload lacks`);
  return { ok: true, kind, name: entry.trigger, value, id: null };
}

/**
 * Reads one MQTT publish as a trigger: a mapped topic first (so a map may take over any topic),
 * then `<trigger prefix>/<Device>/<Control>` (an event) or `<status prefix>/…` (a status), named
 * `Device.Control`. `text` is the payload decoded as UTF-8. Whether the name and value fit a
 * trigger is the gateway's to decide.
 */
export function readMqttPublish(topic: string, text: string, topics: MqttInputTopics, map: ReadonlyMap<string, MqttMapEntry>): MqttTrigger | MqttInputError {
  const mapped = map.get(topic);
  if (mapped) return fromMap(mapped, text);
  const kind: TriggerKind | null = isUnder(topic, topics.trigger) ? 'event' : isUnder(topic, topics.status) ? 'status' : null;
  const forms = `expected ${topics.trigger}/<Device>/<Control>, ${topics.status}/<Device>/<Control> or a mapped topic`;
  if (kind === null) return { ok: false, reason: 'unknown_topic', message: `No trigger at ${topic.slice(0, MAX_NAME_LENGTH)}; ${forms}` };
  const name = nameOf(topic.slice((kind === 'event' ? topics.trigger : topics.status).length + 1));
  if (name === null) return { ok: false, reason: 'unknown_topic', message: `No trigger at ${topic.slice(0, MAX_NAME_LENGTH)}; ${forms}` };
  const read = readMqttPayload(text);
  if (!read.ok) return read;
  return { ok: true, kind, name, ...(read.value === undefined ? {} : { value: read.value }), id: read.id };
}
