import type { Accepted, Rejection } from '../../streams/contracts';
import type { Gateway } from '../../streams/gateway';
import { storedGateOf, type HubMemory, type MemoryRules } from '../../streams/log/hubMemory';
import { NotStoredError } from '../eventLog/eventLog';

export interface UnstoredAnswerDeps {
  readonly gateway: Pick<Gateway, 'forget' | 'release'>;
  /** The hub's memory as the log holds it. */
  readonly memory: HubMemory;
  readonly rules: MemoryRules;
  /** The gateway's monotonic clock and the wall clock (ms), as the gate reads them. */
  readonly now: () => number;
  readonly wallMs: () => number;
}

/**
 * What the caller of an accepted input is answered when the event log did not store it, and what
 * the gateway is set back to:
 * - a write that failed left nothing in the log: `not_stored` (nothing was accepted, retry); the
 *   gate forgets the input and its seq goes to the next inputs, so the log stays gapless;
 * - a write that succeeded but whose fsync failed (`always`): `not_durable`. The log, the memory and
 *   the services have the event, so the gate keeps it and the seq stays used, and the answer says
 *   not to resend it: the resend would be a second event (or, with the same id, a duplicate).
 */
export function createUnstoredAnswer({ gateway, memory, rules, now, wallMs }: UnstoredAnswerDeps): (accepted: Accepted, error: unknown) => Rejection {
  return ({ event }, error) => {
    if (error instanceof NotStoredError && error.written) {
      return {
        reason: 'not_durable',
        message: `The disk did not confirm event ${event.seq} (${error.why}): it is in the event log and was sent on, but a power cut may lose it; do not resend it`,
      };
    }
    gateway.forget(event, storedGateOf(memory, event, rules, now(), wallMs()));
    gateway.release(event.seq);
    const why = error instanceof Error ? error.message : String(error);
    return { reason: 'not_stored', message: `${why}; nothing was accepted, retry shortly` };
  };
}
