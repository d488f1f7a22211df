import type { GateRule, GateSnapshot } from './gateState';

/** The `seq` the next accepted input gets. */
export function nextSeq(state: GateSnapshot): number {
  return state.seq + 1;
}

/** Every accepted input, event or status, takes the next `seq`; nothing is ever rejected here. */
export const sequence: GateRule = {
  name: 'sequence',
  check: () => null,
  commit(state) {
    state.seq = nextSeq(state);
    return state;
  },
};
