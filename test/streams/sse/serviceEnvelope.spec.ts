import { expect } from 'chai';
import { serviceEnvelope } from '../../../streams/sse/serviceEnvelope';

describe('serviceEnvelope', () => {
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
    expect(serviceEnvelope({ ...base, status: 'backoff', previous: 'connected' }, { eventUuid: 'u2', now: 'later' }).event.type).to.equal(
      'SERVICE_DISCONNECTED',
    );
    expect(serviceEnvelope({ ...base, status: 'closed', previous: 'connected' }, { eventUuid: 'u3', now: 'later' }).event.type).to.equal(
      'SERVICE_DISCONNECTED',
    );
    expect(serviceEnvelope({ ...base, status: 'connecting', previous: 'backoff' }, { eventUuid: 'u4', now: 'later' }).event.type).to.equal(
      'SERVICE_CONNECTING',
    );
    const bare = serviceEnvelope(
      { service: 'Old', status: 'backoff', previous: 'connected', detail: 'ECONNREFUSED' },
      { eventUuid: 'u6', now: 'later', relayedFrom: 'hub-b' },
    );
    expect(bare).to.deep.include({ protocol: null, timestamp: 'later', detail: 'ECONNREFUSED', relayedFrom: 'hub-b' });
    expect(serviceEnvelope({ ...base, status: 'unsupported', previous: 'connecting' }, { eventUuid: 'u5', now: 'later' }).event.type).to.equal(
      'SERVICE_STATUS_CHANGED',
    );
  });
});
