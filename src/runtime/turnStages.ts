/** Runs `fn` at the end of this turn of the event loop; it must not run it before returning. */
export type EndOfTurn = (fn: () => void) => void;

interface Turn {
  readonly queues: Array<Array<() => void>>;
  /** The stage whose immediate runs next: every stage before it has started. */
  next: number;
}

/**
 * End-of-turn work in stages that all run in one check phase of the event loop. The first job of
 * a turn queues one `setImmediate` per stage, in order, so a job that a stage's work queues for a
 * later stage still runs in this turn, after the microtasks and nextTicks Node drains between two
 * immediates, where a `setImmediate` queued during the check phase would wait for the next turn.
 * A job for a stage that has started goes to the following turn; one for a stage still to come
 * joins the running turn even then. A job that throws does not take its stage's other jobs with
 * it: its error goes to `rethrow`, by default thrown again from a microtask, uncaught as it was
 * from a `setImmediate` of its own.
 */
export function createTurnStages(count: number, immediate: EndOfTurn = setImmediate, rethrow: (err: unknown) => void = throwLater): EndOfTurn[] {
  /** The turn whose stages have begun to run. */
  let running: Turn | undefined;
  /** The turn whose immediates are queued but whose first stage has not run yet. */
  let following: Turn | undefined;
  const open = (): Turn => {
    const turn: Turn = { queues: Array.from({ length: count }, () => []), next: 0 };
    for (let s = 0; s < count; s++) immediate(() => run(turn, s));
    return turn;
  };
  const run = (turn: Turn, s: number): void => {
    if (turn === following) {
      running = turn;
      following = undefined;
    }
    turn.next = s + 1;
    for (const job of turn.queues[s]) {
      try {
        job();
      } catch (err) {
        rethrow(err);
      }
    }
    turn.queues[s] = [];
  };
  return Array.from({ length: count }, (_, s): EndOfTurn => (fn) => {
    const turn = running !== undefined && running.next <= s ? running : (following ??= open());
    turn.queues[s].push(fn);
  });
}

function throwLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}

/**
 * The stages of an accepted input's way out, in one turn: an HTTP answer waits for its record's
 * write and for its services' writes, and each of these coalesces its turn's work. As plain
 * `setImmediate`s, the answers to one turn's requests left two turns later.
 */
export interface HubTurn {
  /** The event log writes what the turn staged (group commit). */
  readonly log: EndOfTurn;
  /** The service actors write what the records released. */
  readonly dispatch: EndOfTurn;
  /** The answers decided by then leave. */
  readonly answer: EndOfTurn;
  /** The WebSocket fan-out writes to its clients (when its pacer lets it): last, since no answer waits for it. */
  readonly clients: EndOfTurn;
}

/** The hub's stages, each turn's in the order of {@link HubTurn}'s fields. */
export function createHubTurn(immediate: EndOfTurn = setImmediate): HubTurn {
  const [log, dispatch, answer, clients] = createTurnStages(4, immediate);
  return { log, dispatch, answer, clients };
}
