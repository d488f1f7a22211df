import type { Logger } from '../log';
import type { AdminStores } from './adminStores';

/** Admin id of the token taken from the environment. */
export const ENV_ADMIN_ID = 'admin';

/** Shorter tokens are ignored: a bootstrap admin with a guessable token is worse than none. */
const MIN_LENGTH = 16;

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
function ensureAdmin({ directory, tokens, utcNow }: AdminStores, id: string, token: string): void {
  const known = directory.client(id);
  if (!known || known.role !== 'admin') directory.putClient({ id, name: id, role: 'admin', areas: [], createdAt: known?.createdAt ?? utcNow() });
  tokens.accept(token, id);
}
