import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import type { FsyncPolicy } from '../../../src/config/havenConfig';

/** The load's triggers: one per HTTP connection and one per TCP connection, so each one's ids only increase. */
export const HTTP_TRIGGERS = Array.from({ length: 12 }, (_, i) => `Load.Http${String(i).padStart(2, '0')}`);
export const LINE_TRIGGERS = Array.from({ length: 4 }, (_, i) => `Load.Line${i}`);
/** Posted one at a time by the checks (the first event after a restart, the live events after a resume). */
export const PROBE = 'Load.Probe';

/** The `journal` settings a test runs the hub with (the rest are the schema's defaults). */
export interface JournalSettings {
  readonly fsync: FsyncPolicy;
  readonly segment_bytes?: number;
  readonly snapshot_every?: number;
  readonly capacity?: number;
}

/**
 * A temporary folder for hub processes: the trigger catalog, the config file (rewritten by
 * `configure` before each start) and the data folder, with an admin token and an API key made by
 * the CLI in its store, the way an operator makes them.
 */
export interface HubFolder {
  readonly dir: string;
  readonly dataDir: string;
  readonly configFile: string;
  /** `haven tokens create-admin`: Bearer token for `/ws`. */
  readonly adminToken: string;
  /** `haven keys create --org default`: `x-api-key` for the SSE stream. */
  readonly apiKey: string;
  configure(journal: JournalSettings): void;
  remove(): void;
}

export async function createHubFolder(prefix: string): Promise<HubFolder> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'haven.json');
  const catalogFile = join(dir, 'triggers.json');
  mkdirSync(dataDir);
  const names = [...HTTP_TRIGGERS, ...LINE_TRIGGERS, PROBE];
  writeFileSync(
    catalogFile,
    JSON.stringify({ default_organization: 'default', triggers: names.map((name) => ({ name, type: 'On/Off', category: 'load', device: 'Load' })) }),
  );
  const configure = (journal: JournalSettings): void =>
    writeFileSync(
      configFile,
      JSON.stringify({
        comm: { http: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 }, modbus: { host: '127.0.0.1', port: 0 } },
        trigger: { config_file: catalogFile, sources: { MODBUS: { enabled: false } } },
        power: { enabled: false },
        storage: { data_dir: dataDir },
        // Every segment kept: the checks read the whole history.
        journal: { ...journal, retain: { segments: 100_000 } },
        // The watchers in the test process share its CPU with the load; they must never be coalesced or cut as slow.
        websocket: { max_buffered_bytes: 64 << 20, max_pending_messages: 1_000_000, slow_consumer_ms: 600_000 },
        sse: { max_buffered_bytes: 64 << 20 },
        shutdown: { reconnect_after_ms: 100, grace_ms: 500 },
      }),
    );
  configure({ fsync: 'everysec' });
  try {
    const admin = JSON.parse(await cli(dataDir, 'tokens', 'create-admin', '--name', 'log watcher', '--json'));
    const key = JSON.parse(await cli(dataDir, 'keys', 'create', '--org', 'default', '--name', 'log watcher', '--json'));
    return { dir, dataDir, configFile, adminToken: admin.token, apiKey: key.key, configure, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Runs the CLI in-process on `dataDir`; resolves with what it printed, rejects on a non-zero exit. */
async function cli(dataDir: string, ...argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env: { HAVEN_DATA_DIR: dataDir } });
  if (code !== 0) throw new Error(`haven ${argv.join(' ')} exited ${code}: ${err}`);
  return out;
}
