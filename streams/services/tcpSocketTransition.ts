import { hasDrops, ownedOutbox, takeDrops, type QueuedDelivery, type ServiceStatus, type SettleEffect, type StatusEffect } from './serviceEffects';
import type { TcpSocketEffect, TcpSocketMessage, TcpSocketRules, TcpSocketState, TcpSocketTimer } from './tcpSocketContracts';
import { NO_EFFECTS, type Step, type Transition } from './serviceMachine';

export type { TcpSocketEffect, TcpSocketMessage, TcpSocketRules, TcpSocketState, TcpSocketTimer } from './tcpSocketContracts';

type Effect<D> = TcpSocketEffect<D>;
const ALL_TIMERS: readonly TcpSocketTimer[] = ['connect', 'stable', 'retry', 'grace', 'stall'];
const DEFER: Effect<never> = { type: 'defer' };
/** The effects of the first delivery of a turn, shared: it is every event's path at one event a turn. */
const ONLY_DEFER: readonly Effect<never>[] = [DEFER];
const NOTHING_IN_FLIGHT: readonly never[] = [];

/**
 * The state with a new flush flag and in-flight list, the two fields every turn changes, built as
 * one literal: under load a spread here cost more than the write it schedules.
 */
function turned<D extends QueuedDelivery>(
  s: TcpSocketState<D>,
  flushDue: boolean,
  inflight: ReadonlyArray<readonly D[]>,
  stallCheck = s.stallCheck,
): TcpSocketState<D> {
  return {
    started: s.started,
    stopping: s.stopping,
    gen: s.gen,
    hasSocket: s.hasSocket,
    connected: s.connected,
    flushDue,
    attempt: s.attempt,
    status: s.status,
    inflight,
    stallCheck,
    waiting: s.waiting,
  };
}

/** The state of an actor that has not started: no connection, nothing waiting. */
export function initialTcpSocketState<D extends QueuedDelivery>(rules: Pick<TcpSocketRules, 'mailboxSize' | 'maxAgeMs'>): TcpSocketState<D> {
  return {
    started: false,
    stopping: false,
    gen: 0,
    hasSocket: false,
    connected: false,
    flushDue: false,
    attempt: 0,
    status: 'connecting',
    inflight: NOTHING_IN_FLIGHT,
    stallCheck: false,
    waiting: ownedOutbox<D>(rules.mailboxSize, rules.maxAgeMs),
  };
}

/**
 * TCP_SOCKET as a pure transition: one persistent connection kept up for as long as the actor
 * lives; a lost one is retried with `backoff`, the attempt counter reset only once a connection
 * stayed up `stableAfterMs`. Deliveries wait in the bounded, aged outbox and leave in order, as
 * few writes as the socket allows: at the end of the turn they arrived in (`defer` → `flush`), on
 * (re)connect, on 'drain', or at once when `batchLines` wait. A write takes at most the socket's
 * `room` (at least one line), so the rest still ages in the outbox; a failed write's batch goes
 * back to the front. A deliberate stop is not a failure; it settles what waits `failed`, once.
 *
 * A peer that accepts and then stops reading (a hung application) lets no write complete, and
 * keepalive sees nothing wrong: a write still in flight `maxAgeMs + connectTimeoutMs` after its
 * oldest line was dispatched loses the connection, so its lines expire instead of firing late and
 * the actor reconnects. One 'stall' timer watches all writes in flight, re-armed for the oldest
 * when it fires, not one per write (on a healthy connection every turn writes).
 *
 * A delivery on a connected actor that already has a flush due changes nothing but the outbox:
 * it answers the same state and no effects, in the same step object: the hot path allocates nothing.
 */
