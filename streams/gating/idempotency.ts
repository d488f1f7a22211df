import type { GateRule } from './gateState';

/**
 * The device's id orders a trigger's history: an id equal to the last accepted one of that
 * trigger is a retry (`duplicate`), a lower one is out of date (`stale`). Inputs without an id
 * pass. Applies to events and statuses alike; an accepted id becomes the trigger's last id.
 */
export const idempotency: GateRule = {
  name: 'idempotency',
  check(state, { def, id }) {
    if (id === null) return null;
    const last = state.lastIds.get(def.name);
    if (last === undefined || id > last) return null;
    return id === last
      ? { reason: 'duplicate', message: `Trigger '${def.name}' id ${id} was already accepted; a retry is not dispatched twice` }
      : { reason: 'stale', message: `Trigger '${def.name}' id ${id} is older than the cached id ${last}; ids must increase` };
  },
  commit(state, { def, id }) {
    if (id !== null) state.lastIds.set(def.name, id);
    return state;
  },
};
