import { ExpiringOutbox, type OutboxDrop } from './expiringOutbox';

/**
 * Where a service's actor stands. TCP_SOCKET: `connecting` → `connected` ⇄ `backoff` → `closed`.
 * TCP_CONNECT has no standing connection: `connected` while its last connection worked (or none
 * was needed yet), `backoff` after one failed (the next event tries again). OSC_TCP as TCP_SOCKET.
 * OSC_UDP: `connected` once its socket is open, `backoff` while it reopens or after the peer
 * refused a datagram (ICMP unreachable). OPC: `unsupported`.
 */
export type ServiceStatus = 'connecting' | 'connected' | 'backoff' | 'closed' | 'unsupported';

/** A final result a delivery is settled with. */
export type SettleResult = 'written' | 'expired' | 'failed' | 'overflow' | 'unsupported';

/** What a transition needs to know of a delivery: its bytes' length, when it was taken, whether it is done. */
export interface QueuedDelivery {
  readonly line: { readonly length: number };
  /** Scheduler time at which the actor took it (set by the shell before posting it). */
  readonly enqueuedAt: number;
  readonly settled: boolean;
}

/** Settle every one of `deliveries` with `result`. */
export interface SettleEffect<D> {
  readonly type: 'settle';
  readonly deliveries: readonly D[];
  readonly result: SettleResult;
  readonly detail?: string;
}

/** The actor's status changes (or only its reason does): the shell's one `setStatus` logs it. */
export interface StatusEffect {
  readonly type: 'status';
  readonly status: ServiceStatus;
  readonly detail?: string;
}

/** The actor is closed for good and nothing it holds waits any longer: `stop()` resolves. */
export interface StoppedEffect {
  readonly type: 'stopped';
}

/** An outbox and the deliveries it dropped during the step in progress (the transition owns both). */
export interface OwnedOutbox<D extends QueuedDelivery> {
  readonly outbox: ExpiringOutbox<D>;
  readonly dropped: Record<OutboxDrop, D[]>;
  /** The outbox's bound, for the overflow's detail. */
  readonly capacity: number;
}

/**
 * A fresh outbox whose drops are kept for the transition to turn into settle effects
 * ({@link takeDrops}). The transition owns it and updates it in place: a copy of the queue per event
 * would cost more than the batched write it exists for.
 */
export function ownedOutbox<D extends QueuedDelivery>(capacity: number, maxAgeMs: number): OwnedOutbox<D> {
  const dropped: Record<OutboxDrop, D[]> = { expired: [], overflow: [] };
  return { outbox: new ExpiringOutbox<D>({ capacity, maxAgeMs, onDrop: (d, why) => dropped[why].push(d) }), dropped, capacity };
}

/** Appends to `effects` one settle per kind of drop since the last call, and forgets them. */
export function takeDrops<D extends QueuedDelivery, E>(owned: OwnedOutbox<D>, effects: Array<E | SettleEffect<D>>): void {
  const { expired, overflow } = owned.dropped;
  const { capacity } = owned;
  if (expired.length > 0) effects.push({ type: 'settle', deliveries: expired.splice(0), result: 'expired', detail: 'waited longer than max age' });
  if (overflow.length > 0) effects.push({ type: 'settle', deliveries: overflow.splice(0), result: 'overflow', detail: `mailbox full (${capacity})` });
}

/** Whether a step left drops to report (checked before building an effects array on the hot path). */
export function hasDrops<D extends QueuedDelivery>(owned: OwnedOutbox<D>): boolean {
  return owned.dropped.expired.length > 0 || owned.dropped.overflow.length > 0;
}
