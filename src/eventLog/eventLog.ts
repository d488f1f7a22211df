import type { Observable } from 'rxjs';
import type { TriggerEvent } from '../../streams/contracts';

/** Accepted events after a seq, oldest first; `tooOld` when the log no longer holds them (the client resyncs). */
export type Replay = (afterSeq: number) => { readonly events: readonly TriggerEvent[] } | { readonly tooOld: true };

/** What `haven journal stats` and `/readyz` say about a log. */
export interface LogStats {
  readonly segments: number;
  readonly bytes: number;
  /** Oldest seq still held (0: none). */
  readonly oldestSeq: number;
  readonly newestSeq: number;
  readonly fsync: string;
  /** Why the last write failed, while no write has succeeded since (a full disk): nothing is being accepted. */
  readonly failing?: string;
}

/**
 * The event log: the one ordered history of every accepted input (events and statuses), which
 * every consumer reads (the services, the WebSocket fan-out, SSE, the bus, power, MQTT). The hub's
 * memory (the cache, the seq, the last ids, the gate's times) it folds itself as it writes, before
 * anyone reads a record.
 *
 * The gateway decides; `append` stages the record; everything staged in one turn of the event
 * loop is one write; then `committed$` emits each record, and only then does `append`'s promise
 * settle, once the record is as durable as the fsync policy says. Nothing reads an input the log
 * did not take, and nothing is answered "accepted" that a process crash would forget.
 *
 * Small on purpose (append, read from a seq, read a time range, tail, snapshot), so a Redis
 * Streams log can take the same place.
 */
export interface EventLog {
  /** Stages `event` (seqs increasing). Resolves once stored; rejects when it could not be (disk full). */
  append(event: TriggerEvent): Promise<void>;
  /** Every stored record in seq order, as it is written: the tail. Hot; never errors. */
  readonly committed$: Observable<TriggerEvent>;
  /** Highest seq written (the start-up seq before the first). */
  lastSeq(): number;
  /** For clients that resume: the newest events from memory, older ones from the segments. */
  readonly after: Replay;
  /** Records whose timestamp is in `[sinceMs, untilMs)`, oldest first, at most `limit`. */
  range(sinceMs: number, untilMs?: number, limit?: number): TriggerEvent[];
  stats(): LogStats;
  /**
   * Captures the hub's memory (cache, seq, last ids, gate state) at the newest stored record, so a
   * start-up rebuilds it from there and reads only the records after it. Resolves once the snapshot
   * is kept: written after the log up to it is synced (as durable as the fsync policy), never ahead
   * of what the disk confirmed. A snapshot that could not be written is logged, not thrown: the
   * next start-up reads more of the log, nothing is lost. A call still waiting when the log closes
   * resolves without one of its own: close takes the last one, over the tail its own sync confirmed.
   * The log takes one by itself every `journal.snapshot_every` records, at each segment's start
   * and at close.
   */
  snapshot(): Promise<void>;
  /** Writes what is staged, syncs, snapshots and closes. Appends after it reject. */
  close(): Promise<void>;
}

/** Why a record was not stored, carried to whoever awaited it. */
export class NotStoredError extends Error {
  constructor(
    cause: unknown,
    /**
     * The records did reach the segment file and only its fsync failed: they may be read back
     * after a restart, so their seqs stay used. False (a failed write, cut back): the log holds
     * nothing of them, and their seqs may be given out again.
     */
    readonly written = false,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`The event log could not store the event (${why})`);
    this.name = 'NotStoredError';
    this.why = why;
  }

  /** The cause's own message (`EIO: i/o error, fdatasync`). */
  readonly why: string;
}
