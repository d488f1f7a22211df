import { expect } from 'chai';
import type { TriggerType } from '../../../streams/contracts';
import {
  INITIAL_MQTT_PUBLISHER,
  mqttPublisherTransition,
  topicOf,
  type MqttPublish,
  type MqttPublisherMessage,
  type MqttPublisherOptions,
  type MqttPublisherState,
} from '../../../streams/services/mqttPublisher';

const OPTIONS: MqttPublisherOptions = { topics: { event: 'haven/event', state: 'haven/state' }, events: true, state: true, expirySeconds: 2, maxInFlight: 3 };

let seq = 0;
const committed = (name: string, triggerType: TriggerType = 'Discrete', kind: 'event' | 'status' = 'event'): MqttPublisherMessage => ({
  type: 'committed',
  seq: ++seq,
  kind,
  name,
  triggerType,
});
const event = (name: string, s: number): MqttPublish => ({ content: 'event', topic: topicOf('haven/event', name), seq: s, expirySeconds: 2 });
const state = (name: string): MqttPublish => ({ content: 'state', topic: topicOf('haven/state', name), name });

/** Runs `messages` from `start`, collecting every publish. */
function play(messages: readonly MqttPublisherMessage[], options = OPTIONS, start: MqttPublisherState = INITIAL_MQTT_PUBLISHER) {
  let s = start;
  const publishes: MqttPublish[][] = [];
  for (const m of messages) {
    const out = mqttPublisherTransition(s, m, options);
    s = out.state;
    publishes.push(out.publishes);
  }
  return { state: s, publishes };
}

describe('mqttPublisherTransition', () => {
  beforeEach(() => (seq = 0));

  it('names topics Device/Control', () => {
    expect(topicOf('haven/state', 'RedTelephone.Button_1')).to.equal('haven/state/RedTelephone/Button_1');
  });

  it('publishes an event, then its trigger’s state, once connected', () => {
    const { state: s, publishes } = play([{ type: 'connected', names: [] }, committed('Stage.Mode')]);
    expect(publishes).to.deep.equal([[], [event('Stage.Mode', 1), state('Stage.Mode')]]);
    expect(s.inFlight).to.equal(2);
  });

  it('publishes no state for a OneShot, and no event for a status', () => {
    const { publishes } = play([{ type: 'connected', names: [] }, committed('Fog.Burst', 'OneShot'), committed('Dial.Number', 'Discrete', 'status')]);
    expect(publishes.slice(1)).to.deep.equal([[event('Fog.Burst', 1)], [state('Dial.Number')]]);
  });

  it('sends every state again when the broker (re)connects, so its retained values match the cache', () => {
    const { publishes } = play([{ type: 'connected', names: ['Stage.Mode', 'Dial.Number'] }]);
    expect(publishes).to.deep.equal([[state('Stage.Mode'), state('Dial.Number')]]);
  });

  it('drops events while the broker is away, and sends the newest states when it is back', () => {
    const { state: s, publishes } = play([
      committed('Stage.Mode'),
      committed('Stage.Mode'),
      committed('Fog.Burst', 'OneShot'),
      { type: 'connected', names: ['Stage.Mode', 'Flame.Intensity'] },
    ]);
    expect(publishes).to.deep.equal([[], [], [], [state('Stage.Mode'), state('Flame.Intensity')]]);
    expect(s.dropped).to.equal(3);
    expect(s.dirty.size).to.equal(0);
  });

  it('never has more than maxInFlight unacknowledged: past it, events drop and states wait, one per trigger', () => {
    const { state: s, publishes } = play([
      { type: 'connected', names: [] },
      committed('Stage.Mode'), // event + state: 2 in flight
      committed('Dial.Number'), // event: 3; its state waits
      committed('Stage.Mode'), // dropped; the state waits
      committed('Dial.Number'), // dropped; still one wait for Dial.Number
    ]);
    expect(publishes.slice(1)).to.deep.equal([[event('Stage.Mode', 1), state('Stage.Mode')], [event('Dial.Number', 2)], [], []]);
    expect(s).to.deep.include({ inFlight: 3, dropped: 2 });
    expect([...s.dirty]).to.deep.equal(['Dial.Number', 'Stage.Mode']);
    // Each acknowledgement makes room for one waiting state, oldest first.
    const after = play([{ type: 'settled' }, { type: 'settled' }, { type: 'settled' }], OPTIONS, s);
    expect(after.publishes).to.deep.equal([[state('Dial.Number')], [state('Stage.Mode')], []]);
    expect(after.state).to.deep.include({ inFlight: 2, dropped: 2 });
    expect(after.state.dirty.size).to.equal(0);
  });

  it('keeps counting what is in flight across a disconnect (the link resends it), and never goes below zero', () => {
    const gone = play([{ type: 'connected', names: [] }, committed('Stage.Mode'), { type: 'disconnected' }]);
    expect(gone.state).to.deep.include({ connected: false, inFlight: 2 });
    const settled = play([{ type: 'settled' }, { type: 'settled' }, { type: 'settled' }], OPTIONS, gone.state);
    expect(settled.state.inFlight).to.equal(0);
  });

  it('publishes only what the options ask for', () => {
    const noEvents = play([{ type: 'connected', names: ['Dial.Number'] }, committed('Stage.Mode')], { ...OPTIONS, events: false });
    expect(noEvents.publishes).to.deep.equal([[state('Dial.Number')], [state('Stage.Mode')]]);
    const noState = play([{ type: 'connected', names: ['Dial.Number'] }, committed('Stage.Mode')], { ...OPTIONS, state: false });
    expect(noState.publishes).to.deep.equal([[], [event('Stage.Mode', 2)]]);
  });
});
