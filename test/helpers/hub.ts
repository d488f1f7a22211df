import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HavenConfig } from '../../src/config/havenConfig';
import { validateHavenConfig } from '../../src/config/loadConfig';
import type { Component } from '../../src/hub';
import { createLogger } from '../../src/log';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/runtime';

type DeepPartial<T> = { -readonly [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge(base: any, over: any): any {
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out = { ...(base ?? {}) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

/** A config for tests: every listener on 127.0.0.1 port 0, data in a fresh temporary folder unless the overrides or `dataDir` name one. */
export function testConfig(overrides: DeepPartial<HavenConfig> & Record<string, unknown> = {}, dataDir?: string): HavenConfig {
  const base = {
    comm: {
      http: { host: '127.0.0.1', port: 0 },
      tcp: { host: '127.0.0.1', port: 0 },
      modbus: { host: '127.0.0.1', port: 0 },
      osc: { host: '127.0.0.1', port: 0 },
    },
    mqtt: { broker: { listen: { host: '127.0.0.1', port: 0 } } },
    storage: { data_dir: dataDir ?? (overrides.storage?.data_dir === undefined ? mkdtempSync(join(tmpdir(), 'haven-test-')) : undefined) },
    shutdown: { reconnect_after_ms: 100, grace_ms: 200 },
  };
  const config = validateHavenConfig(merge(base, overrides), '(test config)') as any;
  // The trigger catalog is the repository's example unless the test names another.
  config.trigger.config_file = join(__dirname, '..', '..', config.trigger.config_file);
  if ((overrides as any).trigger?.config_file) config.trigger.config_file = (overrides as any).trigger.config_file;
  return config;
}

export interface TestHub {
  readonly runtime: Runtime;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly config: HavenConfig;
  component<C extends Component>(name: string): C;
  /** Stops the hub; removes its data folder unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/** Starts a whole hub on loopback with free ports; `stop()` it in `afterEach`. */
export async function startHub(
  overrides: DeepPartial<HavenConfig> & Record<string, unknown> = {},
  options: Partial<RuntimeOptions> & { dataDir?: string } = {},
): Promise<TestHub> {
  const config = testConfig(overrides, options.dataDir);
  const removeData = () => {
    if (config.storage.data_dir !== ':memory:') rmSync(config.storage.data_dir, { recursive: true, force: true });
  };
  const runtime = createRuntime({ log: createLogger('Haven', (process.env.HAVEN_LOG_LEVEL as any) ?? 'silent'), ...options, config });
  try {
    await runtime.start();
  } catch (err) {
    await runtime.stop().catch(() => undefined);
    // A folder of this call's making; one the test named stays its own.
    if (options.dataDir === undefined && overrides.storage?.data_dir === undefined) removeData();
    throw err;
  }
  const { port } = runtime.address();
  return {
    runtime,
    config,
    url: `http://127.0.0.1:${port}`,
    component: <C extends Component>(name: string) => {
      const c = runtime.components.find((p) => p.name === name);
      if (!c) throw new Error(`no component ${name}`);
      return c as C;
    },
    async stop({ keepData = false } = {}) {
      await runtime.stop();
      if (!keepData) removeData();
    },
  };
}
