import type { MinIntervalScope } from './gatingConfig';
import type { GateRule } from './gateState';

/** The key all triggers share under the `global` scope. */
export const GLOBAL_SCOPE_KEY = '*';

/** The minimum-interval scope an input counts against: its trigger's name, or the one global key. */
export function minIntervalScopeKey(scope: MinIntervalScope, triggerName: string): string {
  return scope === 'global' ? GLOBAL_SCOPE_KEY : triggerName;
}

/**
 * An event less than `minIntervalMs` after the last accepted event of its scope is rejected
 * `min_interval`; exactly at the boundary it passes. Statuses are exempt and do not count.
 * Continuous events are never rejected here (they are throttled before the gate) but their
 * acceptance does count for the scope. `minIntervalMs` 0 disables the rule.
 */
export const minInterval: GateRule = {
  name: 'minInterval',
  check(state, { raw, def }, ctx) {
    if (raw.kind !== 'event' || ctx.minIntervalMs <= 0 || def.type === 'Continuous') return null;
    const last = state.lastAcceptedAt.get(minIntervalScopeKey(ctx.minIntervalScope, def.name));
    if (last === undefined) return null;
    const elapsed = ctx.now - last;
    if (elapsed >= ctx.minIntervalMs) return null;
    const what = ctx.minIntervalScope === 'global' ? 'the last accepted event' : `the last accepted '${def.name}' event`;
    return {
      reason: 'min_interval',
      message: `Trigger '${def.name}' came ${elapsed} ms after ${what}; the minimum interval is ${ctx.minIntervalMs} ms (${ctx.minIntervalScope}), retry in ${ctx.minIntervalMs - elapsed} ms`,
    };
  },
  commit(state, { raw, def }, ctx) {
    if (raw.kind === 'event' && ctx.minIntervalMs > 0) {
      state.lastAcceptedAt.set(minIntervalScopeKey(ctx.minIntervalScope, def.name), ctx.now);
    }
    return state;
  },
};
