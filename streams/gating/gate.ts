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
export function checkGate(state: GateSnapshot, input: ValidTrigger, ctx: GateContext): Rejection | null {
  for (let i = 0; i < GATE_RULES.length; i++) {
    const rejection = GATE_RULES[i].check(state, input, ctx);
    if (rejection !== null) return rejection;
  }
  return null;
}

/** Records an accepted input in every rule's part of the state; call only after `checkGate` passed. */
export function commitGate(state: GateState, input: ValidTrigger, ctx: GateContext): GateState {
  for (let i = 0; i < GATE_RULES.length; i++) state = GATE_RULES[i].commit(state, input, ctx);
  return state;
}
