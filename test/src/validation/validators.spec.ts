import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { GENERATED_FILE, validatorsCode } from '../../../src/validation/validatorsCode';
import { configKeys, validators } from '../../../src/validation/validators';

describe('validators compiled ahead of time', () => {
  it('the committed module is what the schemas compile to today (after changing a schema, run `npm run validators`)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8') === validatorsCode(), `${GENERATED_FILE} is stale: run \`npm run validators\``).to.equal(true);
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
