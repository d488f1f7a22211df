import { expect } from 'chai';
import { validateTrigger } from '../../../streams/gating/validateTrigger';
import { raw, TRIGGERS } from '../fixtures';

function valueOf(name: string, value: unknown, kind: 'event' | 'status' = 'event') {
  const result = validateTrigger(raw(name, { value, kind }), TRIGGERS);
  return result.ok ? { value: result.value } : { reason: result.reason };
}

/** A test title for any value: strings quoted, NaN and undefined as themselves. */
function show(v: unknown): string {
  return typeof v === 'string' || (typeof v === 'object' && v !== null) ? JSON.stringify(v) : String(v);
}

describe('validateTrigger', () => {
  it('rejects an unknown trigger with the seed 404 text', () => {
    expect(validateTrigger(raw('UnknownTrigger', { value: 'On' }), TRIGGERS)).to.deep.equal({
      ok: false,
      reason: 'unknown_trigger',
      message: "Trigger 'UnknownTrigger' not found in configuration",
    });
  });

  it('treats a non-string name as unknown', () => {
    const result = validateTrigger({ ...raw('x'), name: 42 as unknown as string }, TRIGGERS);
    expect(result).to.deep.include({ ok: false, reason: 'unknown_trigger', message: "Trigger '42' not found in configuration" });
  });

  it('returns the input, its definition and the normalized value when valid', () => {
    const input = raw('Phone.Button', { value: 'on', id: 7 });
    expect(validateTrigger(input, TRIGGERS)).to.deep.equal({ ok: true, raw: input, def: TRIGGERS.get('Phone.Button'), value: 'On', id: 7 });
  });

  describe('On/Off', () => {
    for (const [sent, normalized] of [
      ['On', 'On'],
      ['on', 'On'],
      ['ON', 'On'],
      [' On ', 'On'],
      [true, 'On'],
      [1, 'On'],
      ['1', 'On'],
      ['Off', 'Off'],
      ['off', 'Off'],
      [false, 'Off'],
      [0, 'Off'],
      ['0', 'Off'],
    ] as const) {
      it(`normalizes ${show(sent)} to ${normalized}`, () => {
        expect(valueOf('Phone.Button', sent)).to.deep.equal({ value: normalized });
      });
    }
    for (const sent of ['Onn', 'yes', '', 2, -1, 0.5, null, undefined, {}, []]) {
      it(`rejects ${show(sent)}`, () => {
        expect(valueOf('Phone.Button', sent)).to.deep.equal({ reason: 'invalid_value' });
      });
    }
    it('says what was sent and what is allowed', () => {
      const result = validateTrigger(raw('Phone.Button', { value: 'maybe' }), TRIGGERS);
      expect(result).to.deep.include({
        message: 'Trigger \'Phone.Button\' is On/Off and got "maybe"; expected "On" or "Off" (also true/false, 1/0)',
      });
    });
  });

  describe('Discrete', () => {
    it('accepts a listed value as listed', () => {
      expect(valueOf('Dial.Number', 2)).to.deep.equal({ value: 2 });
      expect(valueOf('Dial.Number', 'star')).to.deep.equal({ value: 'star' });
    });
    it('accepts a numeric string for a numeric listed value, as the number', () => {
      expect(valueOf('Dial.Number', '3')).to.deep.equal({ value: 3 });
      expect(valueOf('Dial.Number', ' 3.0 ')).to.deep.equal({ value: 3 });
    });
    for (const sent of [4, '4', 'STAR', '', ' ', true, null, undefined]) {
      it(`rejects ${show(sent)}`, () => {
        expect(valueOf('Dial.Number', sent)).to.deep.equal({ reason: 'invalid_value' });
      });
    }
    it('lists the allowed values in its message', () => {
      expect(validateTrigger(raw('Dial.Number', { value: 9 }), TRIGGERS)).to.deep.include({
        message: 'Trigger \'Dial.Number\' is Discrete and got 9; expected one of 1, 2, 3, "star"',
      });
    });
    it('accepts any string or finite number when no values are declared', () => {
      const open = new Map([['Free', { name: 'Free', type: 'Discrete' as const, category: 'c' }]]);
      expect(validateTrigger(raw('Free', { value: 'anything' }), open)).to.deep.include({ ok: true, value: 'anything' });
      expect(validateTrigger(raw('Free', { value: Infinity }), open)).to.deep.include({ ok: false, reason: 'invalid_value' });
    });
  });

  describe('Continuous', () => {
    it('accepts the range ends and numeric strings', () => {
      expect(valueOf('Dial.Level', 0)).to.deep.equal({ value: 0 });
      expect(valueOf('Dial.Level', 100)).to.deep.equal({ value: 100 });
      expect(valueOf('Dial.Level', '42.5')).to.deep.equal({ value: 42.5 });
    });
    for (const sent of [-0.001, 100.001, '101', NaN, Infinity, '', 'abc', true, null, undefined]) {
      it(`rejects ${show(sent)} (range 0..100)`, () => {
        expect(valueOf('Dial.Level', sent)).to.deep.equal({ reason: 'invalid_value' });
      });
    }
    it('names the range in its message', () => {
      expect(validateTrigger(raw('Dial.Level', { value: 101 }), TRIGGERS)).to.deep.include({
        message: "Trigger 'Dial.Level' is Continuous and got 101; expected a number between 0 and 100",
      });
    });
    it('has no bounds when none are declared', () => {
      expect(valueOf('Dial.Pitch', -1e9)).to.deep.equal({ value: -1e9 });
    });
  });

  describe('OneShot', () => {
    it('ignores the value', () => {
      expect(valueOf('Door.Bell', 'whatever')).to.deep.equal({ value: null });
      expect(valueOf('Door.Bell', undefined)).to.deep.equal({ value: null });
    });
    it('refuses a status: there is nothing to cache', () => {
      expect(valueOf('Door.Bell', undefined, 'status')).to.deep.equal({ reason: 'invalid_value' });
    });
  });

  it('validates statuses of stateful triggers like events', () => {
    expect(valueOf('Phone.Button', 'off', 'status')).to.deep.equal({ value: 'Off' });
    expect(valueOf('Phone.Button', 'nope', 'status')).to.deep.equal({ reason: 'invalid_value' });
  });

  describe('id', () => {
    for (const id of [undefined, null, 0, 1, Number.MAX_SAFE_INTEGER]) {
      it(`accepts ${show(id)}`, () => {
        expect(validateTrigger(raw('Phone.Button', { value: 'On', id }), TRIGGERS)).to.deep.include({ ok: true, id: id ?? null });
      });
    }
    for (const id of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN, '12' as unknown as number]) {
      it(`rejects ${show(id)}`, () => {
        expect(validateTrigger(raw('Phone.Button', { value: 'On', id }), TRIGGERS)).to.deep.include({ ok: false, reason: 'invalid_value' });
      });
    }
  });

  it('rejects a kind other than event or status', () => {
    const input = raw('Phone.Button', { value: 'On', kind: 'command' as unknown as 'event' });
    expect(validateTrigger(input, TRIGGERS)).to.deep.include({ ok: false, reason: 'invalid_value' });
  });
});
