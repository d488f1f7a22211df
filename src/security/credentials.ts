import { API_KEY_PATTERN, type ApiKeyInfo, type ApiKeyRecord } from '../keys/apiKey';
import { API_KEYS_COLLECTION, createApiKeys } from '../keys/apiKeys';
import type { Store } from '../storage/store';
import { WS_CLIENTS_COLLECTION, type ClientRecord } from '../websocket/directory';
import { bearerToken } from '../websocket/routes/adminAuth';
import { createTokenStore, WS_TOKENS_COLLECTION, type TokenRecord } from '../websocket/tokenStore';

/** Who a request's credential proves the caller to be. */
export type Principal = { readonly kind: 'api_key'; readonly key: ApiKeyInfo } | { readonly kind: 'token'; readonly client: ClientRecord };

/** A request's credential, read: none, a valid one, or one that is not (never echoed). */
export type Presented =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly problem: 'missing' }
  | { readonly ok: false; readonly problem: 'invalid'; readonly message: string };

/** The headers a credential may come in. */
export interface CredentialHeaders {
  readonly authorization?: string;
  readonly 'x-api-key'?: string | string[];
}

/**
 * Every credential the hub knows, read from the store on each call (a key made by the CLI while
 * the hub runs counts at once): API keys (`viewer`, `device`, `admin`) and WebSocket tokens
 * (`client`, `admin`). Both are stored as SHA-256 hashes; API keys are compared in constant time.
 */
export interface Credentials {
  /** True once any admin credential exists (an unrevoked admin API key, or a token of an admin): protected mode ends. */
  adminConfigured(): boolean;
  /** The credential of `x-api-key` or `Authorization: Bearer` (an API key or a WebSocket token). */
  identify(headers: CredentialHeaders): Presented;
}

/** Is this principal an admin (an admin API key, or an admin's WebSocket token)? */
export function isAdmin(p: Principal): boolean {
  return p.kind === 'api_key' ? p.key.role === 'admin' : p.client.role === 'admin';
}

/** May this principal report inputs where a source asks for device keys? Device and admin API keys, and (WEB) WebSocket tokens. */
export function isDevice(p: Principal, tokensCount: boolean): boolean {
  return p.kind === 'api_key' ? p.key.role === 'device' || p.key.role === 'admin' : tokensCount;
}

/** An admin API key as the admin routes see an admin (`ctx.state.admin`, the `pairedBy` of a pairing). */
export function adminOfKey(key: ApiKeyInfo): ClientRecord {
  return { id: `apikey_${key.id}`, name: key.name ?? `API key ${key.id}`, role: 'admin', areas: [], createdAt: key.createdAt };
}

export function createCredentials(store: Store, utcNow: () => string = () => new Date().toISOString()): Credentials {
  const keys = createApiKeys({ store, utcNow });
  const tokens = createTokenStore(store, utcNow);
  const clientOf = (record: TokenRecord | undefined) => (record ? store.collection<ClientRecord>(WS_CLIENTS_COLLECTION).get(record.clientId) : undefined);

  const viaApiKey = (presented: string): Presented => {
    const result = keys.verify(presented);
    if (result.ok) return { ok: true, principal: { kind: 'api_key', key: result.key } };
    return { ok: false, problem: 'invalid', message: result.problem === 'revoked' ? 'API key revoked' : 'Invalid API key' };
  };
  const viaToken = (presented: string): Presented => {
    const client = clientOf(tokens.verify(presented));
    return client ? { ok: true, principal: { kind: 'token', client } } : { ok: false, problem: 'invalid', message: 'Invalid or revoked token' };
  };

  return {
    adminConfigured() {
      for (const [, key] of store.collection<ApiKeyRecord>(API_KEYS_COLLECTION).entries()) if (key.role === 'admin' && key.revokedAt === null) return true;
      const clients = store.collection<ClientRecord>(WS_CLIENTS_COLLECTION);
      for (const [, token] of store.collection<TokenRecord>(WS_TOKENS_COLLECTION).entries()) if (clients.get(token.clientId)?.role === 'admin') return true;
      return false;
    },
    identify(headers) {
      const apiKey = headers['x-api-key'];
      if (Array.isArray(apiKey)) return { ok: false, problem: 'invalid', message: 'Send one x-api-key header' };
      if (apiKey) return viaApiKey(apiKey);
      const authorization = headers.authorization;
      if (!authorization) return { ok: false, problem: 'missing' };
      const bearer = bearerToken(authorization);
      if (!bearer) return { ok: false, problem: 'invalid', message: 'Malformed Authorization header (expected Bearer <token>)' };
      // The two kinds have different shapes: `hvn_<16 hex>_<64 hex>` is an API key, anything else a token.
      return API_KEY_PATTERN.test(bearer) ? viaApiKey(bearer) : viaToken(bearer);
    },
  };
}
