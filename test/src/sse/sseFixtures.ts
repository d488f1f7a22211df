import { writeFileSync } from 'node:fs';
import { runTempFolder } from '../../helpers/tempFolders';
import { waitFor } from '../../helpers/waitFor';
import { join } from 'node:path';
import type { Decision } from '../../../streams/contracts';
import type { ApiKeyRole } from '../../../src/keys/apiKey';
import { createApiKeys } from '../../../src/keys/apiKeys';
import { startHub, type TestHub } from '../../helpers/hub';

/** Two organizations: acme (the default) with one trigger of each type, globex with a door. */
const TRIGGERS = {
  default_organization: 'acme',
  triggers: [
    { name: 'Phone.Button', type: 'On/Off', category: 'buttons', device: 'Red Telephone', displayName: 'Red button' },
    { name: 'Dial.Number', type: 'Discrete', category: 'dials', values: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
    { name: 'Dial.Level', type: 'Continuous', category: 'dials', min: 0, max: 100 },
    { name: 'Fog.Burst', type: 'OneShot', category: 'effects' },
    {
      name: 'Globex.Door',
      type: 'On/Off',
      category: 'access',
      organization: 'globex',
      device: { id: 'device_123', name: 'Front Door' },
      location: { id: 'loc_789', name: 'Main Building' },
      space: 'Lobby',
    },
  ],
};

let triggerDir: string | undefined;

/** The test trigger catalog, written once per process to a temporary file. */
export function triggerConfigFile(): string {
  triggerDir ??= runTempFolder('haven-sse-triggers-');
  const file = join(triggerDir, 'trigger_config.json');
  writeFileSync(file, JSON.stringify(TRIGGERS));
  return file;
}

/** A hub on loopback with the test catalog, sources off, and the SSE settings given. */
export function startSseHub(overrides: Record<string, any> = {}, options: Parameters<typeof startHub>[1] = {}): Promise<TestHub> {
  const config = {
    ...overrides,
    trigger: { config_file: triggerConfigFile(), sources: { TCP: { enabled: false }, MODBUS: { enabled: false } }, ...(overrides.trigger ?? {}) },
    websocket: { enabled: false, ...(overrides.websocket ?? {}) },
    sse: { heartbeat_ms: 60000, ...(overrides.sse ?? {}) },
  };
  return startHub(config, options);
}

/** Creates an API key in the hub's store, as `haven keys create` does. */
export function createKey(hub: TestHub, organization: string | null, role: ApiKeyRole = 'viewer'): { key: string; id: string } {
  const result = createApiKeys({ store: hub.runtime.store }).create({ organization, role, name: `test ${organization}` });
  if (!result.ok) throw new Error(result.error);
  return { key: result.key, id: result.info.id };
}

/** Reports an event straight into the gateway (the HTTP route does the same); fails unless accepted. */
export async function fire(hub: TestHub, name: string, value: unknown = 'On', kind: 'event' | 'status' = 'event'): Promise<number> {
  const decision: Decision = await hub.runtime.report({ source: 'HTTP', kind, name, value, id: null });
  if (!decision.accepted) throw new Error(`${name}=${String(value)} rejected: ${decision.reason}`);
  return decision.event.seq;
}

/** Polls `check` until it holds (a condition with a failure timeout, not a timing assertion). */
export const until = (check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> => waitFor(check, what, ms);
