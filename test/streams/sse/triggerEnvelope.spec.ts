import { expect } from 'chai';
import { triggerEnvelope } from '../../../streams/sse/triggerEnvelope';
import { eventTypeOf } from '../../../streams/sse/eventCatalog';
import { triggerEvent } from './sseFixtures';

describe('triggerEnvelope', () => {
  it('maps an On/Off event to STATE_CHANGED with the seed fields, device and areas', () => {
    const e = triggerEvent(7, { value: 'Off', id: 12 });
    const envelope = triggerEnvelope(e, {
      eventUuid: 'uuid-7',
      trigger: { name: 'Phone.Button', type: 'On/Off', category: 'buttons', device: 'Red Telephone', displayName: 'Red button' },
      areaNames: ['Lobby'],
    });
    const { receivedAt: _dropped, ...rawEvent } = e;
    expect(envelope).to.deep.equal({
      eventUuid: 'uuid-7',
      seq: 7,
      timestamp: e.timestamp,
      organizationId: 'acme',
      triggerName: 'Phone.Button',
      triggerDisplayName: 'Red button',
      value: 'Off',
      id: 12,
      deviceName: 'Red Telephone',
      areaNames: ['Lobby'],
      source: 'HTTP',
      kind: 'event',
      event: {
        category: 'buttons',
        categoryDisplayName: 'Buttons',
        type: 'STATE_CHANGED',
        typeDisplayName: 'State Changed',
        subtype: 'OFF',
        subtypeDisplayName: 'Off',
        triggerType: 'On/Off',
        displayState: 'Off',
      },
      rawEvent,
    });
    expect(envelope).not.to.have.property('relayedFrom');
  });

  it('maps Discrete and Continuous to VALUE_CHANGED, OneShot to FIRED, statuses to STATUS_UPDATED', () => {
    expect(eventTypeOf('Discrete', 'event')).to.equal('VALUE_CHANGED');
    expect(eventTypeOf('Continuous', 'event')).to.equal('VALUE_CHANGED');
    expect(eventTypeOf('OneShot', 'event')).to.equal('FIRED');
    expect(eventTypeOf('On/Off', 'status')).to.equal('STATUS_UPDATED');
    const fired = triggerEnvelope(triggerEvent(1, { type: 'OneShot', value: null, name: 'Fog.Burst' }), { eventUuid: 'x' });
    expect(fired.event).to.deep.include({ type: 'FIRED', typeDisplayName: 'Fired', displayState: 'Fired' });
    expect(fired.event).not.to.have.property('subtype');
    const level = triggerEnvelope(triggerEvent(2, { type: 'Continuous', value: 42.5 }), { eventUuid: 'y' });
    expect(level.event).to.deep.include({ type: 'VALUE_CHANGED', displayState: '42.5', triggerType: 'Continuous' });
  });

  it('names the trigger by itself and has no device when this process does not know it', () => {
    const envelope = triggerEnvelope(triggerEvent(3), { eventUuid: 'z', relayedFrom: 'hub-b' });
    expect(envelope).to.deep.include({ triggerDisplayName: 'Phone.Button', deviceName: null, areaNames: [], relayedFrom: 'hub-b' });
  });
});
