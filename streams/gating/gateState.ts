import type { Rejection } from '../contracts';
import type { GateContext } from './gatingConfig';
import type { ValidTrigger } from './validateTrigger';

/** What the rules read: the gate's memory, read-only. */
export interface GateSnapshot {
  /** Last `seq` assigned (0 before the first). */
  readonly seq: number;
  /** Last accepted id per trigger name (idempotency). */
  readonly lastIds: ReadonlyMap<string, number>;
  /** Time of the last accepted event per minimum-interval scope key. */
  readonly lastAcceptedAt: ReadonlyMap<string, number>;
  /** Time of the last accepted event per source priority (cooldown). */
  readonly lastPriorityAt: ReadonlyMap<number, number>;
}

/**
 * The gate's memory, owned by exactly one gateway.
 *
 * Commits update it in place and return it. Why not copy: the gateway decides hundreds of
 * thousands of inputs a second and a copy of the maps per input would cost O(triggers) each;
 * what the seed's lock guaranteed is kept instead by the shape of the rules: `check` only
 * reads (its `GateSnapshot` type has no setters), and commits run only once every check has
 * passed, so a rejected input leaves the state exactly as it found it.
 */
export interface GateState extends GateSnapshot {
  seq: number;
  readonly lastIds: Map<string, number>;
  readonly lastAcceptedAt: Map<string, number>;
  readonly lastPriorityAt: Map<number, number>;
}

/** Where a gate starts: what the log remembers, so a restart neither accepts old retries nor cuts a cooldown short. */
export interface GateSeed {
  readonly seq?: number;
  readonly lastIds?: ReadonlyMap<string, number>;
  /** Monotonic times, as the rules read them (see `log/hubMemory`'s `gateSeedOf`). */
  readonly lastAcceptedAt?: ReadonlyMap<string, number>;
  readonly lastPriorityAt?: ReadonlyMap<number, number>;
}

/** A fresh gate memory from what was persisted (nothing: seq 0, no ids). */
export function createGateState(seed: GateSeed = {}): GateState {
  return {
    seq: seed.seq ?? 0,
    lastIds: new Map(seed.lastIds ?? []),
    lastAcceptedAt: new Map(seed.lastAcceptedAt ?? []),
    lastPriorityAt: new Map(seed.lastPriorityAt ?? []),
  };
}

/**
 * One gating rule. `check` is pure and says why an input must be rejected (null: it passes);
 * `commit` records an accepted input and is called only after every rule's check passed.
 */
export interface GateRule {
  readonly name: string;
  check(state: GateSnapshot, input: ValidTrigger, ctx: GateContext): Rejection | null;
  commit(state: GateState, input: ValidTrigger, ctx: GateContext): GateState;
}
