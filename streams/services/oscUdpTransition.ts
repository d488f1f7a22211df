import type { Backoff } from '../backoff';
import {
  ownedOutbox,
  takeDrops,
  type OwnedOutbox,
  type QueuedDelivery,
  type ServiceStatus,
  type SettleEffect,
  type StatusEffect,
  type StoppedEffect,
} from './serviceEffects';
import { NO_EFFECTS, type Transition } from './serviceMachine';

/** The timers an OSC_UDP actor keeps, at most one of each. */
export type OscUdpTimer = 'retry' | 'quiet';

/** Everything that can happen to an OSC_UDP actor; `gen` names the socket a message is about. */
export type OscUdpMessage<D> =
  | { readonly type: 'start' }
  | { readonly type: 'deliver'; readonly delivery: D }
  /** Socket `gen` is bound and connected to `target` (the address the host resolved to). */
  | { readonly type: 'opened'; readonly gen: number; readonly target: string }
  /** Socket `gen` could not be opened (lookup, allowed hosts, bind) or broke. */
  | { readonly type: 'failed'; readonly gen: number; readonly reason: string }
  /** The peer refused an earlier datagram (ICMP port unreachable: ECONNREFUSED on a connected socket). */
  | { readonly type: 'refused'; readonly gen: number; readonly reason: string }
  /** One `send` completed (or failed with `error`). */
  | { readonly type: 'sent'; readonly gen: number; readonly delivery: D; readonly error?: string }
  /** `stableAfterMs` passed since the last refusal. */
  | { readonly type: 'quiet'; readonly gen: number }
  | { readonly type: 'retry' }
  /** Socket `gen` is closed (the shell posts it after every `close`). */
  | { readonly type: 'closed'; readonly gen: number }
  | { readonly type: 'stop' };

/** What the shell does for an OSC_UDP actor. */
export type OscUdpEffect<D> =
  /** Resolve the host (allowed addresses only), bind a socket, connect it; answer `opened` or `failed`. */
  | { readonly type: 'open'; readonly gen: number }
  /** One datagram of the delivery's bytes; answer `sent`. */
  | { readonly type: 'send'; readonly gen: number; readonly delivery: D }
  /** Close socket `gen`; answer `sent` for what it still held, then `closed`. */
  | { readonly type: 'close'; readonly gen: number }
  | { readonly type: 'schedule'; readonly timer: OscUdpTimer; readonly delayMs: number; readonly message: OscUdpMessage<D> }
  | { readonly type: 'cancel'; readonly timers: readonly OscUdpTimer[] }
  | { readonly type: 'started'; readonly ok: boolean }
  | SettleEffect<D>
  | StatusEffect
  | StoppedEffect;

/** What an OSC_UDP transition is tuned with. */
export interface OscUdpRules {
  readonly host: string;
  readonly port: number;
  /** Reopening a socket that failed to open. */
  readonly backoff: Backoff;
  /** How long after a refusal, with a datagram sent since, the target counts as reachable again. */
  readonly stableAfterMs: number;
  readonly mailboxSize: number;
  readonly maxAgeMs: number;
  /** Datagrams handed to the socket whose callback has not come yet; more wait (and age) in the outbox. */
  readonly window: number;
}

/** An OSC_UDP actor's state. The outbox is owned by the actor and updated in place. */
export interface OscUdpState<D extends QueuedDelivery> {
  readonly started: boolean;
  readonly stopping: boolean;
  readonly gen: number;
  /** Socket `gen` is open or opening. */
  readonly hasSocket: boolean;
  /** Socket `gen` can send. */
  readonly ready: boolean;
  /** Failed opens since the last that worked. */
  readonly attempt: number;
  readonly status: ServiceStatus;
  /** Sends on socket `gen` not answered yet. */
  readonly inflight: number;
  /** Refused since the target last counted as reachable. */
  readonly refused: boolean;
  /** A datagram went out since the last refusal. */
  readonly sentSince: boolean;
  readonly quietDue: boolean;
  readonly waiting: OwnedOutbox<D>;
}

/** The state of an actor that has not started. */
export function initialOscUdpState<D extends QueuedDelivery>(rules: Pick<OscUdpRules, 'mailboxSize' | 'maxAgeMs'>): OscUdpState<D> {
  return {
    started: false,
    stopping: false,
    gen: 0,
    hasSocket: false,
    ready: false,
    attempt: 0,
    status: 'connecting',
    inflight: 0,
    refused: false,
    sentSince: false,
    quietDue: false,
    waiting: ownedOutbox<D>(rules.mailboxSize, rules.maxAgeMs),
  };
}

/**
 * OSC_UDP as a pure transition: one datagram socket, resolved and connected once per (re)open, so
 * every datagram goes to the one address the allowed-hosts check passed, and the kernel reports
 * an ICMP "port unreachable" back as a refusal. Deliveries wait in the bounded, aged outbox while
 * the socket opens (or reopens with backoff after it failed) and while `window` sends are in
 * flight; one past its max age when the socket could take it is dropped, never sent late.
 *
 * UDP says nothing about delivery: a refusal turns the status to `backoff` (the hub reports it
 * degraded) but sending goes on, since only a datagram can show the peer is back; the status
 * returns to `connected` once `stableAfterMs` passed after the last refusal with a datagram sent
 * and none refused since. A datagram sent while the peer is down is lost, as on any OSC/UDP link.
 */
