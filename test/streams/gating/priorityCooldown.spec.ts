import { expect } from 'chai';
import { createGateContext, DEFAULT_GATING } from '../../../streams/gating/gatingConfig';
import { createGateState, type GateState } from '../../../streams/gating/gateState';
import { priorityCooldown } from '../../../streams/gating/priorityCooldown';
import { valid } from '../fixtures';

const on = (source: string, kind: 'event' | 'status' = 'event') => valid('Phone.Button', { value: 'On', source, kind });

describe('priorityCooldown', () => {
  // HTTP 1, TCP 1, MODBUS 2, WEB 3; unknown sources 0.
  const ctx = createGateContext({ ...DEFAULT_GATING, cooldownMs: 100 });
  const at = (now: number) => ({ ...ctx, now });
  const afterWebAt = (t: number): GateState => priorityCooldown.commit(createGateState(), on('WEB'), at(t));

  it('rejects a lower-priority event one ms before the window ends', () => {
    expect(priorityCooldown.check(afterWebAt(1000), on('TCP'), at(1099))).to.deep.equal({
      reason: 'cooldown',
      message: 'Source TCP (priority 1) is cooling down after a priority 3 event; retry in 1 ms',
    });
  });

  it('passes it exactly at the end of the window', () => {
    expect(priorityCooldown.check(afterWebAt(1000), on('TCP'), at(1100))).to.equal(null);
  });

  it('treats an unknown source as priority 0', () => {
    expect(priorityCooldown.check(afterWebAt(1000), on('PLUGIN'), at(1000))).to.deep.include({ reason: 'cooldown' });
  });

  it('never blocks the same or a higher priority', () => {
    expect(priorityCooldown.check(afterWebAt(1000), on('WEB'), at(1000))).to.equal(null);
    const afterTcp = priorityCooldown.commit(createGateState(), on('TCP'), at(1000));
    expect(priorityCooldown.check(afterTcp, on('HTTP'), at(1000))).to.equal(null);
    expect(priorityCooldown.check(afterTcp, on('MODBUS'), at(1000))).to.equal(null);
  });

  it('reports the longest remaining cooldown among higher priorities', () => {
    const state = afterWebAt(1000);
    priorityCooldown.commit(state, on('MODBUS'), at(1050));
    expect(priorityCooldown.check(state, on('TCP'), at(1099))).to.deep.include({
      message: 'Source TCP (priority 1) is cooling down after a priority 2 event; retry in 51 ms',
    });
  });

  it('exempts statuses, and a status starts no cooldown', () => {
    expect(priorityCooldown.check(afterWebAt(1000), on('TCP', 'status'), at(1000))).to.equal(null);
    const state = priorityCooldown.commit(createGateState(), on('WEB', 'status'), at(1000));
    expect(priorityCooldown.check(state, on('TCP'), at(1000))).to.equal(null);
  });

  it('is off when cooldownMs is 0', () => {
    const off = { ...createGateContext(DEFAULT_GATING), now: 1000 };
    const state = priorityCooldown.commit(createGateState(), on('WEB'), off);
    expect(state.lastPriorityAt.size).to.equal(0);
    expect(priorityCooldown.check(afterWebAt(1000), on('TCP'), off)).to.equal(null);
  });

  it('does not touch the state when checking', () => {
    const state = afterWebAt(1000);
    priorityCooldown.check(state, on('TCP'), at(1050));
    expect([...state.lastPriorityAt]).to.deep.equal([[3, 1000]]);
  });
});
