import { expect } from 'chai';
import { createGateContext, DEFAULT_GATING } from '../../../streams/gating/gatingConfig';

describe('gatingConfig', () => {
  it('turns every rule off by default', () => {
    expect(DEFAULT_GATING).to.include({ minIntervalMs: 0, cooldownMs: 0, minIntervalScope: 'trigger' });
    expect(DEFAULT_GATING.whitelist).to.deep.equal({});
  });

  it('looks priorities up by source, 0 for unknown ones and for Object.prototype names', () => {
    const ctx = createGateContext({ ...DEFAULT_GATING, priorities: { WEB: 3, TCP: 1 } });
    expect(['WEB', 'TCP', 'MODBUS', 'constructor', '__proto__'].map(ctx.priorityOf)).to.deep.equal([3, 1, 0, 0, 0]);
  });
});
