import type { Logger } from '../log';
import type { ClientRecord, Directory } from './directory';
import type { TokenStore } from './tokenStore';

/** Admin id of the token taken from the environment. */
export const ENV_ADMIN_ID = 'admin';

/** Shorter tokens are ignored: a bootstrap admin with a guessable token is worse than none. */
const MIN_LENGTH = 16;

/** Where admins and their tokens are kept. */
export interface AdminStores {
  readonly directory: Directory;
  readonly tokens: TokenStore;
  readonly utcNow: () => string;
}

/**
 * The environment's admin token (variable `websocket.admin_token_env`), hashed into the store as
 * the token of the admin `admin`, so a fresh install has an admin without running the CLI. The
 * runtime takes it at start whether or not the WebSocket transport runs: the management routes
 * need an admin either way. The token itself is never logged.
 */
export function bootstrapAdmin(stores: AdminStores, env: NodeJS.ProcessEnv, variable: string, log: Logger): void {
  const token = env[variable];
  if (token === undefined || token === '') return;
  if (token.length < MIN_LENGTH) {
    log.warn(`${variable} is shorter than ${MIN_LENGTH} characters; ignored`);
    return;
  }
  ensureAdmin(stores, ENV_ADMIN_ID, token);
  log.info(`admin '${ENV_ADMIN_ID}' accepts the token from ${variable}`);
}

/** Accepts `token` as the token of the admin `id`, created if missing (or made an admin again). */
function ensureAdmin({ directory, tokens, utcNow }: AdminStores, id: string, token: string): ClientRecord {
  let admin = directory.client(id);
  if (!admin || admin.role !== 'admin') {
    admin = { id, name: id, role: 'admin', areas: [], createdAt: admin?.createdAt ?? utcNow() };
    directory.putClient(admin);
  }
  tokens.accept(token, id);
  return admin;
}