export function createOscUdpTransition<D extends QueuedDelivery>(rules: OscUdpRules): Transition<OscUdpState<D>, OscUdpMessage<D>, OscUdpEffect<D>> {
  const { host, port, backoff, stableAfterMs, window } = rules;
  type Fx = OscUdpEffect<D>[];
  const failed = (deliveries: readonly D[], detail: string): SettleEffect<D> => ({ type: 'settle', deliveries, result: 'failed', detail });

  function open(s: OscUdpState<D>, fx: Fx): OscUdpState<D> {
    const gen = s.gen + 1;
    fx.push({ type: 'status', status: 'connecting', ...(s.attempt > 0 && { detail: `retry ${s.attempt}` }) }, { type: 'open', gen });
    return { ...s, gen, hasSocket: true, ready: false, inflight: 0, status: 'connecting' };
  }

  /** Sends what waits, as far as the window allows; stale deliveries met on the way are dropped. */
  function pump(s: OscUdpState<D>, fx: Fx, now: number): OscUdpState<D> {
    if (!s.ready) return s;
    let inflight = s.inflight;
    while (inflight < window) {
      const next = s.waiting.outbox.shift(now);
      if (!next) break;
      fx.push({ type: 'send', gen: s.gen, delivery: next });
      inflight++;
    }
    return inflight === s.inflight ? s : { ...s, inflight };
  }

  function degrade(s: OscUdpState<D>, fx: Fx, detail: string): OscUdpState<D> {
    fx.push(
      { type: 'status', status: 'backoff', detail },
      { type: 'schedule', timer: 'quiet', delayMs: stableAfterMs, message: { type: 'quiet', gen: s.gen } },
    );
    return { ...s, status: 'backoff', refused: true, sentSince: false, quietDue: true };
  }

  function step(s: OscUdpState<D>, m: OscUdpMessage<D>, now: number, fx: Fx): OscUdpState<D> {
    switch (m.type) {
      case 'start':
        return s.started || s.stopping ? s : open({ ...s, started: true }, fx);
      case 'deliver':
        if (s.stopping || s.status === 'closed') {
          fx.push(failed([m.delivery], 'service stopped'));
          return s;
        }
        s.waiting.outbox.push(m.delivery, now);
        return pump(s, fx, now);
      case 'opened':
        if (m.gen !== s.gen || !s.hasSocket || s.stopping) return s;
        fx.push({ type: 'status', status: 'connected', detail: `${host}:${port} (${m.target})` }, { type: 'started', ok: true });
        return pump({ ...s, ready: true, attempt: 0, status: 'connected', refused: false }, fx, now);
      case 'failed': {
        if (m.gen !== s.gen || !s.hasSocket || s.stopping) return s;
        const attempt = s.attempt + 1;
        const delay = backoff(attempt);
        fx.push({ type: 'cancel', timers: ['quiet'] }, { type: 'close', gen: s.gen }, { type: 'started', ok: false });
        const next = { ...s, hasSocket: false, ready: false, inflight: 0, attempt, quietDue: false };
        if (delay === null) {
          fx.push({ type: 'status', status: 'closed', detail: `gave up after ${attempt} failed attempts: ${m.reason}` });
          const rest = s.waiting.outbox.clear();
          if (rest.length > 0) fx.push(failed(rest, 'service unreachable'));
          return { ...next, status: 'closed' };
        }
        fx.push(
          { type: 'status', status: 'backoff', detail: `${m.reason}; retry in ${Math.round(delay)} ms` },
          { type: 'schedule', timer: 'retry', delayMs: delay, message: { type: 'retry' } },
        );
        return { ...next, status: 'backoff' };
      }
      case 'refused':
        return m.gen !== s.gen || !s.ready || s.stopping ? s : degrade(s, fx, `${host}:${port} refused a datagram (${m.reason}): is the OSC receiver running?`);
      case 'sent': {
        fx.push(m.error === undefined ? { type: 'settle', deliveries: [m.delivery], result: 'written' } : failed([m.delivery], `send failed: ${m.error}`));
        if (m.gen !== s.gen || s.stopping) return s;
        let next: OscUdpState<D> = { ...s, inflight: Math.max(0, s.inflight - 1) };
        if (m.error !== undefined) next = degrade(next, fx, `${host}:${port}: send failed: ${m.error}`);
        else if (next.refused && !next.quietDue) {
          fx.push({ type: 'schedule', timer: 'quiet', delayMs: stableAfterMs, message: { type: 'quiet', gen: s.gen } });
          next = { ...next, sentSince: true, quietDue: true };
        } else if (next.refused) next = { ...next, sentSince: true };
        return pump(next, fx, now);
      }
      case 'quiet':
        if (m.gen !== s.gen || !s.ready || s.stopping) return s;
        if (!s.refused || !s.sentSince) return { ...s, quietDue: false };
        fx.push({ type: 'status', status: 'connected', detail: `${host}:${port}: no refusal for ${stableAfterMs} ms` });
        return { ...s, quietDue: false, refused: false, status: 'connected' };
      case 'retry':
        return s.stopping || s.hasSocket ? s : open(s, fx);
      case 'closed':
        if (s.stopping && m.gen === s.gen) fx.push({ type: 'stopped' });
        return s;
      case 'stop': {
        if (s.stopping) return s;
        fx.push({ type: 'cancel', timers: ['retry', 'quiet'] });
        const rest = s.waiting.outbox.clear();
        if (rest.length > 0) fx.push(failed(rest, 'service stopped'));
        fx.push({ type: 'started', ok: false }, { type: 'status', status: 'closed', detail: 'stopped' });
        // A socket that failed was closed already; its `closed` may still be on its way, so stop waits only for an open one.
        fx.push(s.hasSocket ? { type: 'close', gen: s.gen } : { type: 'stopped' });
        return { ...s, stopping: true, status: 'closed' };
      }
    }
  }

  return (s, message, now) => {
    const fx: Fx = [];
    const state = step(s, message, now, fx);
    takeDrops(state.waiting, fx);
    return { state, effects: fx.length > 0 ? fx : NO_EFFECTS };
  };
}
