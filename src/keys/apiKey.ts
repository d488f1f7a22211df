/**
 * API keys as the hub stores them. A key belongs to an organization (which events a stream sees)
 * and has a role; only a hash of the key is kept, the key itself is shown once at creation.
 */

/**
 * `viewer` reads its organization's streams; `device` reports inputs where a source asks for device
 * keys (`security.device_keys`); `admin` manages the hub (and sees the per-key breakdown in stream stats).
 */
export type ApiKeyRole = 'viewer' | 'device' | 'admin';

export const API_KEY_ROLES: readonly ApiKeyRole[] = ['viewer', 'device', 'admin'];

/** One key as stored (collection `api_keys`, keyed by `id`). */
export interface ApiKeyRecord {
  /** Public identifier, part of the key itself, safe to print and log. */
  readonly id: string;
  readonly name: string | null;
  /** Null: the key exists but may not open streams (403). */
  readonly organization: string | null;
  readonly role: ApiKeyRole;
  /** SHA-256 of the whole key, hex. */
  readonly hash: string;
  /** UTC ISO 8601. */
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** A key as it may be shown: everything but the hash. */
export type ApiKeyInfo = Omit<ApiKeyRecord, 'hash'>;

/** Why a presented key was not accepted. */
export type ApiKeyProblem = 'malformed' | 'unknown' | 'revoked';

export type VerifyResult = { readonly ok: true; readonly key: ApiKeyInfo } | { readonly ok: false; readonly problem: ApiKeyProblem };

/** `hvn_<id: 16 hex>_<secret: 64 hex>`: the id finds the record, the hash proves the secret. */
export const API_KEY_PATTERN = /^hvn_([0-9a-f]{16})_([0-9a-f]{64})$/;

/** Organization ids: short, printable, usable in URLs and logs. */
export const ORGANIZATION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
