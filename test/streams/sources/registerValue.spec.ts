import { expect } from 'chai';
import { registerToValue, toInt16 } from '../../../streams/sources/registerValue';
import { TRIGGERS } from '../fixtures';

const def = (name: string) => TRIGGERS.get(name)!;

describe('registerToValue', () => {
  it('reads On/Off as 0 → Off, anything else → On', () => {
    expect(registerToValue(def('Phone.Button'), 0)).to.equal('Off');
    expect(registerToValue(def('Phone.Button'), 1)).to.equal('On');
    expect(registerToValue(def('Phone.Button'), 0xffff)).to.equal('On');
  });

  it('reads a Discrete trigger with text values as an index, passing an index past the list on as a number', () => {
    // Dial.Number's values are [1, 2, 3, 'star']: text among them, so the register is an index.
    expect(registerToValue(def('Dial.Number'), 3)).to.equal('star');
    expect(registerToValue(def('Dial.Number'), 0)).to.equal(1);
    expect(registerToValue(def('Dial.Number'), 9)).to.equal(9);
  });

  it('reads a Discrete trigger with only numeric values as the signed number itself', () => {
    expect(registerToValue({ name: 'D', type: 'Discrete', category: 'c', values: [0, 7, -2] }, 7)).to.equal(7);
    expect(registerToValue({ name: 'D', type: 'Discrete', category: 'c', values: [0, 7, -2] }, 0xfffe)).to.equal(-2);
  });

  it('reads Continuous as a signed integer times scale, without binary noise', () => {
    expect(registerToValue(def('Dial.Level'), 42)).to.equal(42);
    expect(registerToValue(def('Dial.Level'), 0xffff)).to.equal(-1);
    expect(registerToValue(def('Dial.Level'), 3, 0.1)).to.equal(0.3);
    expect(registerToValue(def('Dial.Level'), 215, 0.1)).to.equal(21.5);
  });

  it('gives OneShot no value', () => {
    expect(registerToValue(def('Door.Bell'), 5)).to.equal(null);
  });

  it('toInt16 reads two’s complement', () => {
    expect([toInt16(0), toInt16(0x7fff), toInt16(0x8000), toInt16(0xffff)]).to.deep.equal([0, 32767, -32768, -1]);
  });
});
