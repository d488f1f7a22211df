import { expect } from 'chai';
import { powerEnvelope, serviceEnvelope, triggerEnvelope } from '../../../streams/sse/envelope';
import { categoryDisplayName, eventTypeOf } from '../../../streams/sse/eventCatalog';
import { triggerEvent } from './sseFixtures';

describe('sse envelope', () => {
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

  it('makes category display names from free-form categories', () => {
    expect(categoryDisplayName('access_control')).to.equal('Access Control');
    expect(categoryDisplayName('show-lights')).to.equal('Show Lights');
    expect(categoryDisplayName('telephone')).to.equal('Telephone');
  });

  it('maps service status changes to hub-wide system events', () => {
    const base = { service: 'FlameServer', protocol: 'TCP_SOCKET', timestamp: 't' };
    const connected = serviceEnvelope({ ...base, status: 'connected', previous: 'connecting' }, { eventUuid: 'u1', now: 'later' });
    expect(connected).to.deep.equal({
      eventUuid: 'u1',
      seq: null,
      timestamp: 't',
      organizationId: null,
      serviceName: 'FlameServer',
      protocol: 'TCP_SOCKET',
      status: 'connected',
      previousStatus: 'connecting',
      event: { category: 'system', categoryDisplayName: 'System', type: 'SERVICE_CONNECTED', typeDisplayName: 'Service Connected', displayState: 'connected' },
    });
    expect(serviceEnvelope({ ...base, status: 'backoff', previous: 'connected' }, { eventUuid: 'u2', now: 'later' }).event.type).to.equal('SERVICE_DISCONNECTED');
    expect(serviceEnvelope({ ...base, status: 'closed', previous: 'connected' }, { eventUuid: 'u3', now: 'later' }).event.type).to.equal('SERVICE_DISCONNECTED');
    expect(serviceEnvelope({ ...base, status: 'connecting', previous: 'backoff' }, { eventUuid: 'u4', now: 'later' }).event.type).to.equal('SERVICE_CONNECTING');
    const bare = serviceEnvelope({ service: 'Old', status: 'backoff', previous: 'connected', detail: 'ECONNREFUSED' }, { eventUuid: 'u6', now: 'later', relayedFrom: 'hub-b' });
    expect(bare).to.deep.include({ protocol: null, timestamp: 'later', detail: 'ECONNREFUSED', relayedFrom: 'hub-b' });
    expect(serviceEnvelope({ ...base, status: 'unsupported', previous: 'connecting' }, { eventUuid: 'u5', now: 'later' }).event.type).to.equal('SERVICE_STATUS_CHANGED');
  });

  it('maps power socket events to category power in their organization', () => {
    const p = powerEnvelope({ type: 'emergency_stop', socket: 'Stage', instanceId: 'show-1', timestamp: 't', organization: 'acme', data: { amps: 3 } }, { eventUuid: 'u9', now: 'later' });
    expect(p).to.deep.equal({
      eventUuid: 'u9',
      seq: null,
      timestamp: 't',
      organizationId: 'acme',
      socketName: 'Stage',
      instanceId: 'show-1',
      data: { amps: 3 },
      event: { category: 'power', categoryDisplayName: 'Power', type: 'EMERGENCY_STOP', typeDisplayName: 'Emergency Stop', subtype: 'show-1', subtypeDisplayName: 'show-1', displayState: 'Emergency Stop' },
    });
    expect(powerEnvelope({ type: 'power_on', socket: 'S', timestamp: 't', organization: 'o' }, { eventUuid: 'u', now: 'later' }).event.type).to.equal('POWER_ON');
  });
});
