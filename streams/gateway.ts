import { asyncScheduler, map, pipe, type Observable, type SchedulerLike } from 'rxjs';
import { definedFields, type Decision, type RawTrigger, type Rejected, type TriggerDef, type TriggerEvent } from './contracts';
import { checkGate, commitGate } from './gating/gate';
import { createGateContext, DEFAULT_GATING, type GatingConfig } from './gating/gatingConfig';
import { createGateState, type GateSeed } from './gating/gateState';
import { createIpWhitelist } from './gating/ipWhitelist';
import { minIntervalScopeKey } from './gating/minInterval';
import { nextSeq } from './gating/sequence';
import { Superseded, throttleContinuous } from './gating/throttleContinuous';
import { validateTrigger, type ValidTrigger } from './gating/validateTrigger';

/** Everything the gateway needs, from the composition root. */
export interface GatewayDeps {
  /** The trigger catalog, by name. */
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  /** Filtering parameters; each missing field takes its `DEFAULT_GATING` value (every rule off). */
  readonly gating?: Partial<GatingConfig>;
  /** Memory to resume from (the event log's): the last `seq`, each trigger's last id, the gate's times. Default: a fresh hub. */
  readonly initial?: GateSeed;
  /** Organization of triggers that declare none. Default `'default'`. */
  readonly defaultOrganization?: string;
  /** Monotonic clock and timers for the rules and the Continuous throttle. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** UTC ISO 8601 now, stamped on accepted events. */
  readonly utcNow: () => string;
}

/** The gateway as a stage of the pipeline, plus a read of its sequence counter. */
export interface Gateway {
  (input$: Observable<RawTrigger>): Observable<Decision>;
  /** The last `seq` assigned (the initial seq before any acceptance). */
  currentSeq(): number;
  /**
   * Sets the gate back, after an accepted `event` could not be stored, to what the log holds
   * (`stored`, as `log/hubMemory`'s `storedGateOf` makes it): the trigger's last id, and for an
   * event the time of its minimum-interval scope and of its source's priority. Its retry is then
   * gated as if it had never come: not `duplicate`, nor `min_interval` after itself, and it holds
   * no lower-priority source in `cooldown`. Its seq stays used (see {@link release}).
   */
  forget(event: TriggerEvent, stored: GateSeed): void;
  /**
   * Gives `seq` back, after the log could not write the event that took it (and kept nothing of
   * it): once every seq above it up to the last one assigned is given back too, the counter goes
   * down below them all, and the next inputs take those seqs again. A seq with a higher one still
   * used (stored, or not yet decided) stays used: the counter never goes back over a seq the log
   * may hold. A batch that failed is given back in decision order, so it is its last seq that
   * moves the counter.
   */
  release(seq: number): void;
}

type Staged = ValidTrigger | Rejected;

/**
 * Builds the gateway: validate → whitelist → throttle Continuous → gate (idempotency, cooldown,
 * minimum interval, sequence). Exactly one Decision per input, in the order decided; a throttled
 * Continuous value is decided when its window releases it. It never errors on an input: an
 * unexpected exception becomes a rejection and the stream goes on.
 *
 * ```
 * input$:    a-b-c|        (a accepted, b a retry of a's id, c an unknown trigger)
 * result:    A-B-C|        A accepted seq n+1, B rejected duplicate, C rejected unknown_trigger
 * ```
 *
 * The gate state belongs to the gateway, not to one subscription: every stream it gates shares
 * one sequence (like the seed's lock shared by all source threads). Throttle windows are per
 * subscription, so the hub should feed all sources through one subscription.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const { triggers, utcNow, scheduler = asyncScheduler } = deps;
  const gating: GatingConfig = { ...DEFAULT_GATING, ...definedFields(deps.gating ?? {}) };
  const organization = deps.defaultOrganization ?? 'default';
  const whitelist = createIpWhitelist(gating.whitelist);
  const state = createGateState(deps.initial);
  // One context reused with `now` updated per input: nothing the size of the config is allocated per input.
  const ctx = createGateContext(gating);

  const stage = (raw: RawTrigger): Staged => {
    try {
      const valid = validateTrigger(raw, triggers);
      if (!valid.ok) return { accepted: false, input: raw, reason: valid.reason, message: valid.message };
      const denied = whitelist(raw.source, raw.remote);
      return denied === null ? valid : { accepted: false, input: raw, ...denied };
    } catch (err) {
      return failed(raw, err);
    }
  };

  const decide = (item: Staged | Superseded<Staged>): Decision => {
    if (item instanceof Superseded) {
      const { raw, def } = item.item as ValidTrigger;
      return {
        accepted: false,
        input: raw,
        reason: 'superseded',
        message: `Trigger '${def.name}' value was replaced by a newer one within ${gating.minIntervalMs} ms; the newer one is delivered`,
      };
    }
    if ('accepted' in item) return item;
    try {
      ctx.now = scheduler.now();
      const rejection = checkGate(state, item, ctx);
      if (rejection !== null) return { accepted: false, input: item.raw, ...rejection };
      // Built before the commit: if anything here throws, the gate state has not moved.
      const event = toEvent(item, nextSeq(state), utcNow(), organization);
      commitGate(state, item, ctx);
      return { accepted: true, input: item.raw, event };
    } catch (err) {
      return failed(item.raw, err);
    }
  };

  const throttle = throttleContinuous<Staged>(
    {
      windowMs: gating.minIntervalMs,
      isThrottled: (s) => !('accepted' in s) && s.raw.kind === 'event' && s.def.type === 'Continuous',
      keyOf: (s) => minIntervalScopeKey(gating.minIntervalScope, (s as ValidTrigger).def.name),
    },
    scheduler,
  );
  const gate = pipe(map(stage), throttle, map(decide));

  const gateway = (input$: Observable<RawTrigger>): Observable<Decision> => input$.pipe(gate);
  gateway.currentSeq = () => state.seq;
  gateway.forget = (event: TriggerEvent, stored: GateSeed) => {
    restore(state.lastIds, event.name, stored.lastIds);
    // Statuses record no times (see minInterval, priorityCooldown).
    if (event.kind !== 'event') return;
    restore(state.lastAcceptedAt, minIntervalScopeKey(gating.minIntervalScope, event.name), stored.lastAcceptedAt);
    restore(state.lastPriorityAt, ctx.priorityOf(event.source), stored.lastPriorityAt);
  };
  /**
   * Seqs given back while a higher one was still used: each comes back once every seq above it is
   * given back too. One number per failed write that a stored one outlives, so kept as they are.
   */
  const released = new Set<number>();
  gateway.release = (seq: number) => {
    if (seq <= state.seq) released.add(seq);
    while (released.delete(state.seq)) state.seq--;
  };
  return gateway;
}

/** Sets `key` of `map` to its value in `from`, or removes it when `from` has none. */
function restore<K>(map: Map<K, number>, key: K, from: ReadonlyMap<K, number> | undefined): void {
  const value = from?.get(key);
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}

function toEvent({ raw, def, value, id }: ValidTrigger, seq: number, timestamp: string, organization: string): TriggerEvent {
  return {
    seq,
    kind: raw.kind,
    name: def.name,
    value,
    id,
    type: def.type,
    category: def.category,
    organization: def.organization ?? organization,
    source: raw.source,
    timestamp,
    receivedAt: raw.receivedAt,
  };
}

function failed(input: RawTrigger, err: unknown): Rejected {
  const why = err instanceof Error ? err.message : String(err);
  return { accepted: false, input, reason: 'invalid_value', message: `Input could not be processed: ${why}` };
}
