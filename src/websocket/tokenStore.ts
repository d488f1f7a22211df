import type { Store } from '../storage/store';
import { generateToken, hashSecret } from './secrets';

/** Where the tokens are stored (hashed); the credentials check reads them too. */
export const WS_TOKENS_COLLECTION = 'ws_tokens';

/** What the store keeps per token: never the token itself, only who it belongs to. */
export interface TokenRecord {
  readonly clientId: string;
  /** UTC ISO 8601. */
  readonly createdAt: string;
}

/** Client tokens, stored as SHA-256 hashes in the `ws_tokens` collection (key: the hash). */
export interface TokenStore {
  /** A new token for `clientId`; the plaintext is returned once and never stored. */
  issue(clientId: string): string;
  /** The client a presented token belongs to, or undefined (unknown or revoked). */
  verify(token: string): TokenRecord | undefined;
  /** Makes every token of `clientId` unusable; returns how many there were. */
  revokeAll(clientId: string): number;
  /** Accepts `token` for `clientId` from now on (the admin token from the environment). */
  accept(token: string, clientId: string): void;
}

export function createTokenStore(store: Store, utcNow: () => string): TokenStore {
  const docs = store.collection<TokenRecord>(WS_TOKENS_COLLECTION);
  return {
    issue(clientId) {
      const token = generateToken();
      docs.put(hashSecret(token), { clientId, createdAt: utcNow() });
      return token;
    },
    verify(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 512) return undefined;
      return docs.get(hashSecret(token));
    },
    revokeAll(clientId) {
      return store.transaction(() => {
        let n = 0;
        for (const [hash, record] of docs.entries()) if (record.clientId === clientId && docs.delete(hash)) n++;
        return n;
      });
    },
    accept(token, clientId) {
      const hash = hashSecret(token);
      if (docs.get(hash)?.clientId !== clientId) docs.put(hash, { clientId, createdAt: utcNow() });
    },
  };
}
