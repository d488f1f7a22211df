import type { SchedulerLike, Subscription } from 'rxjs';
import type { DeliveryOutcome, SettledResult } from './delivery';
import type { ServiceProtocol } from './registration';

/** A service an event was handed to, in fan-out order. */
export interface DeliveryTarget {
  readonly service: string;
  readonly protocol: ServiceProtocol;
}

interface Waiter {
  readonly resolve: (outcomes: DeliveryOutcome[]) => void;
  readonly entry: LedgerEntry;
  /** Scheduler time at which it is answered with what is still open as `queued`. */
  readonly deadline: number;
  answered: boolean;
}

/** One event's fan-out: who it went to, what each said so far, and who waits for the answer. */
export interface LedgerEntry {
  seq: number;
  targets: readonly DeliveryTarget[] | undefined;
  /** By target index; outcome objects are only built when someone asks (most events nobody does). */
  results: Array<SettledResult | undefined>;
  details: Array<string | undefined> | undefined;
  pending: number;
  waiters: Waiter[];
}

/**
 * The outcomes of recent dispatches, by `seq`, for `delivery(seq, boundMs)`. An answer waits at
 * most its bound and then reports what is still open as `queued`; it works whether it is asked
 * before or after the event is dispatched. Bounded: only the last `capacity` seqs are remembered
 * (a seq's slot goes to the seq `capacity` after it); an evicted entry still answers the waiters
 * it already had, because they hold it directly.
 *
 * Bounds are kept by one timer for all waiters, not one each: waiters queue by deadline (callers
 * use one bound, so that is arrival order), and the timer is armed for the earliest one still
 * unanswered. Under HTTP load a timer per request cost as much as the rest of the wait.
 */
export class DeliveryLedger {
  /** Entries by `seq % capacity`: a newer seq takes the slot of the one `capacity` before it (no hashing, no eviction list). */
  private readonly slots: Array<LedgerEntry | undefined>;
  private used = 0;
  private lastOpened = 0;
  /** Waiters by deadline, earliest first from `head`; answered ones are dropped as they reach the front. */
  private deadlines: Waiter[] = [];
  private head = 0;
  private timer: Subscription | undefined;
  private timerAt = Infinity;

  constructor(
    /** At least 1. */
    private readonly capacity: number,
    private readonly scheduler: SchedulerLike,
  ) {
    this.slots = new Array<LedgerEntry | undefined>(capacity);
  }

  /** Records that event `seq` went to `targets`; returns the entry its deliveries settle into. */
  open(seq: number, targets: readonly DeliveryTarget[]): LedgerEntry {
    if (seq > this.lastOpened) this.lastOpened = seq;
    let entry = this.get(seq);
    if (!entry && targets.length === 0) {
      // Nothing to wait for and nobody waiting: `wait` answers [] for any seq up to the last opened.
      return { seq, targets, results: [], details: undefined, pending: 0, waiters: [] };
    }
    if (!entry) entry = this.add(seq);
    entry.targets = targets;
    entry.results = [];
    entry.details = undefined;
    entry.pending = targets.length;
    if (entry.pending === 0) this.answer(entry);
    return entry;
  }

  /**
   * Records that event `seq` went to no service: {@link open} with no targets, without building an
   * entry nobody will read unless someone already waits for it (a hub with no services opens one per event).
   */
  openNowhere(seq: number): void {
    if (this.get(seq)) this.open(seq, []);
    else if (seq > this.lastOpened) this.lastOpened = seq;
  }

  /** Records the outcome of target `index` of `entry`; false when it already had one (the first stands). */
  settle(entry: LedgerEntry, index: number, result: SettledResult, detail?: string): boolean {
    if (!entry.targets || index >= entry.targets.length || entry.results[index] !== undefined) return false;
    entry.results[index] = result;
    if (detail !== undefined) (entry.details ??= [])[index] = detail;
    entry.pending -= 1;
    if (entry.pending === 0) this.answer(entry);
    return true;
  }

  /**
   * The outcomes of event `seq`, once every target settled or after `boundMs` at the latest
   * (open ones as `queued`). A seq already dispatched and forgotten, or never dispatched while
   * later ones were (a status, a rejected input), answers `[]` at once.
   */
  wait(seq: number, boundMs: number): Promise<DeliveryOutcome[]> {
    let entry = this.get(seq);
    if (!entry) {
      if (seq <= this.lastOpened) return Promise.resolve([]);
      entry = this.add(seq);
    }
    if (entry.targets && entry.pending === 0) return Promise.resolve(snapshot(entry));
    const waiting = entry;
    const deadline = this.scheduler.now() + Math.max(0, boundMs);
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, entry: waiting, deadline, answered: false };
      waiting.waiters.push(waiter);
      this.enqueue(waiter);
    });
  }

  /** Entries remembered (for tests and health). */
  get size(): number {
    return this.used;
  }

  /** Waiters still held for their deadline (for tests). */
  get waiting(): number {
    return this.deadlines.length - this.head;
  }

  private get(seq: number): LedgerEntry | undefined {
    const entry = this.slots[seq % this.capacity];
    return entry?.seq === seq ? entry : undefined;
  }

  private add(seq: number): LedgerEntry {
    const entry: LedgerEntry = { seq, targets: undefined, results: [], details: undefined, pending: 0, waiters: [] };
    const slot = seq % this.capacity;
    if (this.slots[slot] === undefined) this.used++;
    this.slots[slot] = entry;
    return entry;
  }

  private answer(entry: LedgerEntry): void {
    if (entry.waiters.length === 0) return;
    const outcomes = snapshot(entry);
    const waiters = entry.waiters;
    entry.waiters = [];
    for (const w of waiters) {
      w.answered = true;
      w.resolve(outcomes);
    }
    this.dropAnswered();
  }

  /**
   * Lets go of the answered waiters at the front of the deadline queue at once rather than at the
   * next timer: they are nearly always the front (answers come in arrival order), and held for a
   * whole bound they would outlive the young generation and load the old one.
   */
  private dropAnswered(): void {
    const queue = this.deadlines;
    while (this.head < queue.length && queue[this.head].answered) this.head++;
    if (this.head === queue.length) {
      this.deadlines = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > queue.length) {
      this.deadlines = queue.slice(this.head);
      this.head = 0;
    }
  }

  private enqueue(waiter: Waiter): void {
    const queue = this.deadlines;
    let at = queue.length;
    while (at > this.head && queue[at - 1].deadline > waiter.deadline) at--;
    if (at === queue.length) queue.push(waiter);
    else queue.splice(at, 0, waiter);
    if (waiter.deadline < this.timerAt) this.arm(waiter.deadline);
  }

  /** Answers every waiter whose deadline has come, then re-arms for the earliest one left. */
  private expire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.scheduler.now();
    while (this.head < this.deadlines.length && this.deadlines[this.head].deadline <= now) {
      const waiter = this.deadlines[this.head++];
      if (!waiter.answered) this.answer(waiter.entry);
    }
    this.dropAnswered();
    if (this.head < this.deadlines.length) this.arm(this.deadlines[this.head].deadline);
  };

  private arm(at: number): void {
    this.timer?.unsubscribe();
    this.timerAt = at;
    this.timer = this.scheduler.schedule(this.expire, Math.max(0, at - this.scheduler.now()));
  }
}

function snapshot(entry: LedgerEntry): DeliveryOutcome[] {
  const targets = entry.targets ?? [];
  return targets.map(({ service, protocol }, i) => {
    const detail = entry.details?.[i];
    const result = entry.results[i] ?? 'queued';
    return detail === undefined ? { service, protocol, result } : { service, protocol, result, detail };
  });
}
