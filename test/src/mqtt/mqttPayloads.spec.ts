import { expect } from 'chai';
import { statePayload } from '../../../src/mqtt/mqttPayloads';

describe('MQTT payloads', () => {
  const entry = (value: string | number | null) => ({ value, id: 4, timestamp: '2026-12-03T06:00:00.000Z', type: 'Discrete' as const, seq: 9 });

  it('sends the value alone in value mode, never an empty payload (which would delete the retained state)', () => {
    expect(['intro', 42.5, null, ''].map((v) => statePayload('Stage.Mode', entry(v), 'value').toString())).to.deep.equal(['intro', '42.5', 'null', '""']);
  });

  it('sends the event line’s object in json mode', () => {
    expect(JSON.parse(statePayload('Stage.Mode', entry('intro'), 'json').toString())).to.deep.equal({
      name: 'Stage.Mode',
      value: 'intro',
      id: 4,
      timestamp: '2026-12-03T06:00:00.000Z',
      seq: 9,
    });
  });
});
