import { expect } from 'chai';
import { createGateContext, DEFAULT_GATING, type MinIntervalScope } from '../../../streams/gating/gatingConfig';
import { createGateState } from '../../../streams/gating/gateState';
import { GLOBAL_SCOPE_KEY, minInterval, minIntervalScopeKey } from '../../../streams/gating/minInterval';
import { valid } from '../fixtures';

const button = (kind: 'event' | 'status' = 'event') => valid('Phone.Button', { value: 'On', kind });
const hook = () => valid('Phone.Hook', { value: 'On' });
const level = () => valid('Dial.Level', { value: 5 });

describe('minInterval', () => {
  const context = (scope: MinIntervalScope, minIntervalMs = 50) => createGateContext({ ...DEFAULT_GATING, minIntervalMs, minIntervalScope: scope });
  const at = (scope: MinIntervalScope, now: number) => ({ ...context(scope), now });

  it('keys the scope by trigger name, or one key for all', () => {
    expect(minIntervalScopeKey('trigger', 'Phone.Button')).to.equal('Phone.Button');
    expect(minIntervalScopeKey('global', 'Phone.Button')).to.equal(GLOBAL_SCOPE_KEY);
  });

  describe('per trigger', () => {
    const state = () => minInterval.commit(createGateState(), button(), at('trigger', 1000));

    it('rejects the same trigger one ms before the boundary', () => {
      expect(minInterval.check(state(), button(), at('trigger', 1049))).to.deep.equal({
        reason: 'min_interval',
        message: "Trigger 'Phone.Button' came 49 ms after the last accepted 'Phone.Button' event; the minimum interval is 50 ms (trigger), retry in 1 ms",
      });
    });
    it('passes it exactly at the boundary', () => {
      expect(minInterval.check(state(), button(), at('trigger', 1050))).to.equal(null);
    });
    it('lets another trigger through at once', () => {
      expect(minInterval.check(state(), hook(), at('trigger', 1000))).to.equal(null);
    });
  });

  describe('global', () => {
    const state = () => minInterval.commit(createGateState(), button(), at('global', 1000));

    it('rejects any trigger one ms before the boundary', () => {
      expect(minInterval.check(state(), hook(), at('global', 1049))).to.deep.include({ reason: 'min_interval' });
    });
    it('passes any trigger exactly at the boundary', () => {
      expect(minInterval.check(state(), hook(), at('global', 1050))).to.equal(null);
    });
  });

  it('exempts statuses, and a status does not count', () => {
    const state = minInterval.commit(createGateState(), button(), at('global', 1000));
    expect(minInterval.check(state, button('status'), at('global', 1001))).to.equal(null);
    minInterval.commit(state, button('status'), at('global', 1040));
    expect(state.lastAcceptedAt.get(GLOBAL_SCOPE_KEY)).to.equal(1000);
  });

  it('never rejects a Continuous event, yet its acceptance counts for the scope', () => {
    const state = minInterval.commit(createGateState(), button(), at('global', 1000));
    expect(minInterval.check(state, level(), at('global', 1001))).to.equal(null);
    minInterval.commit(state, level(), at('global', 1001));
    expect(minInterval.check(state, hook(), at('global', 1050))).to.deep.include({ reason: 'min_interval' });
    expect(minInterval.check(state, hook(), at('global', 1051))).to.equal(null);
  });

  it('is off when minIntervalMs is 0', () => {
    const off = { ...context('trigger', 0), now: 1000 };
    const state = minInterval.commit(createGateState(), button(), off);
    expect(state.lastAcceptedAt.size).to.equal(0);
    expect(minInterval.check(minInterval.commit(createGateState(), button(), at('trigger', 1000)), button(), off)).to.equal(null);
  });
});
