import type { ApiKeyInfo } from '../keys/apiKey';
import type { ApiKeys } from '../keys/apiKeys';

/** A caller whose key is valid and belongs to an organization. */
export interface StreamCaller {
  readonly key: ApiKeyInfo;
  readonly organizationId: string;
}

export type AuthResult = { readonly ok: true; readonly caller: StreamCaller } | { readonly ok: false; readonly status: 401 | 403; readonly error: string };

/**
 * The seed's rules: no key or an unknown (or revoked) one is 401, a key without organization is
 * 403. The messages never echo the key.
 */
export function authenticate(keys: Pick<ApiKeys, 'verify'>, presented: string | undefined, queryAllowed: boolean): AuthResult {
  if (presented === undefined || presented === '') {
    const where = queryAllowed ? 'the x-api-key header (or ?apiKey= where headers cannot be set)' : 'the x-api-key header';
    return { ok: false, status: 401, error: `Missing API key: send it in ${where}` };
  }
  const result = keys.verify(presented);
  if (!result.ok) return { ok: false, status: 401, error: result.problem === 'revoked' ? 'API key revoked' : 'Invalid API key' };
  if (result.key.organization === null) return { ok: false, status: 403, error: 'API key is not associated with an organization' };
  return { ok: true, caller: { key: result.key, organizationId: result.key.organization } };
}
