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

/** Everything that can happen to a TCP_CONNECT actor. */
export type TcpConnectMessage<D> =
  | { readonly type: 'start' }
  | { readonly type: 'deliver'; readonly delivery: D }
  /** One delivery's connection wrote its line (no `error`) or gave up. */
  | { readonly type: 'done'; readonly delivery: D; readonly error?: string }
  /** One connection opened by an `open` effect is gone (the shell posts exactly one per `open`). */
  | { readonly type: 'closed' }
  | { readonly type: 'stop' };

/** What the shell does for a TCP_CONNECT actor. */
export type TcpConnectEffect<D> =
  /** Connect, write the delivery's line, end; answer `done` once, then `closed` once. */
  { readonly type: 'open'; readonly delivery: D } | SettleEffect<D> | StatusEffect | StoppedEffect;

/** A TCP_CONNECT actor's state. The outbox is owned by the actor and updated in place. */
export interface TcpConnectState<D extends QueuedDelivery> {
  readonly stopping: boolean;
  /** Deliveries whose connection has not answered `done` yet. */
  readonly busy: number;
  /** Connections not `closed` yet. */
  readonly open: number;
  readonly status: ServiceStatus;
  readonly waiting: OwnedOutbox<D>;
}

/** What a TCP_CONNECT transition is tuned with. */
export interface TcpConnectRules {
  readonly host: string;
  readonly port: number;
  readonly connectConcurrency: number;
  readonly mailboxSize: number;
  readonly maxAgeMs: number;
}

const PER_EVENT = 'a new connection per event';

/** The state of an actor that has not started. */
export function initialTcpConnectState<D extends QueuedDelivery>(rules: Pick<TcpConnectRules, 'mailboxSize' | 'maxAgeMs'>): TcpConnectState<D> {
  return { stopping: false, busy: 0, open: 0, status: 'connecting', waiting: ownedOutbox<D>(rules.mailboxSize, rules.maxAgeMs) };
}

/**
 * TCP_CONNECT as a pure transition: a new connection per event (connect, write the line, end), as
 * the seed's server did. At most `connectConcurrency` connections are in flight; more events wait
 * in the bounded, aged outbox, so a service that stopped answering costs a few sockets, never a
 * pile of them. `connected` means the last connection worked, `backoff` that it failed; every
 * event tries anew. Stop settles what waits `failed` and is over once every connection closed.
 */
export function createTcpConnectTransition<D extends QueuedDelivery>(
  rules: TcpConnectRules,
): Transition<TcpConnectState<D>, TcpConnectMessage<D>, TcpConnectEffect<D>> {
  const { host, port, connectConcurrency } = rules;
  type Fx = TcpConnectEffect<D>[];

  function open(s: TcpConnectState<D>, fx: Fx, delivery: D): TcpConnectState<D> {
    fx.push({ type: 'open', delivery });
    return { ...s, busy: s.busy + 1, open: s.open + 1 };
  }

  function step(s: TcpConnectState<D>, message: TcpConnectMessage<D>, now: number, fx: Fx): TcpConnectState<D> {
    switch (message.type) {
      case 'start':
        if (s.stopping) return s;
        fx.push({ type: 'status', status: 'connected', detail: PER_EVENT });
        return { ...s, status: 'connected' };
      case 'deliver':
        if (s.stopping) {
          fx.push({ type: 'settle', deliveries: [message.delivery], result: 'failed', detail: 'service stopped' });
          return s;
        }
        if (s.busy < connectConcurrency && s.waiting.outbox.size === 0) return open(s, fx, message.delivery);
        s.waiting.outbox.push(message.delivery, now);
        return s;
      case 'done': {
        const { delivery, error } = message;
        let next: TcpConnectState<D> = { ...s, busy: s.busy - 1 };
        if (error === undefined) fx.push({ type: 'settle', deliveries: [delivery], result: 'written' });
        else fx.push({ type: 'settle', deliveries: [delivery], result: 'failed', detail: error });
        if (!s.stopping) {
          const status = error === undefined ? 'connected' : 'backoff';
          fx.push({ type: 'status', status, detail: error === undefined ? PER_EVENT : `${host}:${port}: ${error}` });
          next = { ...next, status };
        }
        while (!next.stopping && next.busy < connectConcurrency) {
          const waiting = next.waiting.outbox.shift(now);
          if (!waiting) break;
          next = open(next, fx, waiting);
        }
        return next;
      }
      case 'closed':
        if (s.stopping && s.open === 1) fx.push({ type: 'stopped' });
        return { ...s, open: s.open - 1 };
      case 'stop': {
        if (s.stopping) return s;
        const rest = s.waiting.outbox.clear();
        if (rest.length > 0) fx.push({ type: 'settle', deliveries: rest, result: 'failed', detail: 'service stopped' });
        fx.push({ type: 'status', status: 'closed', detail: 'stopped' });
        // Connections in flight finish their line (or time out); stop waits for them to close.
        if (s.open === 0) fx.push({ type: 'stopped' });
        return { ...s, stopping: true, status: 'closed' };
      }
    }
  }

  return (s, message, now) => {
    const fx: Fx = [];
    const state = step(s, message, now, fx);
    takeDrops(s.waiting, fx);
    return { state, effects: fx.length > 0 ? fx : NO_EFFECTS };
  };
}
