import { expect } from 'chai';
import type { TriggerDef } from '../../../streams/contracts';
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
      deviceId: 'Phone',
      deviceName: 'Red Telephone',
      locationId: null,
      locationName: null,
      spaceId: null,
      spaceName: null,
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

  it('names the trigger by itself and its device by the name when this process does not know it', () => {
    const envelope = triggerEnvelope(triggerEvent(3), { eventUuid: 'z', relayedFrom: 'hub-b' });
    expect(envelope).to.deep.include({
      triggerDisplayName: 'Phone.Button',
      deviceId: 'Phone',
      deviceName: null,
      locationId: null,
      spaceName: null,
      areaNames: [],
      relayedFrom: 'hub-b',
    });
  });

  it("takes the seed's deviceId/deviceName, locationId/locationName, spaceId/spaceName from the config's id and name", () => {
    const e = triggerEvent(4, { name: 'Door.Lock', category: 'access', value: 'On' });
    const ids = (trigger: Partial<TriggerDef>) => {
      const en = triggerEnvelope(e, { eventUuid: 'd', trigger: { name: 'Door.Lock', type: 'On/Off', category: 'access', ...trigger } });
      return [en.deviceId, en.deviceName, en.locationId, en.locationName, en.spaceId, en.spaceName];
    };
    expect(
      ids({ device: { id: 'device_123', name: 'Front Door' }, location: { id: 'loc_789', name: 'Main Building' }, space: { id: 'space_101', name: 'Lobby' } }),
    ).to.deep.equal(['device_123', 'Front Door', 'loc_789', 'Main Building', 'space_101', 'Lobby']);
    expect(ids({ device: 'Front Door', location: 'Main Building', space: { id: 'space_101' } })).to.deep.equal([
      'Door',
      'Front Door',
      null,
      'Main Building',
      'space_101',
      null,
    ]);
    expect(ids({ device: { name: 'Front Door' } })).to.deep.equal(['Door', 'Front Door', null, null, null, null]);
    // The seed's example: category access is "Access Control".
    expect(triggerEnvelope(e, { eventUuid: 'd' }).event).to.deep.include({ category: 'access', categoryDisplayName: 'Access Control' });
    // A name without a dot (another process's catalog) is its own device.
    expect(triggerEnvelope(triggerEvent(5, { name: 'Solo' }), { eventUuid: 'e' }).deviceId).to.equal('Solo');
  });
});
