import { CLOSE, type CloseReason } from './closeCodes';
import { createCoalescingOutbox, drainOutbox, offerOutbox, type CoalescingOutbox } from './coalescingOutbox';

/**
 * `authenticating` until a valid token; `live` receives; `backed_up` its socket holds more than
 * the bound, so messages wait in a coalescing outbox; `closing` a close frame was sent; `closed`.
 */
export type ConnectionStatus = 'authenticating' | 'live' | 'backed_up' | 'closing' | 'closed';

/** The bounds every connection shares. */
export interface ConnectionLimits {
  /** Bytes the socket may hold unsent before the connection counts as backed up. */
  readonly maxBufferedBytes: number;
  /** Frames queued in one tick before they are written early; also the backed-up outbox's bound. */
  readonly maxPending: number;
  readonly authTimeoutMs: number;
  /** A connection backed up this long is closed, however small coalescing keeps its outbox. */
  readonly slowConsumerMs: number;
  /** A closing connection whose peer does not answer the close frame is cut off after this. */
  readonly closeGraceMs: number;
}

/**
 * One connection's snapshot. `pending` (this tick's frames) and `outbox` are buffers with one
 * owner, appended in place like the outbox itself: copying them on every frame would cost
 * O(size) per frame for nobody's benefit. Everything else is replaced, never changed.
 */
export interface ConnectionState<F> {
  readonly status: ConnectionStatus;
  /** When `status` last changed (monotonic ms): auth deadline, backed-up time, close grace. */
  readonly since: number;
  /** Cleared by each heartbeat ping, set by any sign of life; still clear at the next one: dead. */
  readonly alive: boolean;
  readonly pending: F[] | undefined;
  readonly outbox: CoalescingOutbox<F> | undefined;
}

/** The mailbox's messages. `F` is a frame (a Buffer in the shell), `M` the shell's batch memo. */
export type ConnectionMessage<F, M = unknown> =
  /** A text message from the client. */
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'binary' }
  | { readonly type: 'pong' }
  /** Authenticated: from now on it receives. */
  | { readonly type: 'admit'; readonly why?: string }
  /** A frame for this tick's write; with `key` (a trigger name) it may be coalesced while backed up. */
  | { readonly type: 'deliver'; readonly frame: F; readonly key?: string }
  /** Several frames at once, in order, `keys[i]` for `frames[i]` (a connection's catch-up on the fan-out's log). */
  | { readonly type: 'deliver_all'; readonly frames: readonly F[]; readonly keys: readonly (string | undefined)[] }
  /** Writes this tick's frames. */
  | { readonly type: 'flush'; readonly memo?: M }
  /** Writes a batch shared with other connections at once (the fan-out checked nothing else is queued). */
  | { readonly type: 'write'; readonly data: F }
  /** What the socket holds unsent right after a write. */
  | { readonly type: 'written'; readonly bufferedBytes: number }
  /** The socket drained: the outbox goes out, and `written` says whether it is live again. */
  | { readonly type: 'drained' }
  /** The shared sweep: deadlines, and on `heartbeat` the ping or the reaping. */
  | { readonly type: 'sweep'; readonly heartbeat: boolean }
  /** Sends the close frame (after `farewell` and what is queued, when there is a farewell). */
  | { readonly type: 'close'; readonly close: CloseReason; readonly farewell?: F }
  | { readonly type: 'socket_closed'; readonly code: number };

/** What the shell does for a transition, in order. */
export type ConnectionEffect<F, M = unknown> =
  /** Write these frames as one; then tell the machine what the socket holds (`written`). */
  | { readonly type: 'write'; readonly frames: readonly F[]; readonly memo?: M }
  /** Send `drained` at the socket's next drain. */
  | { readonly type: 'await_drain' }
  /**
   * Hand these frames back as a `deliver_all` once the effects before it are done: a catch-up
   * writes at most one batch per message, so `written` can tell a backed-up socket first.
   */
  | { readonly type: 'redeliver'; readonly frames: readonly F[]; readonly keys: readonly (string | undefined)[] }
  /** Hand a client's text message to the session. */
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'ping' }
  | { readonly type: 'close'; readonly close: CloseReason }
  /** Cut the socket off without a close handshake. */
  | { readonly type: 'terminate'; readonly why: 'heartbeat' | 'close_grace' }
  | { readonly type: 'status'; readonly from: ConnectionStatus; readonly to: ConnectionStatus; readonly why?: string }
  /** The socket is gone: forget the connection. */
  | { readonly type: 'ended' };

