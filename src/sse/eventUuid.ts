import { createHash } from 'node:crypto';

/**
 * A name-based UUID (version 5 layout over SHA-1) for `key`: the same event gets the same
 * `eventUuid` in every stream, replayed or live, and in every hub process that relays it
 * (the key is the accepting process's bus origin and the event's seq).
 */
export function nameUuid(key: string): string {
  const bytes = createHash('sha1').update('haven-event:').update(key).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
