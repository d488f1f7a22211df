import { expect } from 'chai';
import type { TriggerEvent } from '../../../streams/contracts';
import { decodePacket, type OscMessage } from '../../../src/osc/oscCodec';
import { createOscEncoder, oscTargetError } from '../../../src/services/oscEncoder';
import type { Registration } from '../../../src/services/registration';

const base: Omit<TriggerEvent, 'name' | 'type' | 'value'> = {
  seq: 41,
  kind: 'event',
  id: 12345,
  category: 'show',
  organization: 'default',
  source: 'http',
  timestamp: '2026-01-11T18:35:00.000Z',
  receivedAt: 0,
};
const event = (name: string, type: TriggerEvent['type'], value: TriggerEvent['value']): TriggerEvent => ({ ...base, name, type, value });
const target = (over: Partial<Registration> = {}): Registration => ({
  name: 'Q',
  host: '127.0.0.1',
  port: 53000,
  protocol: 'OSC_UDP',
  registered_at: '',
  ...over,
});

function sent(registration: Registration, e: TriggerEvent): OscMessage {
  const out = createOscEncoder(registration)(e);
  if (!out.ok) throw new Error(out.error);
  return decodePacket(out.bytes) as OscMessage;
}

describe('services/oscEncoder', () => {
  it('sends one value by default, typed by trigger type: On/Off i 1/0, Discrete s or i, Continuous f, OneShot none', () => {
    const t = target();
    expect(sent(t, event('RedTelephone.Button_1', 'On/Off', 'On'))).to.deep.equal({
      address: '/haven/event/RedTelephone/Button_1',
      args: [{ type: 'i', value: 1 }],
    });
    expect(sent(t, event('RedTelephone.Button_1', 'On/Off', 'Off')).args).to.deep.equal([{ type: 'i', value: 0 }]);
    expect(sent(t, event('Stage.Mode', 'Discrete', 'intro')).args).to.deep.equal([{ type: 's', value: 'intro' }]);
    expect(sent(t, event('Dial.Number', 'Discrete', 7)).args).to.deep.equal([{ type: 'i', value: 7 }]);
    expect(sent(t, event('Flame.Intensity', 'Continuous', 42.5)).args).to.deep.equal([{ type: 'f', value: 42.5 }]);
    expect(sent(t, event('Fog.Burst', 'OneShot', null))).to.deep.equal({ address: '/haven/event/Fog/Burst', args: [] });
  });

  it('fills every placeholder, replacing what OSC reserves in an address', () => {
    const t = target({ address: '/x/{name}/{device}/{control}/{category}/{organization}/{type}/{source}/{value}' });
    expect(sent(t, event('Stage.Mode', 'Discrete', 'a b/c')).address).to.equal('/x/Stage.Mode/Stage/Mode/show/default/Discrete/http/a_b_c');
    expect(sent(target({ address: '/cue/{control}/start' }), event('Door.Sensor', 'On/Off', 'On')).address).to.equal('/cue/Sensor/start');
    expect(sent(target({ address: '/t/{type}/{value}' }), event('Fog.Burst', 'OneShot', null)).address).to.equal('/t/OneShot/_');
  });

  it('sends the listed arguments in the listed types', () => {
    const t = target({ args: ['value', 'id:i', 'seq:h', 'timestamp:s', 'name', 'value:T', 'value:f', 'timestamp:h', 'value:I', 'value:N'] });
    expect(sent(t, event('Stage.Power', 'On/Off', 'Off')).args).to.deep.equal([
      { type: 'i', value: 0 },
      { type: 'i', value: 12345 },
      { type: 'h', value: 41 },
      { type: 's', value: '2026-01-11T18:35:00.000Z' },
      { type: 's', value: 'Stage.Power' },
      { type: 'F', value: false },
      { type: 'f', value: 0 },
      { type: 'h', value: Date.parse('2026-01-11T18:35:00.000Z') },
      { type: 'I', value: 1 },
      { type: 'N', value: null },
    ]);
    expect(sent(target({ args: ['value:s', 'id'] }), { ...event('Fog.Burst', 'OneShot', null), id: null }).args).to.deep.equal([
      { type: 'N', value: null },
      { type: 'N', value: null },
    ]);
  });

  it('takes lists by trigger type; the types it does not name keep their defaults', () => {
    const t = target({ args: { OneShot: ['value:i', 'id:i'], Discrete: ['value:s'] } });
    expect(sent(t, event('Fog.Burst', 'OneShot', null)).args).to.deep.equal([
      { type: 'N', value: null },
      { type: 'i', value: 12345 },
    ]);
    expect(sent(t, event('Dial.Number', 'Discrete', 7)).args).to.deep.equal([{ type: 's', value: '7' }]);
    expect(sent(t, event('Flame.Intensity', 'Continuous', 1.5)).args).to.deep.equal([{ type: 'f', value: 1.5 }]);
    expect(sent(t, event('Stage.Power', 'On/Off', 'On')).args).to.deep.equal([{ type: 'i', value: 1 }]);
  });

  it('does not send a value that does not fit its configured type, saying why', () => {
    expect(createOscEncoder(target({ args: ['value:f'] }))(event('Stage.Mode', 'Discrete', 'intro'))).to.deep.equal({
      ok: false,
      error: 'OSC argument value:f: value "intro" is not a number, so it cannot be sent as f',
    });
    expect(createOscEncoder(target({ args: ['value:i'] }))(event('Flame.Intensity', 'Continuous', 3e9))).to.include({ ok: false });
  });

  it('frames OSC_TCP packets with SLIP by default or an int32 length prefix', () => {
    const e = event('Stage.Power', 'On/Off', 'On');
    const udp = createOscEncoder(target())(e);
    const slipped = createOscEncoder(target({ protocol: 'OSC_TCP' }))(e);
    const prefixed = createOscEncoder(target({ protocol: 'OSC_TCP', framing: 'length' }))(e);
    if (!udp.ok || !slipped.ok || !prefixed.ok) throw new Error('not encoded');
    expect(slipped.bytes.equals(Buffer.concat([Buffer.from([0xc0]), udp.bytes, Buffer.from([0xc0])]))).to.equal(true);
    expect(prefixed.bytes.readInt32BE(0)).to.equal(udp.bytes.length);
    expect(prefixed.bytes.subarray(4).equals(udp.bytes)).to.equal(true);
  });

  it('refuses malformed patterns, arguments and framings at registration', () => {
    const check = (raw: Record<string, unknown>, protocol = 'OSC_UDP') => oscTargetError('Q', { ...raw, protocol });
    expect(check({ address: 'cue/1' })).to.equal("'address' of Q must start with '/' (got 'cue/1')");
    expect(check({ address: '/cue//start' })).to.match(/empty part/);
    expect(check({ address: '/cue/{cue}/start' })).to.match(/unknown placeholder '\{cue\}'; placeholders are \{name\}, \{device\}/);
    expect(check({ address: '/cue/{control' })).to.match(/unclosed '\{'/);
    expect(check({ address: '/cue/*/start' })).to.match(/"\*" at 5, which an OSC address may not contain/);
    expect(check({ address: '/cue 1' })).to.match(/" " at 4/);
    expect(check({ args: 'value' })).to.match(/'args' of Q must be a list of "source" or "source:type" strings, or such lists by trigger type/);
    expect(check({ args: { Toggle: [] } })).to.equal(`'args' of Q names "Toggle", which is no trigger type (On/Off, Discrete, Continuous, OneShot)`);
    expect(check({ args: { OneShot: ['value:x'] } })).to.match(/^'args' of Q "OneShot" \[0\] "value:x": value can be sent as/);
    expect(check({ args: { OneShot: 'value' } })).to.match(/"OneShot" must be a list/);
    expect(check({ args: ['value:x'] })).to.equal('\'args\' of Q [0] "value:x": value can be sent as i, f, h, d, s, T, I, N (OSC type tags)');
    expect(check({ args: ['id', 'colour'] })).to.match(/\[1\] "colour" names no argument/);
    expect(check({ args: ['name:i'] })).to.match(/name can be sent as s/);
    expect(check({ framing: 'length' })).to.match(/applies to OSC_TCP only/);
    expect(check({ framing: 'cobs' }, 'OSC_TCP')).to.match(/must be "slip"/);
    expect(check({ address: '/cue/{control}/start', args: [], framing: 'length' }, 'OSC_TCP')).to.equal(undefined);
  });
});
