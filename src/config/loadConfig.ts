import type { ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { TriggerDef } from '../../streams/contracts';
import { allowedHostsErrors } from '../security/allowedHosts';
import { whitelistErrors } from './compileWhitelist';
import type { HavenConfig } from './havenConfig';
import { isUnder } from '../../streams/sources/mqttInput';
import { configKeys, configSections, objectDefaults, validators } from '../validation/validators';
import { CONFIG_DIR } from './repositoryPaths';

/** A config problem, naming the file and the field, thrown at start: the hub does not run on a bad config. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}: ${field || '(root)'} ${detail}`);
    this.name = 'ConfigError';
  }

  /** The same problem, said of `file` (a check that sees the config, not the file it came from). */
  in(file: string): ConfigError {
    return new ConfigError(file, this.field, this.detail);
  }
}

function firstError(file: string, errors: ErrorObject[] | null | undefined): ConfigError {
  const e = errors?.[0];
  if (!e) return new ConfigError(file, '', 'is invalid');
  const allowed = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
  // A key outside a list of names (propertyNames): the whitelist's source names.
  const badKey = (e as { propertyName?: string }).propertyName;
  if (badKey !== undefined) return new ConfigError(file, e.instancePath || '', `has a key '${badKey}' that is none of${allowed}`);
  const extra = e.keyword === 'additionalProperties' ? ` ('${(e.params as { additionalProperty: string }).additionalProperty}')` : '';
  return new ConfigError(file, e.instancePath || '', `${e.message}${extra}${allowed}`);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '', `cannot be read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, '', `is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Validates a haven config object (a parsed file, or `{}` for the embedded defaults) and fills in
 * every default. `file` names the source in errors. The input is not modified.
 */
export function validateHavenConfig(raw: unknown, file = '(embedded defaults)'): HavenConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(file, '', 'must be a JSON object');
  const config = structuredClone(raw) as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!configKeys.has(key))
      throw new ConfigError(file, `/${key}`, `is not a known section (known: ${[...configKeys].filter((k) => k !== '$schema').join(', ')})`);
  }
  fillObjectDefaults(config);
  for (const validate of configSections) {
    if (!validate(config)) throw firstError(file, validate.errors);
  }
  const whitelist = (config as unknown as HavenConfig).trigger.gating.whitelist;
  const bad = whitelistErrors(whitelist);
  if (bad.length) throw new ConfigError(file, '/trigger/gating/whitelist', `has invalid entries: ${bad.join('; ')}`);
  const hosts = allowedHostsErrors((config as unknown as HavenConfig).services.allowed_hosts);
  if (hosts.length)
    throw new ConfigError(file, '/services/allowed_hosts', `has entries that are neither a CIDR block, an address nor a host name: ${hosts.join('; ')}`);
  const topics = mqttTopicErrors((config as unknown as HavenConfig).mqtt);
  if (topics) throw new ConfigError(file, topics.at, topics.message);
  return config as unknown as HavenConfig;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Fills in, under an object a config gives, the settings of that object's documented default it
 * leaves out (`"OSC": {"priority": 5}` stays off; `"http": {"host": "0.0.0.0"}` keeps port 5001):
 * "write only what differs" holds for every setting, not only for whole objects left out.
 */
function fillObjectDefaults(config: Record<string, unknown>): void {
  for (const { path, value } of objectDefaults) {
    let node: unknown = config;
    for (const key of path) node = isPlainObject(node) ? node[key] : undefined;
    if (!isPlainObject(node)) continue;
    for (const [key, setting] of Object.entries(value)) if (!(key in node)) node[key] = structuredClone(setting);
  }
}

/** Two topic prefixes that are equal or one inside the other. */
const nested = (a: string, b: string): boolean => a === b || isUnder(a, b) || isUnder(b, a);

/**
 * MQTT topics that would read Haven's own publishes back (an input prefix overlapping an output
 * one: each refusal would be read and refused again, without end) or map a device onto a topic
 * only Haven may publish to.
 */
function mqttTopicErrors(mqtt: HavenConfig['mqtt']): { at: string; message: string } | undefined {
  const inputs = ['trigger', 'status'] as const;
  const outputs = ['event', 'state', 'error'] as const;
  const all = [...inputs, ...outputs];
  for (const [i, a] of all.entries())
    for (const b of all.slice(i + 1))
      if (nested(mqtt.topics[a], mqtt.topics[b]))
        return {
          at: `/mqtt/topics/${b}`,
          message: `overlaps topics.${a} ('${mqtt.topics[b]}' and '${mqtt.topics[a]}'): each prefix needs a topic tree of its own`,
        };
  for (const [i, entry] of mqtt.map.entries())
    for (const out of outputs)
      if (entry.topic === mqtt.topics[out] || isUnder(entry.topic, mqtt.topics[out]))
        return { at: `/mqtt/map/${i}/topic`, message: `is under topics.${out} ('${mqtt.topics[out]}'), where only Haven publishes` };
  return undefined;
}

