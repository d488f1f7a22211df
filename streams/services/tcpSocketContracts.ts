import type { Backoff } from '../backoff';
import type { OwnedOutbox, QueuedDelivery, ServiceStatus, SettleEffect, StatusEffect, StoppedEffect } from './serviceEffects';

/** The timers a TCP_SOCKET actor keeps, at most one of each. */
export type TcpSocketTimer = 'connect' | 'stable' | 'retry' | 'grace' | 'stall';

/**
 * Everything that can happen to a TCP_SOCKET actor; `gen` names the connection a message is
 * about. `room` is what the current socket takes before pushing back, read by the shell when it
 * posts the message: 0 while it waits for 'drain' (or there is none), else at least 1.
 */
export type TcpSocketMessage<D> =
  | { readonly type: 'start' }
  | { readonly type: 'deliver'; readonly delivery: D; readonly room: number }
  | { readonly type: 'connected'; readonly gen: number; readonly room: number }
  /** The connection failed or ended (`closed`: the socket's 'close', the last word on it). */
  | { readonly type: 'lost'; readonly gen: number; readonly reason: string; readonly closed?: boolean }
  /** One write, carrying `batch`, completed (or failed with `error`). */
  | { readonly type: 'written'; readonly gen: number; readonly batch: readonly D[]; readonly error?: string }
  | { readonly type: 'drain'; readonly gen: number; readonly room: number }
  /** The end of the turn in which deliveries arrived: write them. */
  | { readonly type: 'flush'; readonly room: number }
  | { readonly type: 'stable'; readonly gen: number }
  | { readonly type: 'retry' }
  /** A stopping connection had its `closeGraceMs` to flush. */
  | { readonly type: 'grace'; readonly gen: number }
  /** Time to look whether connection `gen`'s oldest write in flight is past its deadline (the peer stopped reading). */
  | { readonly type: 'stall'; readonly gen: number }
  | { readonly type: 'stop' };

/** What the shell does for a TCP_SOCKET actor. */
export type TcpSocketEffect<D> =
  /** Open connection `gen` (its events come back as messages carrying `gen`). */
  | { readonly type: 'connect'; readonly gen: number }
  /** The connection is up: keepalive on, Nagle off. */
  | { readonly type: 'ready' }
  /** One socket write of every line of `batch`, in order, with one callback (→ `written`). */
  | { readonly type: 'write'; readonly gen: number; readonly batch: readonly D[] }
  | { readonly type: 'end' }
  | { readonly type: 'destroy' }
  /** Post `message` after `delayMs`, replacing the timer of that name. */
  | { readonly type: 'schedule'; readonly timer: TcpSocketTimer; readonly delayMs: number; readonly message: TcpSocketMessage<D> }
  | { readonly type: 'cancel'; readonly timers: readonly TcpSocketTimer[] }
  /** Post `flush` at the end of this turn of the event loop. */
  | { readonly type: 'defer' }
  /** `start()` answers `ok` (only the first answer counts). */
  | { readonly type: 'started'; readonly ok: boolean }
  | SettleEffect<D>
  | StatusEffect
  | StoppedEffect;

/** A TCP_SOCKET actor's state. The outbox is owned by the actor and updated in place. */
export interface TcpSocketState<D extends QueuedDelivery> {
  readonly started: boolean;
  readonly stopping: boolean;
  /** The connection messages must name to count (older ones are stale). */
  readonly gen: number;
  /** A connection `gen` is open or opening. */
  readonly hasSocket: boolean;
  readonly connected: boolean;
  /** A `flush` is due at the end of this turn of the event loop. */
  readonly flushDue: boolean;
  /** Failed attempts since the last connection that stayed up `stableAfterMs`. */
  readonly attempt: number;
  readonly status: ServiceStatus;
  /** Batches written to the current connection whose callback is still pending, oldest first. */
  readonly inflight: ReadonlyArray<readonly D[]>;
  /** A 'stall' timer is armed for the writes in flight (whenever any are). */
  readonly stallCheck: boolean;
  readonly waiting: OwnedOutbox<D>;
}

/** What a TCP_SOCKET transition is tuned with. */
export interface TcpSocketRules {
  readonly host: string;
  readonly port: number;
  readonly backoff: Backoff;
  /**
   * How long a connect may take before it counts as failed; also how long past max age a line
   * handed to the socket may wait for its write to complete before the connection counts as lost.
   */
  readonly connectTimeoutMs: number;
  readonly stableAfterMs: number;
  readonly closeGraceMs: number;
  /** Outbox bound: one more drops the oldest. */
  readonly mailboxSize: number;
  readonly maxAgeMs: number;
  /** Deliveries that make a connected actor write at once instead of at the end of the turn. */
  readonly batchLines: number;
}
