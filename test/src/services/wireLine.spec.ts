import { expect } from 'chai';
import { createWireLines, fieldsKey, wireLine } from '../../../src/services/wireLine';
import { event } from './helpers';

describe('services/wireLine', () => {
  const seed = event({ name: 'RedTelephone.Button_1', value: 'On', id: 12345, timestamp: '2026-01-11T18:35:00' });

  it('is the seed line: four keys in order, compact, newline-terminated', () => {
    expect(wireLine(seed)).to.equal('{"name":"RedTelephone.Button_1","value":"On","id":12345,"timestamp":"2026-01-11T18:35:00"}\n');
  });

  it('equals JSON.stringify of the seed object', () => {
    const e = event({ name: 'Dial.Number', value: 5, id: 7, timestamp: '2026-01-11T18:36:00.123Z' });
    expect(wireLine(e)).to.equal(JSON.stringify({ name: e.name, value: e.value, id: e.id, timestamp: e.timestamp }) + '\n');
  });

  it('sends null value for OneShot and null id when the device sent none', () => {
    const e = event({ name: 'Fog.Burst', type: 'OneShot', value: null, id: null, timestamp: 't' });
    expect(wireLine(e)).to.equal('{"name":"Fog.Burst","value":null,"id":null,"timestamp":"t"}\n');
  });

  it('escapes what JSON needs escaped and keeps UTF-8', () => {
    const e = event({ name: 'Säule."Licht"\n', value: 'é', id: 1, timestamp: 't' });
    const line = wireLine(e);
    expect(line.split('\n')).to.have.length(2);
    expect(JSON.parse(line)).to.deep.equal({ name: 'Säule."Licht"\n', value: 'é', id: 1, timestamp: 't' });
    expect(createWireLines(e).get('').toString('utf8')).to.equal(line);
  });

  it('adds only the extra fields asked for, in a fixed order', () => {
    const e = event({ seq: 42, name: 'A.B', value: 'On', id: 1, timestamp: 't', source: 'TCP', category: 'fire' });
    expect(wireLine(e, ['source', 'seq', 'source'])).to.equal('{"name":"A.B","value":"On","id":1,"timestamp":"t","seq":42,"source":"TCP"}\n');
    expect(fieldsKey(['source', 'seq', 'source'])).to.equal('seq,source');
    expect(fieldsKey([])).to.equal('');
    expect(fieldsKey(undefined)).to.equal('');
  });

  it('encodes an event once per field set and shares the buffer', () => {
    const lines = createWireLines(seed);
    expect(lines.get('')).to.equal(lines.get(''));
    expect(lines.get('seq,type')).to.equal(lines.get('seq,type'));
    expect(lines.get('').toString()).to.equal(wireLine(seed));
    expect(lines.get('seq,type').toString()).to.equal(wireLine(seed, ['type', 'seq']));
  });
});
