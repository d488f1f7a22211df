import type { EndOfTurn } from '../eventLog/groupCommit';

interface Turn {
  readonly queues: Array<Array<() => void>>;
  /** The stage whose immediate runs next: every stage before it has run or is running. */
  next: number;
}

/**
 * End-of-turn work in stages that all run in one check phase of the event loop. The first job of
 * a turn queues one `setImmediate` per stage, in order, so a job that a stage's work queues for a
 * later stage still runs in this turn, after the microtasks and nextTicks Node drains between two
 * immediates, where a `setImmediate` queued during the check phase would wait for the next turn.
 * A job for a stage that has already started goes to the next turn.
 */
export function createTurnStages(count: number, immediate: EndOfTurn = setImmediate): EndOfTurn[] {
  let current: Turn | undefined;
  const open = (): Turn => {
    const turn: Turn = { queues: Array.from({ length: count }, () => []), next: 0 };
    for (let s = 0; s < count; s++) {
      immediate(() => {
        turn.next = s + 1;
        const jobs = turn.queues[s];
        turn.queues[s] = [];
        for (const job of jobs) job();
      });
    }
    return turn;
  };
  return Array.from({ length: count }, (_, s): EndOfTurn => (fn) => {
    let turn = current;
    if (turn === undefined || turn.next > s) current = turn = open();
    turn.queues[s].push(fn);
  });
}

/**
 * The three stages of an accepted input's way out, in one turn: an HTTP answer waits for its
 * record's write and for the services' writes, and each of these coalesces its turn's work. As
 * three plain `setImmediate`s, the answers to one turn's requests left two turns later.
 */
export interface HubTurn {
  /** The event log writes what the turn staged (group commit). */
  readonly log: EndOfTurn;
  /** The service actors and the WebSocket fan-out write what the records released. */
  readonly dispatch: EndOfTurn;
  /** The answers decided by then leave. */
  readonly answer: EndOfTurn;
}

export function createHubTurn(immediate: EndOfTurn = setImmediate): HubTurn {
  const [log, dispatch, answer] = createTurnStages(3, immediate);
  return { log, dispatch, answer };
}