/**
 * Monotonic ms, read only when a transition needs the time (a status change, a deadline): every
 * frame of every connection is a message, and most never need it.
 */
export type Clock = () => number;

/** A transition's result. */
export interface ConnectionStep<F, M = unknown> {
  readonly state: ConnectionState<F>;
  readonly effects: readonly ConnectionEffect<F, M>[];
}

/** A connection that just opened at `now`. */
export function initialConnection<F>(now: number): ConnectionState<F> {
  return { status: 'authenticating', since: now, alive: true, pending: undefined, outbox: undefined };
}

const NONE: readonly never[] = [];

/** `state` with other frames pending; a literal, not a spread: this runs for nearly every frame. */
function withPending<F>(state: ConnectionState<F>, pending: F[] | undefined): ConnectionState<F> {
  return { status: state.status, since: state.since, alive: state.alive, pending, outbox: state.outbox };
}

/**
 * The connection actor's pure transition: `(state, message, now) → { state, effects }`, `now`
 * being the injected clock. The shell
 * (src/websocket/clientConnection.ts) owns the socket and performs the effects; what the socket
 * holds after a write comes back as a message (`written`), like a device's answer.
 */
export function connectionTransition<F, M = unknown>(
  limits: ConnectionLimits,
): (state: ConnectionState<F>, message: ConnectionMessage<F, M>, now: Clock) => ConnectionStep<F, M> {
  const to = (
    state: ConnectionState<F>,
    status: ConnectionStatus,
    now: Clock,
    why: string | undefined,
    fields: Partial<ConnectionState<F>>,
    effects: ConnectionEffect<F, M>[] = [],
  ): ConnectionStep<F, M> => {
    if (status === state.status) return { state: { ...state, ...fields }, effects };
    return { state: { ...state, ...fields, status, since: now() }, effects: [...effects, { type: 'status', from: state.status, to: status, why }] };
  };

  const close = (state: ConnectionState<F>, reason: CloseReason, now: Clock, farewell?: F): ConnectionStep<F, M> => {
    if (state.status === 'closing' || state.status === 'closed') return { state, effects: NONE };
    const effects: ConnectionEffect<F, M>[] = [];
    if (farewell !== undefined)
      effects.push({ type: 'write', frames: [...(state.pending ?? []), ...(state.outbox ? drainOutbox(state.outbox) : []), farewell] });
    effects.push({ type: 'close', close: reason });
    return to(state, 'closing', now, `${reason.code} ${reason.reason}`, { pending: undefined, outbox: undefined }, effects);
  };

  const deliver = (state: ConnectionState<F>, frame: F, key: string | undefined, now: Clock): ConnectionStep<F, M> => {
    if (state.status === 'live') {
      const pending = state.pending ?? [];
      pending.push(frame);
      if (pending.length >= limits.maxPending) return { state: withPending(state, undefined), effects: [{ type: 'write', frames: pending }] };
      return state.pending ? { state, effects: NONE } : { state: withPending(state, pending), effects: NONE };
    }
    if (state.status === 'backed_up' && offerOutbox(state.outbox!, frame, key) === 'overflow') return close(state, CLOSE.slowConsumer, now);
    return { state, effects: NONE };
  };

  const written = (state: ConnectionState<F>, bufferedBytes: number, now: Clock): ConnectionStep<F, M> => {
    const over = bufferedBytes > limits.maxBufferedBytes;
    if (state.status === 'live') {
      if (!over) return { state, effects: NONE };
      const outbox = createCoalescingOutbox<F>(limits.maxPending);
      // Frames queued while the write was on its way wait with the rest.
      for (const frame of state.pending ?? []) offerOutbox(outbox, frame);
      return to(state, 'backed_up', now, `${bufferedBytes} bytes queued`, { pending: undefined, outbox }, [{ type: 'await_drain' }]);
    }
    if (state.status !== 'backed_up') return { state, effects: NONE };
    if (over) return { state, effects: [{ type: 'await_drain' }] };
    // Frames held while the outbox was on its way go out now: nobody else would flush them.
    const left = state.outbox ? drainOutbox(state.outbox) : [];
    return to(state, 'live', now, 'drained', { outbox: undefined }, left.length ? [{ type: 'write', frames: left }] : []);
  };

  const sweep = (state: ConnectionState<F>, heartbeat: boolean, now: Clock): ConnectionStep<F, M> => {
    const age = now() - state.since;
    if (state.status === 'authenticating' && age >= limits.authTimeoutMs)
      return close(state, { code: CLOSE.unauthorized.code, reason: 'authentication timeout' }, now);
    if (state.status === 'backed_up' && age >= limits.slowConsumerMs) return close(state, CLOSE.slowConsumer, now);
    if (state.status === 'closing' && age >= limits.closeGraceMs) return { state, effects: [{ type: 'terminate', why: 'close_grace' }] };
    if (!heartbeat || state.status === 'closing' || state.status === 'closed') return { state, effects: NONE };
    if (!state.alive) return { state, effects: [{ type: 'terminate', why: 'heartbeat' }] };
    return { state: { ...state, alive: false }, effects: [{ type: 'ping' }] };
  };

  return (state, m, now) => {
    switch (m.type) {
      case 'text': {
        const lively = state.alive ? state : { ...state, alive: true };
        if (state.status === 'closing' || state.status === 'closed') return { state: lively, effects: NONE };
        return { state: lively, effects: [{ type: 'text', text: m.text }] };
      }
      case 'binary': {
        const lively = state.alive ? state : { ...state, alive: true };
        if (state.status === 'closing' || state.status === 'closed') return { state: lively, effects: NONE };
        return close(lively, CLOSE.unsupportedData, now);
      }
      case 'pong':
        return { state: state.alive ? state : { ...state, alive: true }, effects: NONE };
      case 'admit':
        return state.status === 'authenticating' ? to(state, 'live', now, m.why, {}) : { state, effects: NONE };
      case 'deliver':
        return deliver(state, m.frame, m.key, now);
      case 'deliver_all': {
        if (state.status === 'live' && (state.pending?.length ?? 0) + m.frames.length < limits.maxPending) {
          // The common case, without a step per frame: all of them wait for the flush.
          const pending = state.pending ?? [];
          for (const frame of m.frames) pending.push(frame);
          return { state: state.pending ? state : withPending(state, pending), effects: NONE };
        }
        let step: ConnectionStep<F, M> = { state, effects: NONE };
        const effects: ConnectionEffect<F, M>[] = [];
        let wrote = false;
        for (let i = 0; i < m.frames.length; i++) {
          const live = step.state.status === 'live';
          if (wrote && live && (step.state.pending?.length ?? 0) + 1 >= limits.maxPending) {
            // A second batch would go out before the socket said what it holds after the first.
            effects.push({ type: 'redeliver', frames: m.frames.slice(i), keys: m.keys.slice(i) });
            break;
          }
          step = deliver(step.state, m.frames[i], m.keys[i], now);
          for (const effect of step.effects) effects.push(effect);
          if (live && step.effects.length > 0) wrote = true;
        }
        return { state: step.state, effects };
      }
      case 'flush':
        if (state.status !== 'live' || !state.pending) return { state, effects: NONE };
        return { state: withPending(state, undefined), effects: [{ type: 'write', frames: state.pending, memo: m.memo }] };
      case 'write':
        return state.status === 'live' ? { state, effects: [{ type: 'write', frames: [m.data] }] } : { state, effects: NONE };
      case 'written':
        return written(state, m.bufferedBytes, now);
      case 'drained':
        if (state.status !== 'backed_up') return { state, effects: NONE };
        // `written` decides whether it is live again once the outbox is on its way.
        return { state, effects: [{ type: 'write', frames: drainOutbox(state.outbox!) }] };
      case 'sweep':
        return sweep(state, m.heartbeat, now);
      case 'close':
        return close(state, m.close, now, m.farewell);
      case 'socket_closed':
        return to(state, 'closed', now, `code ${m.code}`, { pending: undefined, outbox: undefined }, [{ type: 'ended' }]);
    }
  };
}
