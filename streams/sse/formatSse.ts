import type { SseMessage } from './sseMessage';

/** Each data object's JSON, made once: an event's envelope is one object shared by every stream that sends it. */
const jsonOfData = new WeakMap<object, string>();

/**
 * One message as `text/event-stream` text: `event:`, then `id:` and `retry:` when set, then the
 * JSON as one `data:` line (JSON.stringify escapes every CR and LF, so it never needs more), then
 * the blank line that dispatches it.
 */
export function formatSse(message: SseMessage): string {
  let text = `event: ${message.event}\n`;
  if ('id' in message && message.id !== undefined) text += `id: ${message.id}\n`;
  if ('retry' in message && message.retry !== undefined) text += `retry: ${Math.max(0, Math.round(message.retry))}\n`;
  return `${text}data: ${dataJson(message.data)}\n\n`;
}

function dataJson(data: object): string {
  let json = jsonOfData.get(data);
  if (json === undefined) jsonOfData.set(data, (json = JSON.stringify(data)));
  return json;
}
