import type { Logger } from '../log';
import type { AdminService } from './adminService';

/** Admin id of the token taken from the environment. */
export const ENV_ADMIN_ID = 'admin';

/** Shorter tokens are ignored: a bootstrap admin with a guessable token is worse than none. */
const MIN_LENGTH = 16;

/**
 * The environment's admin token (variable `websocket.admin_token_env`), hashed into the store as
 * the token of the admin `admin`, so a fresh install has an admin without running the CLI. The
 * token itself is never logged.
 */
export function bootstrapAdmin(admin: AdminService, env: NodeJS.ProcessEnv, variable: string, log: Logger): void {
  const token = env[variable];
  if (token === undefined || token === '') return;
  if (token.length < MIN_LENGTH) {
    log.warn(`${variable} is shorter than ${MIN_LENGTH} characters; ignored`);
    return;
  }
  admin.ensureAdmin(ENV_ADMIN_ID, token);
  log.info(`admin '${ENV_ADMIN_ID}' accepts the token from ${variable}`);
}
