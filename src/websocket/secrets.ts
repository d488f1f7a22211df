import { randomBytes, randomInt } from 'node:crypto';

/** Prefix of every WebSocket client token, so a leaked one is recognizable in a scanner. */
export const TOKEN_PREFIX = 'hvn_';

/** A new client token: 256 random bits, URL-safe. Shown once; only its hash is stored. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export { hashSecret } from '../secrets/hashSecret';

/** A short random id with a readable prefix (`client_3f9a…`, `area_…`). */
export function generateId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

/** Unambiguous for people typing it on a panel: no 0/O, 1/I/L. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * A pairing code a person types on a panel: 8 characters shown as `ABCD-EFGH` (~39 bits). Short-
 * lived, single-use and rate limited per IP, which is what makes that length enough.
 */
export function generatePairingCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** A typed code in canonical form: upper case, no separators or spaces. */
export function normalizePairingCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}
