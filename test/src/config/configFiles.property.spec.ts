import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadHavenConfig, loadTriggerConfig, validateHavenConfig } from '../../../src/config/loadConfig';
import { CONFIG_DIR } from '../../../src/config/repositoryPaths';

/** Runs per property (`HAVEN_PROPERTY_RUNS` for a longer hunt). */
const NUM_RUNS = Number(process.env.HAVEN_PROPERTY_RUNS) || 150;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside `doc`, the root excluded. */
function pathsOf(doc: Json, at: (string | number)[] = []): (string | number)[][] {
  if (doc === null || typeof doc !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(doc) ? doc.map((_, i) => i) : Object.keys(doc);
  return keys.flatMap((k) => [[...at, k], ...pathsOf((doc as Record<string | number, Json>)[k], [...at, k])]);
}

type Mutation = { kind: 'set'; value: Json } | { kind: 'delete' } | { kind: 'add'; key: string; value: Json };

/** `doc` with the value at `path` replaced, removed, or given an extra field. */
function mutate(doc: Json, path: (string | number)[], m: Mutation): Json {
  const copy = structuredClone(doc);
  if (path.length === 0) return m.kind === 'set' ? m.value : copy;
  const parent = path.slice(0, -1).reduce<any>((node, k) => node[k], copy);
  const last = path[path.length - 1];
  if (m.kind === 'set') parent[last] = m.value;
  else if (m.kind === 'delete') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
  else if (typeof parent[last] === 'object' && parent[last] !== null && !Array.isArray(parent[last])) parent[last][m.key] = m.value;
  return copy;
}

const json = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: json.map((value) => ({ kind: 'set' as const, value })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Mutation>({ kind: 'set', value: -1 }, { kind: 'set', value: 1e21 }, { kind: 'set', value: '' }, { kind: 'set', value: 0.5 }),
  },
  { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'delete' }) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 10 }), json).map(([key, value]) => ({ kind: 'add' as const, key, value })) },
);

/** Several mutations of `doc` at random paths. */
function mutated(doc: Json): fc.Arbitrary<Json> {
  const paths = pathsOf(doc);
  return fc
    .array(fc.tuple(fc.nat({ max: paths.length - 1 }), mutation), { minLength: 1, maxLength: 3 })
    .map((ms) => ms.reduce((d, [i, m]) => (pathsOf(d)[i] ? mutate(d, pathsOf(d)[i], m) : d), doc));
}

/** A ConfigError that names `file` and a field (a JSON pointer, or the root), never another error. */
function expectConfigError(err: unknown, file: string, input: unknown): void {
  const what = JSON.stringify(input)?.slice(0, 300);
  expect(err, what).to.be.instanceOf(ConfigError);
  expect((err as Error).message, what).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (/.*|\\(root\\)) \\S`));
}

describe('config files, property-based: a bad config is a ConfigError naming the file and the field, never a crash', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'haven-config-prop-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The full haven config with every default filled in: the valid document to mutate. */
  const defaults = validateHavenConfig({}) as unknown as Json;
  const catalog = JSON.parse(readFileSync(join(CONFIG_DIR, 'trigger_config.json'), 'utf8')) as Json;

  it('validateHavenConfig: a mutated full config is valid or a ConfigError', () => {
    fc.assert(
      fc.property(mutated(defaults), (doc) => {
        try {
          validateHavenConfig(doc, 'haven.json');
        } catch (err) {
          expectConfigError(err, 'haven.json', doc);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('validateHavenConfig: any JSON value is valid or a ConfigError', () => {
    fc.assert(
      fc.property(
        fc.oneof(json, fc.dictionary(fc.constantFrom('comm', 'trigger', 'services', 'storage', 'sse', 'websocket', 'power', 'log', 'metrics'), json)),
        (doc) => {
          try {
            validateHavenConfig(doc, 'haven.json');
          } catch (err) {
            expectConfigError(err, 'haven.json', doc);
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('loadHavenConfig: a file of any text, or a mutated config, with env overrides of any text', () => {
    const file = join(dir, 'haven.json');
    const text = fc.oneof(
      mutated(defaults).map((d) => JSON.stringify(d)),
      fc.string({ maxLength: 60 }),
      fc.constantFrom('', '\ufeff{}', '{"comm":', 'null', '[]', '{"__proto__":{"x":1}}'),
    );
    const env = fc.record(
      {
        HAVEN_HTTP_PORT: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('0', '65536', '-1', '5001', '1e3')),
        HAVEN_HTTP_HOST: fc.string({ maxLength: 10 }),
        HAVEN_DATA_DIR: fc.constantFrom(':memory:', 'data', ''),
        REDIS_URL: fc.string({ maxLength: 12 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(text, env, (body, vars) => {
        writeFileSync(file, body);
        try {
          loadHavenConfig({ configFile: file, env: vars, baseDir: dir });
        } catch (err) {
          const what = `${body.slice(0, 200)} ${JSON.stringify(vars)}`;
          expect(err, what).to.be.instanceOf(ConfigError);
          expect((err as Error).message, what).to.match(/^(\S+haven\.json|\(environment\)): (\/.*|\(root\)) \S/);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('loadTriggerConfig: a mutated catalog, or any text, loads or is a ConfigError', () => {
    const file = join(dir, 'trigger_config.json');
    const text = fc.oneof(
      { weight: 4, arbitrary: mutated(catalog).map((d) => JSON.stringify(d)) },
      { weight: 1, arbitrary: json.map((d) => JSON.stringify(d)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    );
    fc.assert(
      fc.property(text, (body) => {
        writeFileSync(file, body);
        try {
          const { triggers } = loadTriggerConfig(file);
          for (const t of triggers.values()) expect(t.organization, body).to.be.a('string');
        } catch (err) {
          expectConfigError(err, file, body);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