export function createTcpSocketTransition<D extends QueuedDelivery>(rules: TcpSocketRules): Transition<TcpSocketState<D>, TcpSocketMessage<D>, Effect<D>> {
  const { host, port, backoff, connectTimeoutMs, stableAfterMs, closeGraceMs, batchLines, maxAgeMs } = rules;
  /** How long after its dispatch a line may still be in flight. */
  const writeDeadlineMs = maxAgeMs + connectTimeoutMs;
  const status = (next: ServiceStatus, detail?: string): StatusEffect =>
    detail === undefined ? { type: 'status', status: next } : { type: 'status', status: next, detail };
  const failed = (deliveries: readonly D[], detail: string): SettleEffect<D> => ({ type: 'settle', deliveries, result: 'failed', detail });
  /** The last step that changed nothing (steps are immutable, so it can be answered again). */
  let idle: Step<TcpSocketState<D>, Effect<D>> | undefined;

  function connect(s: TcpSocketState<D>, fx: Effect<D>[]): TcpSocketState<D> {
    const gen = s.gen + 1;
    fx.push(status('connecting', s.attempt > 0 ? `retry ${s.attempt}` : undefined), { type: 'connect', gen });
    fx.push({
      type: 'schedule',
      timer: 'connect',
      delayMs: connectTimeoutMs,
      message: { type: 'lost', gen, reason: `connect timeout after ${connectTimeoutMs} ms` },
    });
    return { ...s, gen, hasSocket: true, status: 'connecting' };
  }

  function failure(s: TcpSocketState<D>, fx: Effect<D>[], reason: string): TcpSocketState<D> {
    const attempt = s.attempt + 1;
    const delay = backoff(attempt);
    fx.push({ type: 'started', ok: false });
    if (delay === null) {
      fx.push(status('closed', `gave up after ${attempt} failed attempts: ${reason}`));
      const rest = s.waiting.outbox.clear();
      if (rest.length > 0) fx.push(failed(rest, 'service unreachable'));
      return { ...s, attempt, status: 'closed' };
    }
    fx.push(status('backoff', `${reason}; retry in ${Math.round(delay)} ms`), { type: 'schedule', timer: 'retry', delayMs: delay, message: { type: 'retry' } });
    return { ...s, attempt, status: 'backoff' };
  }

  function lost(s: TcpSocketState<D>, fx: Effect<D>[], gen: number, reason: string, now: number): TcpSocketState<D> {
    if (gen !== s.gen || !s.hasSocket) return s;
    fx.push({ type: 'cancel', timers: ['connect', 'stable', 'stall'] }, { type: 'destroy' });
    // Lines whose write never completed are retried first, still subject to max age (the stale ones settle now, not at the next write).
    s.waiting.outbox.requeue(s.inflight.flat().filter((d) => !d.settled));
    s.waiting.outbox.expire(now);
    takeDrops(s.waiting, fx);
    return failure({ ...s, hasSocket: false, connected: false, inflight: NOTHING_IN_FLIGHT, stallCheck: false }, fx, reason);
  }

  function stallTimer(gen: number, oldest: D, now: number): Effect<D> {
    return { type: 'schedule', timer: 'stall', delayMs: Math.max(0, oldest.enqueuedAt + writeDeadlineMs - now), message: { type: 'stall', gen } };
  }

  /** The 'stall' timer fired: the connection is lost if its oldest write is past its deadline, else the timer waits for the oldest. */
  function stall(s: TcpSocketState<D>, fx: Effect<D>[], gen: number, now: number): TcpSocketState<D> {
    if (gen !== s.gen || !s.stallCheck || s.stopping) return s;
    const oldest = s.inflight.length > 0 ? s.inflight[0][0] : undefined;
    if (oldest === undefined) return turned(s, s.flushDue, s.inflight, false);
    if (now - oldest.enqueuedAt < writeDeadlineMs) {
      fx.push(stallTimer(gen, oldest, now));
      return s;
    }
    return lost(s, fx, gen, `peer stopped reading: a write still in flight ${writeDeadlineMs} ms after its line was dispatched`, now);
  }

  function flushSoon(s: TcpSocketState<D>, fx: Effect<D>[]): TcpSocketState<D> {
    if (s.flushDue) return s;
    fx.push(DEFER);
    return turned(s, true, s.inflight);
  }

  /** Writes what waits; `flushDue` is the flag to leave when nothing more needs a flush. */
  function flush(s: TcpSocketState<D>, fx: Effect<D>[], room: number, now: number, flushDue = s.flushDue): TcpSocketState<D> {
    const { outbox } = s.waiting;
    if (!s.connected || !s.hasSocket || outbox.size === 0 || room === 0) return flushDue === s.flushDue ? s : turned(s, flushDue, s.inflight);
    const batch: D[] = [];
    let left = room;
    while (left > 0 || batch.length === 0) {
      const next = outbox.shift(now);
      if (!next) break;
      batch.push(next);
      left -= next.line.length;
    }
    takeDrops(s.waiting, fx);
    let inflight = s.inflight;
    let stallCheck = s.stallCheck;
    if (batch.length > 0) {
      fx.push({ type: 'write', gen: s.gen, batch });
      inflight = inflight.length === 0 ? [batch] : [...inflight, batch];
      if (!stallCheck) {
        fx.push(stallTimer(s.gen, inflight[0][0], now));
        stallCheck = true;
      }
    }
    // A socket that pushed back answers the deferred flush with room 0; its 'drain' flushes then.
    if (outbox.size > 0 && !flushDue) {
      fx.push(DEFER);
      flushDue = true;
    }
    return inflight === s.inflight && flushDue === s.flushDue ? s : turned(s, flushDue, inflight, stallCheck);
  }

  function deliver(s: TcpSocketState<D>, delivery: D, room: number, now: number): Step<TcpSocketState<D>, Effect<D>> {
    if (s.stopping || s.status === 'closed') return { state: s, effects: [failed([delivery], 'service stopped')] };
    const { outbox } = s.waiting;
    outbox.push(delivery, now);
    // The hot path: connected, a flush already due, nothing dropped; the same step as the last time.
    if (s.connected && s.flushDue && outbox.size < batchLines && !hasDrops(s.waiting))
      return idle?.state === s ? idle : (idle = { state: s, effects: NO_EFFECTS });
    const fx: Effect<D>[] = [];
    takeDrops(s.waiting, fx);
    if (!s.connected) return { state: s, effects: fx.length > 0 ? fx : NO_EFFECTS };
    // A burst on a healthy connection is written before it could fill the outbox: the bound is
    // for a service that is down or pushing back, not for one turn's worth of events.
    if (outbox.size >= batchLines) return { state: flush(s, fx, room, now), effects: fx };
    if (fx.length === 0 && !s.flushDue) return { state: turned(s, true, s.inflight), effects: ONLY_DEFER };
    return { state: flushSoon(s, fx), effects: fx };
  }

  function written(s: TcpSocketState<D>, fx: Effect<D>[], gen: number, batch: readonly D[], error: string | undefined, now: number): TcpSocketState<D> {
    if (error === undefined || s.stopping) {
      // Write callbacks come in write order: the batch is the head, nearly always.
      const inflight =
        s.inflight.length === 1 && s.inflight[0] === batch
          ? NOTHING_IN_FLIGHT
          : s.inflight[0] === batch
            ? s.inflight.slice(1)
            : s.inflight.filter((b) => b !== batch);
      fx.push(error === undefined ? { type: 'settle', deliveries: batch, result: 'written' } : failed(batch, `write failed while stopping: ${error}`));
      return turned(s, s.flushDue, inflight);
    }
    // The batch stays in flight: losing the connection puts it back in the outbox.
    return lost(s, fx, gen, `write failed: ${error}`, now);
  }

  function stop(s: TcpSocketState<D>, fx: Effect<D>[]): TcpSocketState<D> {
    if (s.stopping) return s;
    fx.push({ type: 'cancel', timers: ALL_TIMERS });
    const rest = s.waiting.outbox.clear();
    if (rest.length > 0) fx.push(failed(rest, 'service stopped'));
    fx.push({ type: 'started', ok: false }, status('closed', 'stopped'));
    if (!s.hasSocket) fx.push({ type: 'stopped' });
    else if (s.connected) fx.push({ type: 'end' }, { type: 'schedule', timer: 'grace', delayMs: closeGraceMs, message: { type: 'grace', gen: s.gen } });
    else fx.push({ type: 'destroy' });
    return { ...s, stopping: true, status: 'closed' };
  }

  function closedWhileStopping(s: TcpSocketState<D>, fx: Effect<D>[], gen: number, closed: boolean | undefined): TcpSocketState<D> {
    if (gen !== s.gen || !closed || !s.hasSocket) return s;
    fx.push({ type: 'cancel', timers: ['grace'] });
    const open = s.inflight.flat();
    if (open.length > 0) fx.push(failed(open, 'service stopped'));
    fx.push({ type: 'stopped' });
    return { ...s, hasSocket: false, connected: false, inflight: NOTHING_IN_FLIGHT };
  }

  function step(s: TcpSocketState<D>, message: Exclude<TcpSocketMessage<D>, { type: 'deliver' }>, now: number, fx: Effect<D>[]): TcpSocketState<D> {
    switch (message.type) {
      case 'start':
        return s.started || s.stopping ? s : connect({ ...s, started: true }, fx);
      case 'connected': {
        if (message.gen !== s.gen || !s.hasSocket || s.stopping) return s;
        fx.push({ type: 'cancel', timers: ['connect'] }, { type: 'ready' }, status('connected', `${host}:${port}`), { type: 'started', ok: true });
        fx.push({ type: 'schedule', timer: 'stable', delayMs: stableAfterMs, message: { type: 'stable', gen: message.gen } });
        return flush({ ...s, connected: true, status: 'connected' }, fx, message.room, now);
      }
      case 'lost':
        return s.stopping ? closedWhileStopping(s, fx, message.gen, message.closed) : lost(s, fx, message.gen, message.reason, now);
      case 'written':
        return written(s, fx, message.gen, message.batch, message.error, now);
      case 'stall':
        return stall(s, fx, message.gen, now);
      case 'drain':
        return message.gen === s.gen ? flush(s, fx, message.room, now) : s;
      case 'flush':
        return flush(s, fx, message.room, now, false);
      case 'stable':
        return message.gen === s.gen && s.connected && s.attempt !== 0 ? { ...s, attempt: 0 } : s;
      case 'retry':
        return !s.stopping && !s.hasSocket ? connect(s, fx) : s;
      case 'grace':
        if (message.gen === s.gen && s.hasSocket) fx.push({ type: 'destroy' });
        return s;
      case 'stop':
        return stop(s, fx);
    }
  }

  return (s, message, now) => {
    if (message.type === 'deliver') return deliver(s, message.delivery, message.room, now);
    const fx: Effect<D>[] = [];
    const state = step(s, message, now, fx);
    return { state, effects: fx.length > 0 ? fx : NO_EFFECTS };
  };
}
