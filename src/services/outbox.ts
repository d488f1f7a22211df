import type { Logger } from '../log';
import type { Delivery } from './delivery';
import type { Registration } from './registration';
import type { ServiceConfig } from './serviceConfig';

/** Why the outbox let go of a delivery without handing it out. */
export type OutboxDrop = 'expired' | 'overflow';

/** How an {@link Outbox} is bounded and told about what it drops. */
export interface OutboxOptions {
  /** Most deliveries that may wait; one more drops the oldest. */
  readonly capacity: number;
  /** A delivery older than this (now − enqueuedAt > maxAgeMs) is never handed out. */
  readonly maxAgeMs: number;
  /** Told about every delivery dropped, in the order they are dropped. */
  readonly onDrop: (delivery: Delivery, why: OutboxDrop) => void;
}

/**
 * The deliveries waiting for a service, oldest first: bounded (overflow drops the oldest, the
 * ioredis offline-queue rule) and aged (a delivery past its max age is dropped, never handed
 * out). Expiry is lazy: every push and every shift first drops the stale head, so a queue nobody
 * drains never holds stale actions for long. Enqueue times never decrease from head to tail, so
 * only the head needs checking. Time is passed in: the outbox has no clock.
 */
export class Outbox {
  private items: Delivery[] = [];
  private head = 0;

  constructor(private readonly options: OutboxOptions) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Appends a delivery taken at `now`, dropping stale ones first and the oldest if full. */
  push(delivery: Delivery, now: number): void {
    this.expire(now);
    this.items.push(delivery);
    this.trim();
  }

  /**
   * Puts deliveries back at the front, in their order (a write that failed is retried before
   * anything that arrived later). Their enqueue times are older than anything waiting.
   */
  requeue(deliveries: readonly Delivery[]): void {
    if (deliveries.length === 0) return;
    this.items = [...deliveries, ...this.items.slice(this.head)];
    this.head = 0;
    this.trim();
  }

  /** The oldest fresh, unsettled delivery, or undefined; stale ones met on the way are dropped. */
  shift(now: number): Delivery | undefined {
    this.expire(now);
    while (this.head < this.items.length) {
      const next = this.items[this.head++];
      if (!next.settled) {
        this.compact();
        return next;
      }
    }
    this.compact();
    return undefined;
  }

  /** Drops every delivery whose age exceeds max age at `now`. */
  expire(now: number): void {
    const { maxAgeMs, onDrop } = this.options;
    while (this.head < this.items.length && now - this.items[this.head].enqueuedAt > maxAgeMs) {
      const stale = this.items[this.head++];
      if (!stale.settled) onDrop(stale, 'expired');
    }
    this.compact();
  }

  /** Empties the outbox, settling what waited as `failed` with `detail`. */
  failAll(detail: string): void {
    for (const d of this.clear()) d.settle('failed', detail);
  }

  /** Empties the outbox, returning what waited (for the owner to settle). */
  clear(): Delivery[] {
    const rest = this.items.slice(this.head).filter((d) => !d.settled);
    this.items = [];
    this.head = 0;
    return rest;
  }

  private trim(): void {
    while (this.size > this.options.capacity) {
      const oldest = this.items[this.head++];
      if (!oldest.settled) this.options.onDrop(oldest, 'overflow');
    }
    this.compact();
  }

  /** Keeps shift O(1) amortized without letting the consumed prefix grow forever. */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * The usual `onDrop`: settles the delivery (`expired` / `overflow`) and logs it, the first drop
 * of each kind and then every 100th with a running count, so a dead service under load does not
 * flood the log.
 */
function settleDropped(log: Logger, capacity: number): OutboxOptions['onDrop'] {
  const counts: Record<OutboxDrop, number> = { expired: 0, overflow: 0 };
  return (delivery, why) => {
    const n = ++counts[why];
    if (n === 1 || n % 100 === 0) {
      if (why === 'overflow') log.warn(`mailbox full (${capacity}): dropped the oldest waiting event`, { total: n });
      else log.info('dropped an event that waited longer than its max age', { total: n });
    }
    delivery.settle(why, why === 'expired' ? 'waited longer than max age' : `mailbox full (${capacity})`);
  };
}

/** A registration's outbox: the config's mailbox size, its own max age (else the config's), drops settled and logged. */
export function registrationOutbox(registration: Registration, config: ServiceConfig, log: Logger): Outbox {
  return new Outbox({
    capacity: config.mailboxSize,
    maxAgeMs: registration.max_age_ms ?? config.maxAgeMs,
    onDrop: settleDropped(log, config.mailboxSize),
  });
}
