import type { QueuedDelivery } from '../../../streams/services/serviceEffects';
import type { Transition } from '../../../streams/services/serviceMachine';

/** A delivery as the transitions see it, named by its line. */
export interface TestDelivery extends QueuedDelivery {
  readonly name: string;
  readonly line: { readonly length: number };
  readonly enqueuedAt: number;
  settled: boolean;
}

/** A delivery of `length` bytes taken at `at`. */
export function delivery(name: string, at = 0, length = name.length + 1): TestDelivery {
  return { name, line: { length }, enqueuedAt: at, settled: false };
}

/** One row of a table: a message at a time. */
export type Row<M> = readonly [at: number, message: M];

/**
 * Folds `rows` through `transition` from `initial`, as the mailbox does, and returns the state
 * after each row and every effect, each tagged with the row's time. Settle effects are applied to
 * the test deliveries (so a settled one is skipped, as in production).
 */
export function fold<S, M, E extends { readonly type: string }>(
  transition: Transition<S, M, E>,
  initial: S,
  rows: ReadonlyArray<Row<M>>,
): { states: S[]; effects: Array<E & { at: number }> } {
  let state = initial;
  const states: S[] = [];
  const effects: Array<E & { at: number }> = [];
  for (const [at, message] of rows) {
    const step = transition(state, message, at);
    state = step.state;
    states.push(state);
    for (const effect of step.effects) {
      effects.push({ ...effect, at });
      const settle = effect as unknown as { type: string; deliveries?: TestDelivery[] };
      if (settle.type === 'settle') for (const d of settle.deliveries ?? []) d.settled = true;
    }
  }
  return { states, effects };
}

/** The settle effects among `effects`, as `[result, names, detail?]`. */
export function settles(effects: ReadonlyArray<{ readonly type: string }>): Array<[string, string[], string | undefined]> {
  return effects
    .filter((e): e is { type: 'settle'; deliveries: TestDelivery[]; result: string; detail?: string } => e.type === 'settle')
    .map((e) => [e.result, e.deliveries.map((d) => d.name), e.detail]);
}
