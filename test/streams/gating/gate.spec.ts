import { expect } from 'chai';
import { checkGate, commitGate, GATE_RULES } from '../../../streams/gating/gate';
import { createGateContext, DEFAULT_GATING } from '../../../streams/gating/gatingConfig';
import { createGateState } from '../../../streams/gating/gateState';
import { valid } from '../fixtures';

describe('gate', () => {
  const ctx = { ...createGateContext({ ...DEFAULT_GATING, cooldownMs: 100, minIntervalMs: 50 }), now: 1000 };

  it('asks idempotency, cooldown, minimum interval, then sequence', () => {
    expect(GATE_RULES.map((r) => r.name)).to.deep.equal(['idempotency', 'priorityCooldown', 'minInterval', 'sequence']);
  });

  it('reports the first rule that rejects', () => {
    const state = createGateState({ lastIds: new Map([['Phone.Button', 5]]) });
    commitGate(state, valid('Phone.Button', { value: 'On', source: 'WEB', id: 5 }), ctx);
    // Duplicate id, inside cooldown and inside the interval: idempotency speaks first.
    expect(checkGate(state, valid('Phone.Button', { value: 'On', source: 'TCP', id: 5 }), ctx)).to.deep.include({ reason: 'duplicate' });
    expect(checkGate(state, valid('Phone.Button', { value: 'On', source: 'TCP', id: 6 }), ctx)).to.deep.include({ reason: 'cooldown' });
    expect(checkGate(state, valid('Phone.Button', { value: 'On', source: 'WEB', id: 6 }), ctx)).to.deep.include({ reason: 'min_interval' });
  });

  it('commits every rule at once for an accepted input', () => {
    const state = commitGate(createGateState({ seq: 7 }), valid('Phone.Button', { value: 'On', source: 'WEB', id: 3 }), ctx);
    expect(state.seq).to.equal(8);
    expect([...state.lastIds]).to.deep.equal([['Phone.Button', 3]]);
    expect([...state.lastAcceptedAt]).to.deep.equal([['Phone.Button', 1000]]);
    expect([...state.lastPriorityAt]).to.deep.equal([[3, 1000]]);
  });

  it('leaves the state untouched when checking, accepted or not', () => {
    const state = createGateState({ seq: 7 });
    expect(checkGate(state, valid('Phone.Button', { value: 'On', id: 3 }), ctx)).to.equal(null);
    expect(state).to.deep.equal(createGateState({ seq: 7 }));
  });
});
