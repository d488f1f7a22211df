import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DIR } from '../../../src/config/repositoryPaths';
import type { FsyncPolicy } from '../../../src/config/havenConfig';

/** The trigger the fan-out benchmarks send: a Continuous value wide enough to carry a wall-clock time in ms. */
export const CLOCK_TRIGGER = 'Bench.Clock';
/** The admin token the bench hub accepts (from the environment, as in production). */
export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
export const ADMIN_TOKEN_ENV = 'HAVEN_ADMIN_TOKEN';

/**
 * Writes a haven config for a bench hub under `dir`: every listener on 127.0.0.1 port 0, data in
 * `dir`, the example catalog plus {@link CLOCK_TRIGGER}, the per-IP WebSocket connection limit
 * out of the way (the bench opens thousands of connections from one address), quiet logs.
 * Returns the config file's path.
 */
export function writeHubConfig(dir: string, overrides: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  const catalog = JSON.parse(readFileSync(join(CONFIG_DIR, 'trigger_config.json'), 'utf8'));
  catalog.triggers.push({ name: CLOCK_TRIGGER, type: 'Continuous', category: 'bench', min: 0, max: 1e14, device: 'Bench' });
  const catalogFile = join(dir, 'trigger_config.json');
  writeFileSync(catalogFile, JSON.stringify(catalog, null, 2));
  const config = {
    comm: { http: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 }, modbus: { host: '127.0.0.1', port: 0 } },
    trigger: { config_file: catalogFile },
    storage: { data_dir: join(dir, 'data') },
    websocket: { rate_limit: { max: 1_000_000, window_ms: 1000 }, admin_token_env: ADMIN_TOKEN_ENV },
    shutdown: { reconnect_after_ms: 100, grace_ms: 500 },
    ...overrides,
  };
  const file = join(dir, 'haven.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** The environment a bench hub runs with. */
export function hubEnv(): NodeJS.ProcessEnv {
  return { [ADMIN_TOKEN_ENV]: ADMIN_TOKEN, HAVEN_LOG_LEVEL: 'warn' };
}

/**
 * The config section that runs a hub's event log at `fsync`, for the build in `root` (this one by
 * default). A build from before the log (issue 12) has no such setting and refuses the key, so it
 * gets none and runs as it always did: its row then measures the hub without the log.
 */
export function journalConfig(fsync: FsyncPolicy, root?: string): Record<string, unknown> {
  const schemaFile = join(root ? join(root, 'config') : CONFIG_DIR, 'schemas', 'core.schema.json');
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  return schema.properties?.journal?.properties?.fsync ? { journal: { fsync } } : {};
}
