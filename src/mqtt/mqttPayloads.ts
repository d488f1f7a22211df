import type { CacheEntry, TriggerEvent } from '../../streams/contracts';
import { createWireLines } from '../services/wireLine';

/** `mqtt.publish.payload`: the TCP service's JSON line (plus seq), or the value alone. */
export type MqttPayloadMode = 'json' | 'value';

/**
 * A value alone: text as it is, anything else as JSON (`42.5`, `null`). Never empty: an empty
 * retained payload deletes the retained message, so the empty text is sent as JSON (`""`).
 */
const plain = (value: string | number | null): Buffer => Buffer.from(typeof value === 'string' ? (value === '' ? '""' : value) : JSON.stringify(value), 'utf8');

/** What `haven/event/…` carries for an accepted event: the line a TCP service receives with its seq, without the newline. */
export function eventPayload(event: TriggerEvent, mode: MqttPayloadMode): Buffer {
  if (mode === 'value') return plain(event.value);
  const line = createWireLines(event).get('seq');
  return line.subarray(0, line.length - 1);
}

/** What `haven/state/…` retains for a trigger: the same object as its last event's payload, from the cache. */
export function statePayload(name: string, entry: CacheEntry, mode: MqttPayloadMode): Buffer {
  if (mode === 'value') return plain(entry.value);
  return Buffer.from(JSON.stringify({ name, value: entry.value, id: entry.id, timestamp: entry.timestamp, seq: entry.seq }), 'utf8');
}

/** What `haven/error/<topic>` carries when Haven refused a publish to `<topic>`. */
export function errorPayload(topic: string, reason: string, message: string, name?: string): Buffer {
  return Buffer.from(JSON.stringify({ reason, message, topic, ...(name === undefined ? {} : { name }) }), 'utf8');
}
