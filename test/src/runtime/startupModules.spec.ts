import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** The libraries a hub on its defaults must not load: each is required where it is first used. */
const LAZY: Record<string, string> = {
  aedes: 'aedes/',
  'mqtt.js': 'mqtt/',
  ioredis: 'ioredis/',
  'osc.js': 'osc/',
  'pino-pretty': 'pino-pretty/',
  "ajv's compiler": 'ajv/dist/core',
};

describe('start-up: what a default hub loads', () => {
  it('keeps the MQTT, Redis and OSC libraries, pino-pretty and the schema compiler out of a hub that uses none of them', () => {
    const probe = `require('./src/runtime/runtime');
      const paths = Object.keys(require.cache).map((k) => k.split('node_modules/').slice(1).join('node_modules/'));
      const lazy = ${JSON.stringify(LAZY)};
      console.log(JSON.stringify(Object.keys(lazy).filter((name) => paths.some((p) => p.startsWith(lazy[name])))));`;
    const run = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', probe], { cwd: ROOT, encoding: 'utf8', timeout: 15_000 });
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop() as string)).to.deep.equal([]);
  });
});
