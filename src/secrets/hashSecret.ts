import { createHash } from 'node:crypto';

/**
 * SHA-256 of a secret, hex: how every token and API key is stored. A plain hash is enough for
 * 256-bit random secrets (no dictionary to try); it also makes the lookup a primary-key read, with
 * no timing to learn from a comparison.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
