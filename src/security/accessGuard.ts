import type { IncomingMessage } from 'node:http';
import type { Context, Middleware, Next } from 'koa';
import { retryAfterSeconds } from '../api/errors';
import type { AuthFailureLimiter } from './authFailureLimiter';
import { adminOfKey, isAdmin, isDevice, type Credentials } from './credentials';
import { isLoopback } from './loopback';
import { accessOf } from './routeAccess';

/** How to get a first admin credential: said at start and in every protected-mode 403. */
export const CREATE_ADMIN_HINT =
  "create an admin credential on the hub's machine: `npx haven keys create --role admin --no-org --name ops` (send it as `x-api-key: <key>`) or `npx haven tokens create-admin --name ops` (send `Authorization: Bearer <token>`)";

export interface AccessGuardDeps {
  readonly credentials: Credentials;
  readonly failures: AuthFailureLimiter;
  /** `security.protected_mode`. */
  readonly protectedMode: boolean;
  /** `security.device_keys`: the sources whose inputs need a device key. */
  readonly deviceKeys: ReadonlySet<string>;
  /** The caller's address; the socket's by default. Tests inject another to play a remote caller without leaving loopback. */
  readonly peerAddress: (req: IncomingMessage) => string | undefined;
}

/** The answer a protected-mode refusal carries: why, and how to get past it. */
const PROTECTED_MODE_BODY = {
  error: `Protected mode: no admin key or token exists yet, so management routes answer only callers on this machine (loopback). To manage the hub from elsewhere, ${CREATE_ADMIN_HINT}; or set security.protected_mode to false.`,
  protectedMode: true,
} as const;

const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

/**
 * The one door of the REST API, in front of every router (Redis's protected mode, Mosquitto 2's
 * refusal of anonymous remote clients):
 *
 * - **management** with no admin credential in the store: loopback callers only (403 with how to
 *   make one); once one exists, an admin credential from every address, loopback included.
 * - **ingestion** of a source listed in `security.device_keys`: a device or admin API key
 *   (`x-api-key` or `Authorization: Bearer`); WEB also takes a WebSocket token (its areas are
 *   checked by the WEB source). Other sources stay open, as the seed's devices send nothing.
 * - an address with too many failed authentications is refused 429 with `Retry-After` on every
 *   request that needs or carries a credential; every 401 answered here or below counts as one.
 */
export function createAccessGuard(deps: AccessGuardDeps): Middleware {
  const { credentials, failures, protectedMode, deviceKeys, peerAddress } = deps;

  const demand = (ctx: Context, wantAdmin: boolean, tokensCount: boolean): void => {
    const presented = credentials.identify({ authorization: ctx.get('authorization') || undefined, 'x-api-key': ctx.req.headers['x-api-key'] });
    if (!presented.ok) {
      if (presented.problem === 'missing')
        ctx.throw(
          401,
          wantAdmin
            ? 'Missing credentials: send an admin key (x-api-key) or an admin token (Authorization: Bearer)'
            : 'Missing device key: send it in x-api-key (or Authorization: Bearer)',
          {
            headers: BEARER_CHALLENGE,
          },
        );
      ctx.throw(401, presented.message, { headers: BEARER_CHALLENGE });
    }
    const { principal } = presented;
    if (wantAdmin) {
      if (!isAdmin(principal)) ctx.throw(403, 'Admin role required');
      ctx.state.admin = principal.kind === 'api_key' ? adminOfKey(principal.key) : principal.client;
    } else if (!isDevice(principal, tokensCount)) ctx.throw(403, 'A device or admin key is required for this source');
  };

  return async (ctx: Context, next: Next): Promise<void> => {
    const access = accessOf(ctx);
    const ip = peerAddress(ctx.req) ?? 'unknown';
    const carries = Boolean(ctx.get('authorization') || ctx.get('x-api-key') || (access.kind === 'stream' && ctx.query.apiKey));
    const needs = access.kind === 'management' || access.kind === 'stream' || (access.kind === 'ingestion' && deviceKeys.has(access.source));
    if (needs || carries) {
      const wait = failures.blockedForMs(ip);
      if (wait !== null) {
        const retry = retryAfterSeconds(wait);
        ctx.throw(429, `Too many failed authentications from ${ip}; retry in ${retry} s`, { headers: { 'Retry-After': String(retry) } });
      }
    }
    try {
      if (access.kind === 'management') {
        if (credentials.adminConfigured()) demand(ctx, true, false);
        else if (protectedMode && !isLoopback(ip)) {
          ctx.status = 403;
          ctx.body = PROTECTED_MODE_BODY;
          return;
        }
      } else if (access.kind === 'ingestion' && deviceKeys.has(access.source)) demand(ctx, false, access.source === 'WEB');
      await next();
    } catch (err) {
      if ((err as { status?: number }).status === 401) failures.fail(ip);
      throw err;
    }
    if (ctx.status === 401) failures.fail(ip);
  };
}
