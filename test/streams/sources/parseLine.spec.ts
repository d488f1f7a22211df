import { expect } from 'chai';
import { parseLine } from '../../../streams/sources/parseLine';

describe('parseLine', () => {
  describe('plain lines', () => {
    it('reads NAME, NAME VALUE and NAME VALUE ID as events, values as sent', () => {
      expect(parseLine('Fog.Burst')).to.deep.equal({ ok: true, kind: 'event', name: 'Fog.Burst', id: null });
      expect(parseLine('Stage.Mode intro')).to.deep.equal({ ok: true, kind: 'event', name: 'Stage.Mode', value: 'intro', id: null });
      expect(parseLine('Flame.Intensity 42.5 17')).to.deep.equal({ ok: true, kind: 'event', name: 'Flame.Intensity', value: '42.5', id: 17 });
    });

    it('takes an explicit EVENT keyword, any case, and tabs or repeated spaces between fields', () => {
      expect(parseLine('event\tDoor.Sensor   On\t3')).to.deep.equal({ ok: true, kind: 'event', name: 'Door.Sensor', value: 'On', id: 3 });
    });

    it('reads STATUS NAME VALUE [ID] as a status', () => {
      expect(parseLine('STATUS Door.Sensor Off 9')).to.deep.equal({ ok: true, kind: 'status', name: 'Door.Sensor', value: 'Off', id: 9 });
      expect(parseLine('status Door.Sensor Off')).to.deep.equal({ ok: true, kind: 'status', name: 'Door.Sensor', value: 'Off', id: null });
    });

    it('reads "-" as no value, so a OneShot can carry an id', () => {
      expect(parseLine('Fog.Burst - 17')).to.deep.equal({ ok: true, kind: 'event', name: 'Fog.Burst', id: 17 });
    });

    it('rejects a status without a value, too many fields, and an id that is not a non-negative integer', () => {
      expect(parseLine('STATUS Door.Sensor')).to.deep.include({ ok: false, reason: 'bad_line' });
      expect(parseLine('A B C D')).to.deep.include({
        ok: false,
        reason: 'bad_line',
        message: 'Too many fields (4); expected NAME [VALUE] [ID], STATUS NAME VALUE [ID], or a JSON object. Values with spaces go in a JSON line',
      });
      expect(parseLine('Door.Sensor On -1')).to.deep.equal({ ok: false, reason: 'bad_line', message: 'ID "-1" must be a non-negative integer' });
      expect(parseLine('Door.Sensor On 1e3')).to.deep.include({ ok: false });
      expect(parseLine('Door.Sensor On 99999999999999999999')).to.deep.include({ ok: false });
    });

    it('rejects empty lines and bare keywords', () => {
      expect(parseLine('   ')).to.deep.include({ ok: false, reason: 'bad_line' });
      expect(parseLine('EVENT')).to.deep.include({ ok: false, reason: 'bad_line' });
    });

    it('rejects names with control characters or undecodable bytes, and over-long names', () => {
      expect(parseLine('\u0000\u0001\u0002')).to.deep.include({ ok: false, reason: 'bad_line' });
      expect(parseLine('Door\ufffd\ufffd')).to.deep.include({ ok: false, reason: 'bad_line' });
      expect(parseLine('x'.repeat(201))).to.deep.include({ ok: false, reason: 'bad_line' });
      expect(parseLine('x'.repeat(200))).to.deep.include({ ok: true });
    });
  });

  describe('JSON lines', () => {
    it('reads name, value, id and kind, keeping the JSON types', () => {
      expect(parseLine('{"name":"Flame.Intensity","value":40,"id":5}')).to.deep.equal({ ok: true, kind: 'event', name: 'Flame.Intensity', value: 40, id: 5 });
      expect(parseLine(' {"name":"Door.Sensor","value":true,"kind":"status"} ')).to.deep.equal({
        ok: true,
        kind: 'status',
        name: 'Door.Sensor',
        value: true,
        id: null,
      });
      expect(parseLine('{"name":"Stage.Mode","value":"big finale","timestamp":"x"}')).to.deep.equal({
        ok: true,
        kind: 'event',
        name: 'Stage.Mode',
        value: 'big finale',
        id: null,
      });
    });

    it('names the problem in a bad JSON line', () => {
      expect(parseLine('{"name":')).to.deep.equal({ ok: false, reason: 'bad_line', message: 'Line starts with { but is not valid JSON' });
      expect(parseLine('{"name":"A","valeu":1}')).to.deep.equal({
        ok: false,
        reason: 'bad_line',
        message: 'Unknown field "valeu"; allowed: name, value, id, kind',
      });
      expect(parseLine('{"value":1}')).to.deep.equal({ ok: false, reason: 'bad_line', message: 'Field "name" must be a string' });
      expect(parseLine('{"name":"A","kind":"other"}')).to.deep.include({ ok: false, message: 'Field "kind" must be "event" or "status"' });
      expect(parseLine('{"name":"A","value":[1]}')).to.deep.include({ ok: false, message: 'Field "value" must be a string, number, boolean or null' });
      expect(parseLine('{"name":"A","id":1.5}')).to.deep.include({ ok: false, message: 'Field "id" must be a non-negative integer or null' });
    });
  });
});
