import { expect } from 'chai';
import { messagesOf, readOscMessage, type OscMapEntry } from '../../../streams/sources/oscInput';

const none = new Map<string, OscMapEntry>();
const msg = (address: string, ...args: Array<{ type: string; value?: unknown }>) => ({ address, args });

describe('readOscMessage', () => {
  const cases: Array<[string, ReturnType<typeof msg>, unknown]> = [
    [
      'a string value',
      msg('/haven/trigger/Stage/Mode', { type: 's', value: 'intro' }),
      { ok: true, kind: 'event', name: 'Stage.Mode', value: 'intro', id: null },
    ],
    [
      'a float and an int id',
      msg('/haven/trigger/Flame/Intensity', { type: 'f', value: 42.5 }, { type: 'i', value: 7 }),
      { ok: true, kind: 'event', name: 'Flame.Intensity', value: 42.5, id: 7 },
    ],
    [
      'a double and an int64 id',
      msg('/haven/trigger/Flame/Intensity', { type: 'd', value: 1.25 }, { type: 'h', value: 2 ** 40 }),
      { ok: true, kind: 'event', name: 'Flame.Intensity', value: 1.25, id: 2 ** 40 },
    ],
    ['True as On', msg('/haven/trigger/Stage/Power', { type: 'T', value: true }), { ok: true, kind: 'event', name: 'Stage.Power', value: true, id: null }],
    ['False as Off', msg('/haven/trigger/Stage/Power', { type: 'F', value: false }), { ok: true, kind: 'event', name: 'Stage.Power', value: false, id: null }],
    ['no argument (a OneShot)', msg('/haven/trigger/Fog/Burst'), { ok: true, kind: 'event', name: 'Fog.Burst', id: null }],
    [
      'Nil, then an id',
      msg('/haven/trigger/Fog/Burst', { type: 'N', value: null }, { type: 'i', value: 3 }),
      { ok: true, kind: 'event', name: 'Fog.Burst', id: 3 },
    ],
    ['Impulse', msg('/haven/trigger/Fog/Burst', { type: 'I' }), { ok: true, kind: 'event', name: 'Fog.Burst', id: null }],
    [
      'an integral float id',
      msg('/haven/trigger/Dial/Number', { type: 'i', value: 4 }, { type: 'f', value: 9 }),
      { ok: true, kind: 'event', name: 'Dial.Number', value: 4, id: 9 },
    ],
    [
      'a status',
      msg('/haven/status/Stage/Mode', { type: 's', value: 'idle' }, { type: 'i', value: 1 }),
      { ok: true, kind: 'status', name: 'Stage.Mode', value: 'idle', id: 1 },
    ],
    [
      'three parts, as the trigger schema allows (and MQTT reads)',
      msg('/haven/trigger/Stage/Light/Main', { type: 's', value: 'On' }),
      { ok: true, kind: 'event', name: 'Stage.Light.Main', value: 'On', id: null },
    ],
  ];
  for (const [what, input, expected] of cases) it(`reads ${what}`, () => expect(readOscMessage(input, none)).to.deep.equal(expected));

  const refused: Array<[string, ReturnType<typeof msg>, string]> = [
    ['another address', msg('/cue/1/go'), 'unknown_address'],
    ['a missing control', msg('/haven/trigger/Stage'), 'unknown_address'],
    ['an empty part', msg('/haven/trigger//Mode'), 'unknown_address'],
    ['a dot inside a part', msg('/haven/trigger/Sta.ge/Mode'), 'unknown_address'],
    ['the bare prefix', msg('/haven/trigger/'), 'unknown_address'],
    ['a blob value', msg('/haven/trigger/Stage/Mode', { type: 'b', value: new Uint8Array(2) }), 'bad_arguments'],
    ['a negative id', msg('/haven/trigger/Stage/Mode', { type: 's', value: 'intro' }, { type: 'i', value: -1 }), 'bad_arguments'],
    ['a fractional id', msg('/haven/trigger/Stage/Mode', { type: 's', value: 'intro' }, { type: 'f', value: 1.5 }), 'bad_arguments'],
    ['a string id', msg('/haven/trigger/Stage/Mode', { type: 's', value: 'intro' }, { type: 's', value: '7' }), 'bad_arguments'],
    ['three arguments', msg('/haven/trigger/Stage/Mode', { type: 's', value: 'a' }, { type: 'i', value: 1 }, { type: 'i', value: 2 }), 'bad_arguments'],
  ];
  for (const [what, input, reason] of refused)
    it(`refuses ${what} as ${reason}, with a message`, () => {
      const read = readOscMessage(input, none);
      expect(read).to.include({ ok: false, reason });
      expect((read as { message: string }).message).to.be.a('string').and.not.empty;
    });

  describe('the address map', () => {
    const map = new Map<string, OscMapEntry>([
      ['/qlab/cue/12/go', { address: '/qlab/cue/12/go', trigger: 'Stage.Mode', value: 'intro' }],
      ['/td/flame', { address: '/td/flame', trigger: 'Flame.Intensity', value_arg: 0, id_arg: 1 }],
      ['/haven/trigger/Stage/Mode', { address: '/haven/trigger/Stage/Mode', trigger: 'Stage.Mode', kind: 'status', value_arg: 0 }],
    ]);
    it('gives a mapped address its fixed value, whatever it carries', () =>
      expect(readOscMessage(msg('/qlab/cue/12/go', { type: 'f', value: 1 }), map)).to.deep.equal({
        ok: true,
        kind: 'event',
        name: 'Stage.Mode',
        value: 'intro',
        id: null,
      }));
    it('takes the value and the id from the arguments the entry names', () =>
      expect(readOscMessage(msg('/td/flame', { type: 'f', value: 30 }, { type: 'i', value: 5 }), map)).to.deep.equal({
        ok: true,
        kind: 'event',
        name: 'Flame.Intensity',
        value: 30,
        id: 5,
      }));
    it('refuses a message missing the argument the entry reads', () =>
      expect(readOscMessage(msg('/td/flame'), map)).to.include({ ok: false, reason: 'bad_arguments' }));
    it('comes before the /haven/ forms', () =>
      expect(readOscMessage(msg('/haven/trigger/Stage/Mode', { type: 's', value: 'idle' }), map)).to.include({ kind: 'status', name: 'Stage.Mode' }));
  });
});

describe('messagesOf', () => {
  it('lists a bundle’s messages in the order they were sent, nested bundles in place', () => {
    const packet = { packets: [msg('/a'), { packets: [msg('/b'), { packets: [msg('/c')] }] }, msg('/d')] };
    expect(messagesOf(packet).map((m) => m.address)).to.deep.equal(['/a', '/b', '/c', '/d']);
  });
  it('is the message itself for a message', () => expect(messagesOf(msg('/x'))).to.deep.equal([msg('/x')]));
});
