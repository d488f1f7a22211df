import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_FILE, validatorsCode } from '../../../src/validation/validatorsCode';
import { configKeys, validators } from '../../../src/validation/validators';

describe('validators compiled ahead of time', () => {
  it('the committed module is what the schemas compile to today (after changing a schema, run `npm run validators`)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8') === validatorsCode(), `${GENERATED_FILE} is stale: run \`npm run validators\``).to.equal(true);
  });

  it('are generated without loading the generated module (a stale or broken one must not stop `npm run validators`)', () => {
    // In a process of its own: this one has loaded the generated module already.
    const script = `require(${JSON.stringify(join(__dirname, '../../../src/validation/validatorsCode'))});
      process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('validators.generated'))));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { encoding: 'utf8' }));
    expect(loaded).to.deep.equal([]);
  });

  it('check as Ajv compiles them: every problem reported, defaults filled in', () => {
    const body: Record<string, unknown> = { name: '', value: {}, extra: 1 };
    expect(validators.triggerInput(body)).to.equal(false);
    expect(validators.triggerInput.errors?.map((e) => e.keyword)).to.have.members(['additionalProperties', 'minLength', 'type']);
    const log: Record<string, unknown> = {};
    expect(validators.log(log)).to.equal(true);
    expect(log).to.have.property('log').that.is.an('object');
  });

  it('know every top-level section of haven.json', () => {
    expect([...configKeys]).to.include.members(['$schema', 'comm', 'journal', 'mqtt', 'websocket']);
  });
});
