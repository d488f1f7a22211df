import type { Rejection } from '../contracts';
import type { GateContext } from './gatingConfig';
import type { GateRule, GateSnapshot, GateState } from './gateState';
import { idempotency } from './idempotency';
import { minInterval } from './minInterval';
import { priorityCooldown } from './priorityCooldown';
import { sequence } from './sequence';
import type { ValidTrigger } from './validateTrigger';

/** The gate's rules, in the order they are asked: the first rejection wins. */
export const GATE_RULES: readonly GateRule[] = [idempotency, priorityCooldown, minInterval, sequence];

/** Asks every rule in order; the first rejection, or null when the input may be accepted. Pure. */
export function checkGate(state: GateSnapshot, input: ValidTrigger, ctx: GateContext, rules: readonly GateRule[] = GATE_RULES): Rejection | null {
  for (let i = 0; i < rules.length; i++) {
    const rejection = rules[i].check(state, input, ctx);
    if (rejection !== null) return rejection;
  }
  return null;
}

/** Records an accepted input in every rule's part of the state; call only after `checkGate` passed. */
export function commitGate(state: GateState, input: ValidTrigger, ctx: GateContext, rules: readonly GateRule[] = GATE_RULES): GateState {
  for (let i = 0; i < rules.length; i++) state = rules[i].commit(state, input, ctx);
  return state;
}
