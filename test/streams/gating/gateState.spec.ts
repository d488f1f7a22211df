import { expect } from 'chai';
import { createGateState } from '../../../streams/gating/gateState';

describe('gateState', () => {
  it('starts empty at seq 0', () => {
    const state = createGateState();
    expect(state.seq).to.equal(0);
    expect([state.lastIds.size, state.lastAcceptedAt.size, state.lastPriorityAt.size]).to.deep.equal([0, 0, 0]);
  });

  it('starts from the persisted seq and ids, without sharing the seed map', () => {
    const lastIds = new Map([['Phone.Button', 10]]);
    const state = createGateState({ seq: 41, lastIds });
    state.lastIds.set('Phone.Button', 11);
    expect(state.seq).to.equal(41);
    expect(lastIds.get('Phone.Button')).to.equal(10);
  });
});
