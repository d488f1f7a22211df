import { expect } from 'chai';
import { createGateContext, DEFAULT_GATING } from '../../../streams/gating/gatingConfig';
import { createGateState } from '../../../streams/gating/gateState';
import { idempotency } from '../../../streams/gating/idempotency';
import { valid } from '../fixtures';

describe('idempotency', () => {
  const ctx = createGateContext(DEFAULT_GATING);
  const seeded = () => createGateState({ lastIds: new Map([['Phone.Button', 10]]) });

  it('passes an id above the last accepted one, and the first id of a trigger', () => {
    expect(idempotency.check(seeded(), valid('Phone.Button', { value: 'On', id: 11 }), ctx)).to.equal(null);
    expect(idempotency.check(seeded(), valid('Phone.Hook', { value: 'On', id: 0 }), ctx)).to.equal(null);
  });

  it('rejects the same id as a duplicate', () => {
    expect(idempotency.check(seeded(), valid('Phone.Button', { value: 'On', id: 10 }), ctx)).to.deep.equal({
      reason: 'duplicate',
      message: "Trigger 'Phone.Button' id 10 was already accepted; a retry is not dispatched twice",
    });
  });

  it('rejects a lower id as stale, naming the cached id', () => {
    expect(idempotency.check(seeded(), valid('Phone.Button', { value: 'On', id: 9 }), ctx)).to.deep.equal({
      reason: 'stale',
      message: "Trigger 'Phone.Button' id 9 is older than the cached id 10; ids must increase",
    });
  });

  it('applies to statuses too', () => {
    expect(idempotency.check(seeded(), valid('Phone.Button', { value: 'On', id: 9, kind: 'status' }), ctx)).to.deep.include({ reason: 'stale' });
  });

  it('passes inputs without an id and commits nothing for them', () => {
    const state = seeded();
    expect(idempotency.check(state, valid('Phone.Button', { value: 'On' }), ctx)).to.equal(null);
    idempotency.commit(state, valid('Phone.Button', { value: 'On' }), ctx);
    expect([...state.lastIds]).to.deep.equal([['Phone.Button', 10]]);
  });

  it('remembers a committed id per trigger', () => {
    const state = seeded();
    idempotency.commit(state, valid('Phone.Button', { value: 'On', id: 12 }), ctx);
    expect(idempotency.check(state, valid('Phone.Button', { value: 'On', id: 12 }), ctx)).to.deep.include({ reason: 'duplicate' });
    expect(idempotency.check(state, valid('Phone.Hook', { value: 'On', id: 12 }), ctx)).to.equal(null);
  });

  it('does not touch the state when checking', () => {
    const state = seeded();
    idempotency.check(state, valid('Phone.Button', { value: 'On', id: 99 }), ctx);
    expect([...state.lastIds]).to.deep.equal([['Phone.Button', 10]]);
  });
});
