import { expect } from 'chai';
import { createGateContext, DEFAULT_GATING } from '../../../streams/gating/gatingConfig';
import { createGateState } from '../../../streams/gating/gateState';
import { nextSeq, sequence } from '../../../streams/gating/sequence';
import { valid } from '../fixtures';

describe('sequence', () => {
  const ctx = createGateContext(DEFAULT_GATING);

  it('never rejects', () => {
    expect(sequence.check(createGateState(), valid('Door.Bell'), ctx)).to.equal(null);
  });

  it('gives events and statuses the next seq, from the persisted one', () => {
    const state = createGateState({ seq: 41 });
    expect(nextSeq(state)).to.equal(42);
    sequence.commit(state, valid('Door.Bell'), ctx);
    sequence.commit(state, valid('Phone.Button', { value: 'On', kind: 'status' }), ctx);
    expect(state.seq).to.equal(43);
  });
});
