import { sees, type View } from './clientFilter';

/** A trigger event as the plan reads it. */
export interface PlannedEvent {
  readonly seq: number;
  readonly name: string;
  readonly category?: string;
}

/**
 * Where a connection stands in the fan-out's log: the highest seq delivered or skipped (the dedupe
 * mark that keeps a resumed connection from getting a replayed event twice), and how much of
 * which log window it has taken.
 */
export interface LogPosition {
  readonly lastSeq: number;
  /** The log window this connection last took events from; an older one means nothing of the current log. */
  readonly window: number;
  readonly taken: number;
}

/** A connection as the plan sees it: what it gets, where it stands, and whether it may take its view's shared batch. */
export interface Seat {
  readonly view: View;
  readonly position: LogPosition;
  /**
   * Live with nothing of its own queued this tick: the shared batch may go out as is. A
   * connection with its own messages queued must take the events one by one, after them.
   */
  readonly mayShare: boolean;
}

/** One connection's share of the log, taken one event at a time, and where it stands afterwards. */
export interface CatchUp {
  /** Indices into the log, in order. */
  readonly indices: readonly number[];
  readonly position: LogPosition;
}

/**
 * The logged events a connection has not taken yet, each judged by the view it has now (so the
 * fan-out calls this before the view changes, and before anything else is queued for it, so its
 * messages keep their order). An event at or below its `lastSeq` is skipped (resume).
 */
export function planCatchUp(log: readonly PlannedEvent[], window: number, view: View, position: LogPosition): CatchUp {
  const from = position.window === window ? position.taken : 0;
  if (from >= log.length) return { indices: [], position };
  const indices: number[] = [];
  let lastSeq = position.lastSeq;
  for (let i = from; i < log.length; i++) {
    const { seq, name, category } = log[i];
    if (seq <= lastSeq) continue;
    lastSeq = seq;
    if (sees(view, name, category)) indices.push(i);
  }
  return { indices, position: { lastSeq, window, taken: log.length } };
}

/** The events one view gets, and the seats that take them as one shared batch. */
export interface SharedBatch<S extends Seat> {
  readonly view: View;
  /** Indices into the log, in order; empty: nothing to write. */
  readonly indices: readonly number[];
  readonly seats: S[];
}

/** Who gets which of the logged events at a flush. */
export interface FlushPlan<S extends Seat> {
  /** One batch per distinct view among the seats that may share. */
  readonly shared: readonly SharedBatch<S>[];
  /** Where every sharing seat stands afterwards. */
  readonly sharedPosition: LogPosition;
  /** The others, each with its own share. */
  readonly catchUps: ReadonlyArray<{ readonly seat: S } & CatchUp>;
}

/**
 * Who gets which frames of the log at a flush. A seat that may share, has taken nothing of this
 * window and has none of the events already (resume), takes the batch of its view, filtered once
 * for every seat with the same view (same `visible` and `filter` objects: say 100 panels of one
 * room); the rest catch up one by one. O(seats) plus O(events) per distinct view, so an event
 * costs O(1) however many connections are attached.
 *
 * ```
 * log: 1 Stage.Mode, 2 Fog.Burst, 3 Stage.Power
 * seats: p1, p2 (stage view), f (fog view), q (stage view, has its own message queued)
 * plan:  shared [stage: 1,3 → p1 p2], [fog: 2 → f]; catchUps [q: 1,3]
 * ```
 */
export function planFlush<S extends Seat>(log: readonly PlannedEvent[], window: number, seats: Iterable<S>): FlushPlan<S> {
  // Seqs are logged in order (the gateway assigns them in order); min and max do not rely on it.
  let firstSeq = Infinity;
  let lastSeq = 0;
  for (const { seq } of log) {
    if (seq < firstSeq) firstSeq = seq;
    if (seq > lastSeq) lastSeq = seq;
  }
  const byView = new Map<View['visible'], Map<View['filter'], SharedBatch<S>>>();
  const shared: SharedBatch<S>[] = [];
  const catchUps: Array<{ seat: S } & CatchUp> = [];
  // Seats of one view usually come one after another (every panel of a room): the batch of the
  // previous seat is tried before the lookups.
  let last: SharedBatch<S> | undefined;
  for (const seat of seats) {
    const { view, position } = seat;
    if (seat.mayShare && position.window !== window && position.lastSeq < firstSeq) {
      let batch = last !== undefined && last.view.visible === view.visible && last.view.filter === view.filter ? last : undefined;
      if (!batch) {
        let byFilter = byView.get(view.visible);
        if (!byFilter) byView.set(view.visible, (byFilter = new Map()));
        batch = byFilter.get(view.filter);
        if (!batch) {
          batch = { view, indices: filterLog(log, view), seats: [] };
          byFilter.set(view.filter, batch);
          shared.push(batch);
        }
        last = batch;
      }
      batch.seats.push(seat);
    } else {
      const { indices, position: after } = planCatchUp(log, window, view, position);
      catchUps.push({ seat, indices, position: after });
    }
  }
  return { shared, sharedPosition: { lastSeq, window, taken: log.length }, catchUps };
}

function filterLog(log: readonly PlannedEvent[], view: View): number[] {
  const indices: number[] = [];
  for (let i = 0; i < log.length; i++) if (sees(view, log[i].name, log[i].category)) indices.push(i);
  return indices;
}
