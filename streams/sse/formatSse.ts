import type { SseMessage } from './sseMessage';

/**
 * One message as `text/event-stream` text: `event:`, then `id:` and `retry:` when set, then the
 * JSON as `data:` lines, then the blank line that dispatches it. JSON.stringify never emits a raw
 * newline, but the split keeps the framing right whatever the data holds.
 */
export function formatSse(message: SseMessage): string {
  let text = `event: ${message.event}\n`;
  if ('id' in message && message.id !== undefined) text += `id: ${message.id}\n`;
  if ('retry' in message && message.retry !== undefined) text += `retry: ${Math.max(0, Math.round(message.retry))}\n`;
  for (const line of JSON.stringify(message.data).split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return text + '\n';
}
