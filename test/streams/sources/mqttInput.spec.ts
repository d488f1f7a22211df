import { expect } from 'chai';
import { readMqttPayload, readMqttPublish, type MqttMapEntry } from '../../../streams/sources/mqttInput';

const TOPICS = { trigger: 'haven/trigger', status: 'haven/status' };
const none = new Map<string, MqttMapEntry>();

describe('readMqttPublish', () => {
  const cases: Array<[string, string, string, unknown]> = [
    ['a plain value', 'haven/trigger/Stage/Mode', 'intro', { ok: true, kind: 'event', name: 'Stage.Mode', value: 'intro', id: null }],
    [
      'a value with spaces, trimmed',
      'haven/trigger/Stage/Mode',
      '  big finale \n',
      { ok: true, kind: 'event', name: 'Stage.Mode', value: 'big finale', id: null },
    ],
    ['ON as text (the gateway reads On/Off)', 'haven/trigger/Stage/Power', 'ON', { ok: true, kind: 'event', name: 'Stage.Power', value: 'ON', id: null }],
    ['a number as text', 'haven/trigger/Flame/Intensity', '42.5', { ok: true, kind: 'event', name: 'Flame.Intensity', value: '42.5', id: null }],
    ['an empty payload (a OneShot)', 'haven/trigger/Fog/Burst', '', { ok: true, kind: 'event', name: 'Fog.Burst', id: null }],
    [
      'JSON with a typed value and an id',
      'haven/trigger/Flame/Intensity',
      '{"value":42.5,"id":17}',
      { ok: true, kind: 'event', name: 'Flame.Intensity', value: 42.5, id: 17 },
    ],
    ['JSON with only an id', 'haven/trigger/Fog/Burst', '{"id":3}', { ok: true, kind: 'event', name: 'Fog.Burst', id: 3 }],
    ['JSON with a null id', 'haven/trigger/Stage/Mode', '{"value":"idle","id":null}', { ok: true, kind: 'event', name: 'Stage.Mode', value: 'idle', id: null }],
    ['a status', 'haven/status/Dial/Number', '5', { ok: true, kind: 'status', name: 'Dial.Number', value: '5', id: null }],
    ['three levels', 'haven/trigger/Hall/Door/Left', 'On', { ok: true, kind: 'event', name: 'Hall.Door.Left', value: 'On', id: null }],
    ['one level', 'haven/trigger/Stage', 'intro', { ok: false, reason: 'unknown_topic' }],
    ['an empty level', 'haven/trigger/Stage//Mode', 'intro', { ok: false, reason: 'unknown_topic' }],
    ['a dot in a level', 'haven/trigger/Stage.Mode/X', 'intro', { ok: false, reason: 'unknown_topic' }],
    ['a space in a level', 'haven/trigger/Stage/Mo de', 'intro', { ok: false, reason: 'unknown_topic' }],
    ['another prefix', 'haven/other/Stage/Mode', 'intro', { ok: false, reason: 'unknown_topic' }],
    ['the prefix without a slash', 'haven/triggerX/Stage/Mode', 'intro', { ok: false, reason: 'unknown_topic' }],
    ['broken JSON', 'haven/trigger/Stage/Mode', '{"value":', { ok: false, reason: 'bad_payload' }],
    ['an empty JSON object (no value)', 'haven/trigger/Stage/Mode', '{}', { ok: true, kind: 'event', name: 'Stage.Mode', id: null }],
    ['an unknown JSON field', 'haven/trigger/Stage/Mode', '{"value":"intro","name":"X.Y"}', { ok: false, reason: 'bad_payload' }],
    ['a negative id', 'haven/trigger/Stage/Mode', '{"value":"intro","id":-1}', { ok: false, reason: 'bad_payload' }],
    ['a fractional id', 'haven/trigger/Stage/Mode', '{"value":"intro","id":1.5}', { ok: false, reason: 'bad_payload' }],
    ['a string id', 'haven/trigger/Stage/Mode', '{"value":"intro","id":"7"}', { ok: false, reason: 'bad_payload' }],
  ];
  for (const [what, topic, text, expected] of cases)
    it(`reads ${what}`, () => {
      const read = readMqttPublish(topic, text, TOPICS, none);
      if ((expected as { ok: boolean }).ok) expect(read).to.deep.equal(expected);
      else
        expect(read)
          .to.include(expected as object)
          .and.to.have.property('message')
          .that.is.a('string').and.not.empty;
    });

  it('names the forms it expects when a topic is not a trigger', () => {
    const read = readMqttPublish('haven/trigger/Stage', '', TOPICS, none);
    expect(read)
      .to.have.property('message')
      .that.matches(/haven\/trigger\/<Device>\/<Control>, haven\/status\/<Device>\/<Control> or a mapped topic/);
  });

  it('refuses a name longer than 200 characters', () => {
    expect(readMqttPublish(`haven/trigger/${'a'.repeat(150)}/${'b'.repeat(60)}`, '1', TOPICS, none)).to.include({ ok: false, reason: 'unknown_topic' });
  });

  it('reads other prefixes from the config', () => {
    expect(readMqttPublish('show/in/Stage/Mode', 'intro', { trigger: 'show/in', status: 'show/state-in' }, none)).to.include({ ok: true, name: 'Stage.Mode' });
  });

  describe('the map', () => {
    const map = new Map<string, MqttMapEntry>([
      ['qlab/cue/12/go', { topic: 'qlab/cue/12/go', trigger: 'Stage.Mode', value: 'intro' }],
      ['stat/plug1/POWER', { topic: 'stat/plug1/POWER', trigger: 'Stage.Power' }],
      ['tele/plug1/STATE', { topic: 'tele/plug1/STATE', trigger: 'Flame.Intensity', json_field: 'Dimmer', kind: 'status' }],
      ['haven/trigger/Stage/Mode', { topic: 'haven/trigger/Stage/Mode', trigger: 'Dial.Number' }],
    ]);
    it('gives a fixed value whatever the payload', () => {
      expect(readMqttPublish('qlab/cue/12/go', 'anything', TOPICS, map)).to.deep.equal({
        ok: true,
        kind: 'event',
        name: 'Stage.Mode',
        value: 'intro',
        id: null,
      });
    });
    it('takes the payload as the value, JSON included', () => {
      expect(readMqttPublish('stat/plug1/POWER', 'OFF', TOPICS, map)).to.deep.equal({ ok: true, kind: 'event', name: 'Stage.Power', value: 'OFF', id: null });
      expect(readMqttPublish('stat/plug1/POWER', '{"value":"On","id":4}', TOPICS, map)).to.deep.equal({
        ok: true,
        kind: 'event',
        name: 'Stage.Power',
        value: 'On',
        id: 4,
      });
    });
    it('takes one field of a JSON payload, with the entry’s kind', () => {
      expect(readMqttPublish('tele/plug1/STATE', '{"Dimmer":35,"POWER":"ON"}', TOPICS, map)).to.deep.equal({
        ok: true,
        kind: 'status',
        name: 'Flame.Intensity',
        value: 35,
        id: null,
      });
    });
    it('refuses a payload without the field, or not JSON', () => {
      expect(readMqttPublish('tele/plug1/STATE', '{"POWER":"ON"}', TOPICS, map)).to.include({ ok: false, reason: 'bad_payload' });
      expect(readMqttPublish('tele/plug1/STATE', 'ON', TOPICS, map)).to.include({ ok: false, reason: 'bad_payload' });
    });
    it('takes over a topic under the prefixes', () => {
      expect(readMqttPublish('haven/trigger/Stage/Mode', '3', TOPICS, map)).to.include({ ok: true, name: 'Dial.Number' });
    });
  });
});

describe('readMqttPayload', () => {
  it('reads whitespace alone as no value', () => {
    expect(readMqttPayload(' \n')).to.deep.equal({ ok: true, id: null });
  });
  it('refuses JSON that is not an object', () => {
    expect(readMqttPayload('{')).to.include({ ok: false, reason: 'bad_payload' });
  });
  it('keeps a JSON null value as null', () => {
    expect(readMqttPayload('{"value":null}')).to.deep.equal({ ok: true, value: null, id: null });
  });
});
