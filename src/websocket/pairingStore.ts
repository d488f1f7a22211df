import type { Store } from '../storage/store';
import { generatePairingCode, hashSecret, normalizePairingCode } from './secrets';

/** A pending pairing, stored under the hash of its code in `ws_pairing`. */
export interface PairingRecord {
  /** Name the new client will get unless the panel names itself. */
  readonly name?: string;
  /** Areas the new client starts with. */
  readonly areas: readonly string[];
  /** Wall-clock ms (it must survive a restart, so not the monotonic clock). */
  readonly expiresAt: number;
  /** The admin who created the code. */
  readonly createdBy: string;
}

/** Why a code was not accepted. */
export type PairingFailure = 'unknown' | 'expired';

/** Short-lived, single-use pairing codes; like tokens, only their hashes are stored. */
export interface PairingStore {
  /** A new code valid for `ttlMs`; returned once. */
  create(pairing: Omit<PairingRecord, 'expiresAt'>, ttlMs: number): { code: string; expiresAt: number };
  /** Uses up `code`: its pairing, or why not. A code works once, expired or not. */
  consume(code: string): PairingRecord | PairingFailure;
}

export function createPairingStore(store: Store, now: () => number): PairingStore {
  const docs = store.collection<PairingRecord>('ws_pairing');
  return {
    create(pairing, ttlMs) {
      const at = now();
      // Old codes are purged here, where writes happen anyway, rather than by a timer.
      for (const [hash, p] of docs.entries()) if (p.expiresAt <= at) docs.delete(hash);
      const code = generatePairingCode();
      const expiresAt = at + ttlMs;
      docs.put(hashSecret(normalizePairingCode(code)), { ...pairing, expiresAt });
      return { code, expiresAt };
    },
    consume(code) {
      const hash = hashSecret(normalizePairingCode(code));
      const pairing = docs.get(hash);
      if (!pairing) return 'unknown';
      docs.delete(hash);
      return pairing.expiresAt <= now() ? 'expired' : pairing;
    },
  };
}
