import { filter, map, merge, scan, startWith, type Observable } from 'rxjs';
import type { Decision, RejectReason } from '../contracts';

/** What the PLC reads back about its own triggers: the Modbus source's half of the handshake. */
export interface HandshakeState {
  /** `seq` of the last accepted trigger from this source (0 before the first, and after a reset). */
  readonly lastSeq: number;
  /** Accepted and rejected triggers from this source, wrapping at 2^32 like a PLC's UDINT. */
  readonly accepted: number;
  readonly rejected: number;
  /** {@link REJECT_CODES} of the last rejection; 0 for none. */
  readonly lastReason: number;
  /** Acknowledge input per trigger name: flips on every acceptance of that trigger. */
  readonly acks: Readonly<Record<string, boolean>>;
}

/** Rejection reasons as numbers for an input register; 99 for a reason added later. */
export const REJECT_CODES: Readonly<Record<RejectReason, number>> = {
  unknown_trigger: 1,
  invalid_value: 2,
  not_whitelisted: 3,
  cooldown: 4,
  min_interval: 5,
  superseded: 6,
  duplicate: 7,
  stale: 8,
  overflow: 9,
  source_disabled: 10,
  not_stored: 11,
  not_durable: 12,
};

export const INITIAL_HANDSHAKE: HandshakeState = { lastSeq: 0, accepted: 0, rejected: 0, lastReason: 0, acks: {} };

/** One step of the handshake: a decision of this source, or a CMD_RESET. */
export type HandshakeInput = { readonly reset: false; readonly decision: Decision } | { readonly reset: true };

/** The pure transition of {@link createHandshake$}; the decision is assumed to be this source's. */
export function reduceHandshake(state: HandshakeState, input: HandshakeInput): HandshakeState {
  if (input.reset) return INITIAL_HANDSHAKE;
  const d = input.decision;
  if (!d.accepted) return { ...state, rejected: (state.rejected + 1) >>> 0, lastReason: REJECT_CODES[d.reason] ?? 99 };
  const name = d.event.name;
  return { ...state, lastSeq: d.event.seq, accepted: (state.accepted + 1) >>> 0, acks: { ...state.acks, [name]: !state.acks[name] } };
}

/**
 * The handshake state of one source over time: counts that source's decisions, remembers its
 * last accepted `seq`, flips a trigger's acknowledge on each of its acceptances; a reset returns
 * everything to {@link INITIAL_HANDSHAKE}. Decisions of other sources change nothing, so the PLC
 * only ever sees its own triggers acknowledged.
 *
 * ```
 * decisions$:  --a--b--h----a--    a: MODBUS accepted (seq 1, then 4), b: MODBUS rejected, h: HTTP accepted
 * reset$:      ----------r------
 * result:      i-A--B----R--C--    A: ack on, 1 accepted; B: 1 rejected; R: initial; C: ack on, seq 4
 * ```
 */
export function createHandshake$(decisions$: Observable<Decision>, reset$: Observable<unknown>, source = 'MODBUS'): Observable<HandshakeState> {
  return merge(
    decisions$.pipe(
      filter((decision) => decision.input.source === source),
      map((decision): HandshakeInput => ({ reset: false, decision })),
    ),
    reset$.pipe(map((): HandshakeInput => ({ reset: true }))),
  ).pipe(scan(reduceHandshake, INITIAL_HANDSHAKE), startWith(INITIAL_HANDSHAKE));
}
