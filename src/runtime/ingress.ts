import type { Observable, OperatorFunction, SchedulerLike } from 'rxjs';
import { createBroadcast } from '../../streams/broadcast';
import type { Accepted, Decision, RawTrigger, Rejected, Rejection } from '../../streams/contracts';
import type { TriggerReport } from '../hub';

/** The gateway as a function of its input stream. */
export type GatewayOperator = OperatorFunction<RawTrigger, Decision>;

export interface IngressDeps {
  readonly gateway: GatewayOperator;
  readonly scheduler: SchedulerLike;
  /** Inputs awaiting their decision beyond this are rejected at once as `overflow`. */
  readonly maxPending: number;
  /** Sources switched off in config; their inputs are rejected as `source_disabled`. */
  readonly isSourceEnabled: (source: string) => boolean;
  /**
   * Stores an accepted input (the event log's append): its answer waits for it, so nothing is
   * answered "accepted" that a crash would forget. Called in decision order.
   */
  readonly commit: (accepted: Accepted) => Promise<void>;
  /**
   * An accepted input the log did not store (`error`, as the commit rejected): what its caller is
   * answered instead (the gateway forgets what it recorded of an input the log does not hold).
   */
  readonly notStored: (accepted: Accepted, error: unknown) => Rejection;
}

/** One input refused before the gateway, by its source and why. */
export interface Refusal {
  readonly source: string;
  readonly reason: string;
}

/** The one door into the gateway: every source reports here and awaits its decision. */
export interface Ingress {
  report(input: TriggerReport): Promise<Decision>;
  /** Every decision, in the order the gateway made them. Hot. */
  readonly decisions$: Observable<Decision>;
  /**
   * Every answer as its caller gets it: rejections (also those before the gateway: disabled
   * source, overflow) and acceptances once stored, or `not_stored`. Hot; for metrics and the dashboard.
   */
  readonly answers$: Observable<Decision>;
  /**
   * Inputs a source refused before the gateway (a body that is not JSON or not a trigger, a TCP line
   * that is not one, a Modbus request outside the map, a device key missing): counted with the
   * answers, never decided.
   */
  refused(source: string, reason: string): void;
  /**
   * From now on every new input is refused (`overflow`, "Hub is shutting down": nothing stored),
   * while those already inside are decided and stored: what the log holds is then final, so the
   * clients told of the shutdown get all of it before their close.
   */
  refuseNew(): void;
  readonly refused$: Observable<Refusal>;
  /** Inputs still waiting for their decision (a throttled Continuous value waits for its window). */
  pending(): number;
  /** Stops the gateway; inputs still waiting are answered `overflow` so no caller hangs. */
  close(): void;
}

/** An accepted input with an id while the log writes it: its answer, and the rejection it got if the write failed (set before the answer settles). */
interface BeingStored {
  answered: Promise<Decision>;
  failed: Rejection | null;
}

/**
 * Pushes each report into the gateway with a ticket and resolves the caller's promise with the
 * decision carrying that ticket. The queue in front of the gateway is bounded: past `maxPending`
 * the input is rejected as `overflow` (the seed's overflow signal) and nothing else changes.
 *
 * Nearly every input is decided while it is being pushed (only a throttled Continuous value
 * waits for its window): that decision is caught on the way and answered as is, and only an
 * input still undecided afterwards is parked by ticket.
 */
