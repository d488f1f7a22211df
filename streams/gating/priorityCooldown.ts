import type { GateRule } from './gateState';

/**
 * After an accepted event from a source of priority p at time t, events from sources of lower
 * priority are rejected `cooldown` while `now - t < cooldownMs` (at exactly `t + cooldownMs`
 * they pass). Statuses are exempt and start no cooldown; `cooldownMs` 0 disables the rule.
 */
export const priorityCooldown: GateRule = {
  name: 'priorityCooldown',
  check(state, { raw }, ctx) {
    if (raw.kind !== 'event' || ctx.cooldownMs <= 0) return null;
    const own = ctx.priorityOf(raw.source);
    let remaining = 0;
    let blocker = 0;
    // A handful of priorities at most, so a scan beats keeping a sorted structure up to date.
    for (const [priority, at] of state.lastPriorityAt) {
      const left = at + ctx.cooldownMs - ctx.now;
      if (priority > own && left > remaining) {
        remaining = left;
        blocker = priority;
      }
    }
    if (remaining <= 0) return null;
    return {
      reason: 'cooldown',
      message: `Source ${raw.source} (priority ${own}) is cooling down after a priority ${blocker} event; retry in ${remaining} ms`,
    };
  },
  commit(state, { raw }, ctx) {
    if (raw.kind === 'event' && ctx.cooldownMs > 0) state.lastPriorityAt.set(ctx.priorityOf(raw.source), ctx.now);
    return state;
  },
};
