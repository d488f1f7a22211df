import { randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../secrets/hashSecret';
import type { Store } from '../storage/store';
import { API_KEY_PATTERN, API_KEY_ROLES, ORGANIZATION_PATTERN, type ApiKeyInfo, type ApiKeyRecord, type ApiKeyRole, type VerifyResult } from './apiKey';

export interface ApiKeysDeps {
  readonly store: Store;
  /** UTC ISO 8601 now. */
  readonly utcNow?: () => string;
  readonly randomBytes?: (size: number) => Buffer;
}

export interface NewKey {
  readonly organization: string | null;
  readonly role?: ApiKeyRole;
  readonly name?: string | null;
}

export type CreateResult = { readonly ok: true; readonly key: string; readonly info: ApiKeyInfo } | { readonly ok: false; readonly error: string };

export type RevokeResult = { readonly ok: true; readonly info: ApiKeyInfo } | { readonly ok: false; readonly error: string };

/** The API key registry over the store: create, list, revoke, verify. */
export interface ApiKeys {
  create(spec: NewKey): CreateResult;
  /** Every key, oldest first, revoked ones included. */
  list(): ApiKeyInfo[];
  revoke(id: string): RevokeResult;
  /** Checks a presented key; reads the store every time, so a revocation from the CLI counts at once. */
  verify(presented: string): VerifyResult;
  /** The key with this id as it stands now (streams re-check it at every heartbeat). */
  get(id: string): ApiKeyInfo | undefined;
}

export const API_KEYS_COLLECTION = 'api_keys';

function info({ hash: _secret, ...rest }: ApiKeyRecord): ApiKeyInfo {
  return rest;
}

/**
 * API keys stored hashed (SHA-256: the secret is 256 random bits, so a slow hash adds nothing).
 * The key is returned once by `create` and never stored or logged.
 */
export function createApiKeys({ store, utcNow = () => new Date().toISOString(), randomBytes = nodeRandomBytes }: ApiKeysDeps): ApiKeys {
  const keys = store.collection<ApiKeyRecord>(API_KEYS_COLLECTION);
  return {
    create({ organization, role = 'viewer', name = null }) {
      if (organization !== null && !ORGANIZATION_PATTERN.test(organization))
        return { ok: false, error: `Invalid organization id '${organization}': use letters, digits, '_', '.', '-' (at most 64)` };
      if (!API_KEY_ROLES.includes(role)) return { ok: false, error: `Invalid role '${role}' (roles: ${API_KEY_ROLES.join(', ')})` };
      if (name !== null && (name.length === 0 || name.length > 100)) return { ok: false, error: 'A key name has 1 to 100 characters' };
      let id = randomBytes(8).toString('hex');
      while (keys.get(id)) id = randomBytes(8).toString('hex');
      const key = `hvn_${id}_${randomBytes(32).toString('hex')}`;
      const record: ApiKeyRecord = { id, name, organization, role, hash: hashSecret(key), createdAt: utcNow(), revokedAt: null };
      keys.put(id, record);
      return { ok: true, key, info: info(record) };
    },
    list: () => keys.entries().map(([, record]) => info(record)),
    revoke(id) {
      const record = keys.get(id);
      if (!record) return { ok: false, error: `No API key with id '${id}'` };
      if (record.revokedAt !== null) return { ok: false, error: `API key '${id}' was already revoked at ${record.revokedAt}` };
      const revoked = { ...record, revokedAt: utcNow() };
      keys.put(id, revoked);
      return { ok: true, info: info(revoked) };
    },
    verify(presented) {
      const match = API_KEY_PATTERN.exec(presented);
      if (!match) return { ok: false, problem: 'malformed' };
      const record = keys.get(match[1]);
      // Constant-time comparison of equal-length hashes: the secret does not leak through timing.
      if (!record || !timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hashSecret(presented), 'hex'))) return { ok: false, problem: 'unknown' };
      if (record.revokedAt !== null) return { ok: false, problem: 'revoked' };
      return { ok: true, key: info(record) };
    },
    get(id) {
      const record = keys.get(id);
      return record && info(record);
    },
  };
}
