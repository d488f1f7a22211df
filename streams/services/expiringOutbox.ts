/** Why the outbox let go of a delivery without handing it out. */
export type OutboxDrop = 'expired' | 'overflow';

/** What the outbox reads of what waits in it. */
export interface Expiring {
  /** Scheduler time at which it was taken; max age counts from here. */
  readonly enqueuedAt: number;
  /** A settled one still sitting in the queue is skipped. */
  readonly settled: boolean;
}

/** How an {@link ExpiringOutbox} is bounded and told about what it drops. */
export interface ExpiringOutboxOptions<T> {
  /** Most deliveries that may wait; one more drops the oldest. */
  readonly capacity: number;
  /** A delivery older than this (now − enqueuedAt > maxAgeMs) is never handed out. */
  readonly maxAgeMs: number;
  /** Told about every delivery dropped, in the order they are dropped. */
  readonly onDrop: (delivery: T, why: OutboxDrop) => void;
}

/**
 * The deliveries waiting for a service, oldest first: bounded (overflow drops the oldest, the
 * ioredis offline-queue rule) and aged (a delivery past its max age is dropped, never handed
 * out). Expiry is lazy: every push and every shift first drops the stale head, so a queue nobody
 * drains never holds stale actions for long. Enqueue times never decrease from head to tail, so
 * only the head needs checking. Time is passed in: the outbox has no clock.
 */
export class ExpiringOutbox<T extends Expiring> {
  private items: T[] = [];
  private head = 0;

  constructor(private readonly options: ExpiringOutboxOptions<T>) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Appends a delivery taken at `now`, dropping stale ones first and the oldest if full. */
  push(delivery: T, now: number): void {
    this.expire(now);
    this.items.push(delivery);
    this.trim();
  }

  /**
   * Puts deliveries back at the front, in their order (a write that failed is retried before
   * anything that arrived later). Their enqueue times are older than anything waiting.
   */
  requeue(deliveries: readonly T[]): void {
    if (deliveries.length === 0) return;
    this.items = [...deliveries, ...this.items.slice(this.head)];
    this.head = 0;
    this.trim();
  }

  /** The oldest fresh, unsettled delivery, or undefined; stale ones met on the way are dropped. */
  shift(now: number): T | undefined {
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

  /** Empties the outbox, returning what waited (for the owner to settle). */
  clear(): T[] {
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