/** Loads and validates the trigger catalog; duplicate names and inconsistent constraints are errors. */
export function loadTriggerConfig(file: string, defaultOrganization?: string): { triggers: Map<string, TriggerDef>; defaultOrganization: string } {
  const raw = readJson(file);
  const validate = validators.triggerConfig;
  if (!validate(raw)) throw firstError(file, validate.errors);
  const doc = raw as { default_organization: string; triggers: TriggerDef[] };
  const org = defaultOrganization ?? doc.default_organization;
  const map = new Map<string, TriggerDef>();
  doc.triggers.forEach((t, i) => {
    const at = `/triggers/${i}`;
    if (map.has(t.name)) throw new ConfigError(file, `${at}/name`, `duplicates trigger '${t.name}'`);
    if (t.type === 'Discrete' && !t.values) throw new ConfigError(file, `${at}/values`, `is required for Discrete trigger '${t.name}'`);
    if (t.type !== 'Discrete' && t.values) throw new ConfigError(file, `${at}/values`, `is only allowed on Discrete triggers ('${t.name}' is ${t.type})`);
    if (t.min !== undefined && t.max !== undefined && t.min > t.max) throw new ConfigError(file, `${at}/min`, `must not exceed max (${t.min} > ${t.max})`);
    if ((t.min !== undefined || t.max !== undefined) && t.type !== 'Continuous')
      throw new ConfigError(file, `${at}/min`, `range is only allowed on Continuous triggers ('${t.name}' is ${t.type})`);
    map.set(t.name, { ...t, organization: t.organization ?? org });
  });
  return { triggers: map, defaultOrganization: org };
}

/** Where things are read from when the hub starts. */
export interface ConfigSources {
  /** Haven config file; absent means the embedded defaults. */
  readonly configFile?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** What relative paths in a config file and the embedded defaults (`data`, `config/trigger_config.json`) are relative to (default: the repository root). */
  readonly baseDir?: string;
  /** What relative paths from the environment and the command line are relative to (default: the current folder). */
  readonly cwd?: string;
}

/** A config with its readonly fields opened, for the overrides applied between the two validations. */
type Writable<T> = { -readonly [K in keyof T]: Writable<T[K]> };

/**
 * Reads the haven config (file or defaults), applies env overrides, validates it. A relative path
 * from the environment (`HAVEN_DATA_DIR`, what `haven start --data` sets) is the current folder's,
 * as a shell means it; one in a config file or an embedded default is the repository's (`baseDir`),
 * where `npm start` runs. Not the config file's folder: a config in a subfolder naming `data` has
 * always meant the repository's data, and reading it elsewhere would start on an empty log, seqs from 1.
 */
export function loadHavenConfig({ configFile, env = process.env, baseDir = resolve(CONFIG_DIR, '..'), cwd = process.cwd() }: ConfigSources = {}): HavenConfig {
  const file = configFile ?? env.HAVEN_CONFIG;
  const raw = file ? readJson(resolve(cwd, file)) : {};
  const config = validateHavenConfig(raw, file ?? '(embedded defaults)') as Writable<HavenConfig>;
  const relativeTo = (fromEnv: string | undefined): string => (fromEnv ? cwd : baseDir);
  // Environment overrides for the settings people change most when deploying.
  if (env.HAVEN_HTTP_PORT) config.comm.http.port = Number(env.HAVEN_HTTP_PORT);
  if (env.HAVEN_HTTP_HOST) config.comm.http.host = env.HAVEN_HTTP_HOST;
  if (env.HAVEN_DATA_DIR) config.storage.data_dir = env.HAVEN_DATA_DIR;
  if (env.REDIS_URL) config.bus.redis_url = env.REDIS_URL;
  if (env.HAVEN_TRIGGER_CONFIG) config.trigger.config_file = env.HAVEN_TRIGGER_CONFIG;
  const catalog = config.trigger.config_file;
  if (!isAbsolute(catalog)) config.trigger.config_file = resolve(relativeTo(env.HAVEN_TRIGGER_CONFIG), catalog);
  const data = config.storage.data_dir;
  if (data !== ':memory:' && !isAbsolute(data)) config.storage.data_dir = resolve(relativeTo(env.HAVEN_DATA_DIR), data);
  return validateHavenConfig(config, file ?? '(environment)');
}