export function createIngress({ gateway, scheduler, maxPending, isSourceEnabled, commit, notStored }: IngressDeps): Ingress {
  const inputs = createBroadcast<RawTrigger>();
  const waiting = new Map<number, { input: RawTrigger; resolve: (d: Decision | Promise<Decision>) => void }>();
  let nextTicket = 1;
  let shuttingDown = false;
  /** The input being pushed right now, and its answer once the gateway decided it. */
  let pushing: RawTrigger | undefined;
  let decidedNow: Promise<Decision> | undefined;
  // Told only while observed, after the ingress took its own answer: a share() in between was a Subject's hop per input for a stream nobody reads in production.
  const decisions = createBroadcast<Decision>();
  const answers = createBroadcast<Decision>();
  const refusals = createBroadcast<Refusal>();
  const told = (decision: Decision): Decision => {
    if (answers.observed) answers.next(decision);
    return decision;
  };
  /**
   * Per trigger, the accepted inputs with an id whose log write is under way, by id in decision
   * order. The gate judges a retry (`duplicate`) and an older id (`stale`) against such an id
   * already, before the log holds it; with `fsync: always` several writes of one trigger may be
   * under way at once. One map per trigger of the catalog, kept once made.
   */
  const idsBeingStored = new Map<string, Map<number, BeingStored>>();
  const storeWithId = (decision: Accepted, id: number): Promise<Decision> => {
    const { name } = decision.event;
    let ids = idsBeingStored.get(name);
    if (ids === undefined) idsBeingStored.set(name, (ids = new Map()));
    const written = ids;
    // One promise per input, as for an input without an id: the entry learns the write's outcome in its handlers.
    const entry: BeingStored = { failed: null, answered: undefined as unknown as Promise<Decision> };
    const settle = () => {
      if (written.get(id) === entry) written.delete(id);
    };
    entry.answered = commit(decision).then(
      (): Decision => {
        settle();
        return told(decision);
      },
      (err: unknown): Decision => {
        settle();
        entry.failed = notStored(decision, err);
        return told({ accepted: false, input: decision.input, ...entry.failed });
      },
    );
    written.set(id, entry);
    return entry.answered;
  };
  /** The write a `duplicate` or `stale` was judged against, if still under way: the same id's, or the trigger's newest (the gate's last id). */
  const writeJudgedAgainst = (decision: Rejected): BeingStored | undefined => {
    const ids = idsBeingStored.get(decision.input.name);
    if (ids === undefined || ids.size === 0) return undefined;
    if (decision.reason === 'duplicate') return typeof decision.input.id === 'number' ? ids.get(decision.input.id) : undefined;
    let newest: BeingStored | undefined;
    for (const entry of ids.values()) newest = entry;
    return newest;
  };
  /**
   * A `duplicate` says "already accepted": it must not leave before the input it repeats is stored.
   * Such an answer (and a `stale` one) judged against an id still being written waits for that
   * write, and becomes `not_stored` if the log did not keep it (its caller should retry).
   */
  const judgedByUnstored = (decision: Rejected): Promise<Decision> | undefined => {
    if (decision.reason !== 'duplicate' && decision.reason !== 'stale') return undefined;
    const original = writeJudgedAgainst(decision);
    if (original === undefined) return undefined;
    const judged = (): Decision => {
      const failed = original.failed;
      return told(failed?.reason === 'not_stored' ? { accepted: false, input: decision.input, reason: 'not_stored', message: failed.message } : decision);
    };
    return original.answered.then(judged, judged);
  };
  /** The caller's answer: a rejection at once (unless judged by an input still being stored); an acceptance once the log has stored it. */
  const answer = (decision: Decision): Promise<Decision> => {
    if (!decision.accepted) return judgedByUnstored(decision) ?? Promise.resolve(told(decision));
    if (decision.event.id !== null) return storeWithId(decision, decision.event.id);
    return commit(decision).then(
      () => told(decision),
      (err: unknown): Decision => told({ accepted: false, input: decision.input, ...notStored(decision, err) }),
    );
  };
  // The ingress itself is a subscriber, so decisions flow (and callers resolve) even with no other reader.
  const subscription = gateway(inputs.stream$).subscribe((decision) => {
    // Told before the answer, whose readers (answers$) may subscribe to decisions$: they get the next decision, not this one.
    if (decisions.observed) decisions.next(decision);
    if (decision.input === pushing) {
      decidedNow = answer(decision);
    } else {
      const entry = waiting.get(decision.input.ticket);
      if (entry) {
        waiting.delete(decision.input.ticket);
        entry.resolve(answer(decision));
      }
    }
  });
  /** Pushes `input`; its answer if the gateway decided it during the push. */
  const push = (input: RawTrigger): Promise<Decision> | undefined => {
    // Saved and restored: a subscriber of a decision may itself report (a power binding, say).
    const outerPushing = pushing;
    const outerDecided = decidedNow;
    pushing = input;
    decidedNow = undefined;
    try {
      inputs.next(input);
      return decidedNow;
    } finally {
      pushing = outerPushing;
      decidedNow = outerDecided;
    }
  };
  const reject = (input: RawTrigger, reason: Rejected['reason'], message: string): Promise<Decision> =>
    Promise.resolve(told({ accepted: false, input, reason, message }));

  return {
    report(report) {
      // Field by field, not `{ ...report, ticket, receivedAt }`: V8 (Node 20) takes a slow path of
      // about 1 µs per property added after a spread, which was a third of the gateway's cost.
      const { source, kind, name, value, id, remote } = report;
      const input: RawTrigger = { source, kind, name, value, id, remote, ticket: nextTicket++, receivedAt: scheduler.now() };
      if (shuttingDown) return reject(input, 'overflow', 'Hub is shutting down');
      if (!isSourceEnabled(input.source)) return reject(input, 'source_disabled', `Source ${input.source} is disabled in config`);
      if (waiting.size >= maxPending) return reject(input, 'overflow', `Gateway queue is full (${maxPending} inputs waiting); try again shortly`);
      const decided = push(input);
      if (decided) return decided;
      return new Promise<Decision>((resolve) => waiting.set(input.ticket, { input, resolve }));
    },
    decisions$: decisions.stream$,
    answers$: answers.stream$,
    refused(source, reason) {
      if (refusals.observed) refusals.next({ source, reason });
    },
    refused$: refusals.stream$,
    refuseNew() {
      shuttingDown = true;
    },
    pending: () => waiting.size,
    close() {
      inputs.complete();
      subscription.unsubscribe();
      for (const { input, resolve } of waiting.values()) {
        resolve(told({ accepted: false, input, reason: 'overflow', message: 'Hub is shutting down' }));
      }
      waiting.clear();
      decisions.complete();
      answers.complete();
      refusals.complete();
    },
  };
}
