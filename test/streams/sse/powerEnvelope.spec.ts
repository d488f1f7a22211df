import { expect } from 'chai';
import { powerEnvelope } from '../../../streams/sse/powerEnvelope';

describe('powerEnvelope', () => {
  it('maps power socket events to category power in their organization', () => {
    const p = powerEnvelope(
      { type: 'emergency_stop', socket: 'Stage', instanceId: 'show-1', timestamp: 't', organization: 'acme', data: { amps: 3 } },
      { eventUuid: 'u9', now: 'later' },
    );
    expect(p).to.deep.equal({
      eventUuid: 'u9',
      seq: null,
      timestamp: 't',
      organizationId: 'acme',
      socketName: 'Stage',
      instanceId: 'show-1',
      data: { amps: 3 },
      event: {
        category: 'power',
        categoryDisplayName: 'Power',
        type: 'EMERGENCY_STOP',
        typeDisplayName: 'Emergency Stop',
        subtype: 'show-1',
        subtypeDisplayName: 'show-1',
        displayState: 'Emergency Stop',
      },
    });
    expect(powerEnvelope({ type: 'power_on', socket: 'S', timestamp: 't', organization: 'o' }, { eventUuid: 'u', now: 'later' }).event.type).to.equal(
      'POWER_ON',
    );
  });
});
