import { closeSync, fdatasync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, rmSync, statSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TriggerEvent } from '../../streams/contracts';
import { eventsAfter } from '../../streams/journal';
import type { HubMemory, MemoryRules } from '../../streams/log/hubMemory';
import type { FsyncPolicy } from '../config/havenConfig';
import type { Logger } from '../log';
import type { EventLog, LogStats, Replay } from './eventLog';
import type { EndOfTurn } from '../runtime/turnStages';
import { createGroupCommit, type LogSink } from './groupCommit';
import { readRange } from './logReader';
import { createRecentHistory } from './recentHistory';
import { createBatchFramer, decodePayload, FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, payloadSeq, scanFrames } from './recordFrame';
import { listSegments, readSegmentFrom, segmentName, visitEvents, type Segment } from './segments';
import { lockFolder } from './folderLock';
import { everyUnref, type Every } from './repeating';
import { fsyncPath, readSnapshot, SNAPSHOT_FILE, writeSnapshot, type LogSnapshot } from './snapshot';

export interface FileLogOptions {
  /** The log's folder (`<data_dir>/journal`). */
  readonly dir: string;
  readonly fsync: FsyncPolicy;
  readonly segmentBytes: number;
  readonly snapshotEvery: number;
  /** Newest events held in memory for fast resume. */
  readonly capacity: number;
  /** Most events one resume is replayed; further behind resyncs. */
  readonly replayLimit: number;
  readonly retain: { readonly segments: number; readonly maxAgeMs: number; readonly bytes: number };
  /** How the records make the hub's memory (the gating parameters of the config). */
  readonly rules: MemoryRules;
  /** The memory of a log with no snapshot, before its first record (a migrated store's, or empty). */
  readonly seed: () => HubMemory;
  readonly log: Logger;
  /** Wall clock ms (retention by age). */
  readonly wallMs: () => number;
  /** Runs `fn` every `ms` until the returned cancel (the `everysec` fsync, retention by age on a log that does not rotate); default an unref'd `setInterval`. */
  readonly every?: Every;
  /** Seams: the end of a turn, the write (a test makes it fail as a full disk would), and the fsync `always` waits for. */
  readonly defer?: EndOfTurn;
  readonly writeSync?: typeof writeSync;
  /** The cut-back of a failed batch (a test makes it fail as a file system gone read-only would). */
  readonly ftruncateSync?: typeof ftruncateSync;
  readonly fdatasync?: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;
  /** The old segment's sync at a rotation and the last one at close, and the folder's once a new segment is in it (a test makes them fail as an I/O error would). */
  readonly fdatasyncSync?: typeof fdatasyncSync;
  readonly fsyncFolder?: (dir: string) => void;
}

/** What start-up found in the log. */
export interface Recovery {
  /** Records read after the snapshot (or all of them, without one). */
  readonly tailRecords: number;
  /** Bytes cut off a damaged tail, and why. */
  readonly cutBytes: number;
  readonly damage?: 'torn' | 'corrupt';
  readonly fromSnapshot: boolean;
  readonly ms: number;
}

export interface OpenedLog {
  readonly log: EventLog;
  /** The log's folder; undefined for a log that keeps nothing. */
  readonly dir: string | undefined;
  /** The hub's memory as the log holds it: what the gateway and the cache start from. */
  readonly memory: HubMemory;
  readonly recovery: Recovery;
}

interface ActiveSegment {
  readonly firstSeq: number;
  readonly path: string;
  fd: number;
  bytes: number;
}

interface ClosedSegment extends Segment {
  readonly bytes: number;
  readonly mtimeMs: number;
}

const EVERYSEC_MS = 1000;
/** How often a quiet log checks its closed segments' age: a rotation checks too, but a quiet log may not rotate for days. */
export const RETENTION_CHECK_MS = 60_000;

/**
 * The embedded event log: segment files of framed records (see recordFrame) in one folder,
 * appended with one `write(2)` per turn, plus a snapshot of the hub's memory every
 * `snapshotEvery` records so start-up reads only the tail.
 */
export function openFileLog(options: FileLogOptions): OpenedLog {
  const { dir, fsync, log, rules } = options;
  const started = Date.now();
  mkdirSync(dir, { recursive: true });
  const unlock = lockFolder(dir);

  // ---- Start-up: the snapshot, then the records after it; a damaged tail is cut, not trusted.
  const found = withoutEmptyBeforeLast(listSegments(dir), dir, fsync !== 'no', log);
  const snapshot = snapshotWithinLog(readSnapshot(dir), found, dir, fsync !== 'no', log);
  const history = createRecentHistory(options.capacity, snapshot ? snapshot.memory : options.seed(), rules);
  const { memory, ring } = history;
  let tailRecords = 0;
  let cutBytes = 0;
  let damage: Recovery['damage'];
  const startAt = snapshot ? found.findIndex((s) => s.firstSeq === snapshot.segment) : -1;
  for (let i = Math.max(0, startAt); i < found.length; i++) {
    const from = i === startAt ? snapshot!.offset : 0;
    const bytes = readSegmentFrom(found[i].path, from);
    const scan = scanFrames(bytes, 0, (payload) => {
      if (payloadSeq(payload) <= memory.seq) return;
      history.remember(decodePayload(payload));
      tailRecords++;
    });
    if (scan.damage) {
      const keep = from + scan.end;
      const cut = from + bytes.length - keep;
      // Whole records may follow the damage (a power cut can leave a hole before pages that did
      // reach the disk): they are cut too, but their seqs may have been answered, so none is given out again.
      const lostSeq = highestSeqAfter(bytes, scan.end);
      truncateSync(found[i].path, keep);
      cutBytes += cut;
      damage = scan.damage;
      if (lostSeq > memory.seq) memory.seq = lostSeq;
      log.warn(`event log: cut a ${scan.damage} record off ${found[i].path} (${cut} bytes at offset ${keep}); the seq continues after ${memory.seq}`);
    }
  }
  const closed: ClosedSegment[] = found.map((s) => ({ ...s, ...sizeAndTime(s.path) }));
  const last = closed.pop();
  let active: ActiveSegment | undefined = last ? { firstSeq: last.firstSeq, path: last.path, fd: openSync(last.path, 'a'), bytes: last.bytes } : undefined;
  let sinceSnapshot = tailRecords;
  let lastSnapshotSeq = snapshot?.memory.seq ?? 0;
  let closedLog = false;

  // ---- fsync: one in flight at a time; whoever asks while one runs waits for the next.
  let syncing: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let unsynced = false;
  const datasync = options.fdatasync ?? fdatasync;
  /** Why the last fsync failed, until one succeeds: the disk is failing even while writes still succeed. */
  let syncFailing: string | undefined;
  /**
   * The segment an fsync failed on. Linux may have dropped the pages it failed to write, so the file
   * can hold a hole that start-up cuts with everything after it: the next batch goes to a new
   * segment rather than behind the hole, where acknowledged records would be cut with it.
   */
  let unsure: ActiveSegment | undefined;
  const syncNow = (): Promise<void> => {
    const at = active;
    unsynced = false;
    if (at === undefined) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) =>
      datasync(at.fd, (err) => {
        // Linux reports a failed writeback once: a later fsync of the same file succeeds, though
        // what it synced sits behind the pages that may be gone. It is not durable either.
        const failed = err ?? (at === unsure ? new Error('an earlier fsync of this segment failed') : null);
        syncFailing = failed ? `fsync: ${failed.message}` : undefined;
        if (failed) unsure = at;
        return failed ? reject(failed) : resolve();
      }),
    );
    syncing = p.finally(() => (syncing = undefined));
    return syncing;
  };
  const durable = (): Promise<void> => {
    if (syncing === undefined) return syncNow();
    queued ??= syncing
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return syncNow();
      });
    return queued;
  };
  const every = options.every ?? everyUnref;
  const stopEverySecond = fsync === 'everysec' ? every(EVERYSEC_MS, () => unsynced && !syncing && void durable().catch(syncFailed)) : undefined;
  function syncFailed(err: unknown): void {
    log.error('event log: fsync failed', { error: String(err) });
  }

  // ---- Writing.
  const write = options.writeSync ?? writeSync;
  const truncate = options.ftruncateSync ?? ftruncateSync;
  const datasyncNow = options.fdatasyncSync ?? fdatasyncSync;
  const syncFolder = options.fsyncFolder ?? fsyncPath;
  const openSegment = (firstSeq: number): ActiveSegment => {
    const path = join(dir, segmentName(firstSeq));
    const fd = openSync(path, 'a');
    try {
      if (fsync !== 'no') syncFolder(dir);
    } catch (err) {
      // Not left behind: an empty segment named after seqs the old one will still hold (the batch is
      // retried there) would be where a reader after a restart starts looking for them.
      closeSync(fd);
      rmSync(path, { force: true });
      throw err;
    }
    return { firstSeq, path, fd, bytes: 0 };
  };
  const rotate = (firstSeq: number): ActiveSegment => {
    // The old segment synced, then the new one opened: if either fails (an I/O error, disk full,
    // read-only), nothing was created and the old one stays the active one, open and whole, rather
    // than a closed descriptor the next batch would write to. One whose fsync already failed is
    // left as it is: syncing it again would only fail again and keep the log on it.
    if (active && active !== unsure && fsync !== 'no') datasyncNow(active.fd);
    const next = openSegment(firstSeq);
    if (active) {
      const old = active;
      // A sync still running holds the old descriptor; it is closed once that sync is done.
      void (syncing ?? Promise.resolve()).catch(() => undefined).then(() => closeSync(old.fd));
      closed.push({ firstSeq: old.firstSeq, path: old.path, bytes: old.bytes, mtimeMs: options.wallMs() });
    }
    active = next;
    // A snapshot at the new segment's start: retention may then drop every closed one, and start-up never needs them.
    if (memory.seq > 0) saveSnapshot(captureSnapshot());
    enforceRetention();
    return active;
  };
  let failing: string | undefined;
  /** A segment whose failed batch could not be cut back (read-only, I/O error): nothing is appended to it before the cut succeeds. */
  let uncut: ActiveSegment | undefined;
  /** Cuts a failed batch that could not be cut back off its segment, if there is one; throws when it still cannot. */
  const cutUncut = (): void => {
    if (!uncut) return;
    truncate(uncut.fd, uncut.bytes);
    uncut = undefined;
  };
  // Its buffer is free again once writeSync returned: nothing below keeps it.
  const framer = createBatchFramer();
  const sink: LogSink = {
    write(events) {
      const buffer = framer.frame(events);
      let segment: ActiveSegment | undefined;
      let written = 0;
      try {
        cutUncut();
        segment = active ?? rotate(events[0].seq);
        if (segment.bytes > 0 && (segment === unsure || segment.bytes + buffer.length > options.segmentBytes)) segment = rotate(events[0].seq);
        while (written < buffer.length) written += write(segment.fd, buffer, written, buffer.length - written);
      } catch (err) {
        // Nothing of a failed batch may stay: a half record would tear the records after it. Cut
        // back even when no call returned a count: the one that threw may have written part of it.
        // A cut that fails too (the file system went read-only) is retried before the next write.
        if (segment) {
          try {
            truncate(segment.fd, segment.bytes);
          } catch (cutErr) {
            if (uncut !== segment) log.error('event log: a failed batch could not be cut back; nothing is written until it can be', { error: String(cutErr) });
            uncut = segment;
          }
        }
        log.error('event log: write failed; the batch is not stored', { error: String(err), records: events.length });
        failing = err instanceof Error ? err.message : String(err);
        throw err;
      }
      failing = undefined;
      segment.bytes += buffer.length;
      unsynced = true;
    },
    durable: fsync === 'always' ? durable : undefined,
  };

  const onWritten = (events: readonly TriggerEvent[]): void => {
    for (const event of events) history.remember(event);
    sinceSnapshot += events.length;
    // In the background, and not queued behind one already waiting: the next batch asks again.
    if (sinceSnapshot >= options.snapshotEvery && snapshotting === undefined) void takeSnapshot();
  };
  const commit = createGroupCommit(sink, onWritten, options.defer);

  // ---- Snapshots: the memory and its position are captured at once; the file is written once the log up to there is synced.
  /** The snapshot waiting for its sync, if any. */
  let snapshotting: Promise<void> | undefined;
  let snapshotSegment = snapshot?.segment ?? 0;
  interface Captured {
    readonly seq: number;
    readonly segment: number;
    readonly json: string;
  }
  function captureSnapshot(): Captured {
    const at = active as ActiveSegment;
    sinceSnapshot = 0;
    return {
      seq: memory.seq,
      segment: at.firstSeq,
      json: JSON.stringify({ version: 1, segment: at.firstSeq, offset: at.bytes, memory } satisfies LogSnapshot),
    };
  }
  function saveSnapshot(captured: Captured): void {
    try {
      writeSnapshot(dir, captured.json, fsync !== 'no');
      lastSnapshotSeq = captured.seq;
      snapshotSegment = captured.segment;
    } catch (err) {
      log.warn('event log: snapshot failed; start-up will read more of the log', { error: String(err) });
    }
  }
  /**
   * A snapshot at the newest record; one asked for while another waits for its sync follows it,
   * unless the log closed meanwhile: close takes the last one itself, written at once over the
   * tail its own sync confirmed, and nothing may write to the folder after close let go of it.
   */
  function takeSnapshot(): Promise<void> {
    if (snapshotting !== undefined) return snapshotting.then(() => (closedLog ? undefined : takeSnapshot()));
    if (active === undefined || memory.seq === lastSnapshotSeq) return Promise.resolve();
    const captured = captureSnapshot();
    if (fsync === 'no' || closedLog) {
      saveSnapshot(captured);
      return Promise.resolve();
    }
    const waiting = durable().then(() => {
      // A rotation meanwhile wrote a newer one.
      if (captured.seq > lastSnapshotSeq) saveSnapshot(captured);
    }, syncFailed);
    snapshotting = waiting.finally(() => (snapshotting = undefined));
    return snapshotting;
  }

  // ---- Retention: closed segments go oldest first while any limit is passed; none the snapshot still needs.
  function enforceRetention(): void {
    const { segments, maxAgeMs, bytes } = options.retain;
    // Without a snapshot start-up reads the whole log, so nothing may go.
    const keepFrom = lastSnapshotSeq > 0 ? snapshotSegment : 0;
    let total = totalBytes();
    while (closed.length > 0) {
      const oldest = closed[0];
      const over = closed.length + 1 > segments || total > bytes || options.wallMs() - oldest.mtimeMs > maxAgeMs;
      if (!over || oldest.firstSeq >= keepFrom) break;
      // Never a reason to refuse the batch that rotated: a segment already gone (an operator freed
      // the disk by hand) is simply no longer counted; one that cannot go is tried again at the next rotation.
      try {
        unlinkSync(oldest.path);
        log.info(`event log: retention removed ${oldest.path}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          log.warn(`event log: retention could not remove ${oldest.path}; it is tried again at the next rotation or age check`, { error: String(err) });
          break;
        }
        log.info(`event log: ${oldest.path} was already removed`);
      }
      closed.shift();
      total -= oldest.bytes;
    }
  }
  if (closed.length > 0) enforceRetention();
  // Only age changes with time alone; the count and the bytes change only at a rotation.
  const ageCheck = Number.isFinite(options.retain.maxAgeMs) ? every(RETENTION_CHECK_MS, () => closed.length > 0 && enforceRetention()) : undefined;

  const segmentsNow = (): Segment[] => [...closed, ...(active ? [active] : [])];
  function totalBytes(): number {
    return closed.reduce((sum, s) => sum + s.bytes, active?.bytes ?? 0);
  }
  const oldestSeq = (): number => segmentsNow()[0]?.firstSeq ?? 0;

  const after: Replay = (seq) => {
    // The limit first: the ring may hold more than it (capacity above replay_limit).
    if (memory.seq - seq > options.replayLimit) return { tooOld: true };
    if (seq >= ring.horizon) return whole(seq, eventsAfter(ring, seq));
    const segments = segmentsNow();
    if (segments.length === 0 || seq + 1 < segments[0].firstSeq) return { tooOld: true };
    const events: TriggerEvent[] = [];
    const scan = visitEvents(segments, seq, (event) => void events.push(event));
    // A damaged record (in what start-up did not read) hides the ones after it in its segment:
    // replayed around, the hole would pass for the whole history. The client resyncs instead.
    if (scan?.damage) {
      log.warn(`event log: a ${scan.damage} record in ${scan.path} at offset ${scan.end}; a resume after ${seq} resyncs`);
      return { tooOld: true };
    }
    return whole(seq, { events });
  };
  /**
   * The replay, if it holds every seq after `seq`: the log gives each seq to one record and takes
   * back those of a batch it could not write, so it has no gap but where start-up cut records
   * (damage with whole records after it: a power cut) and the seq went on past them. A resume
   * across that gap resyncs, rather than pass the hole off as the whole history.
   */
  const whole = (seq: number, replay: ReturnType<Replay>): ReturnType<Replay> => {
    if ('tooOld' in replay || replay.events.length === memory.seq - seq) return replay;
    log.warn(`event log: the log lacks seqs after ${seq} (records cut at start-up); a resume after ${seq} resyncs`);
    return { tooOld: true };
  };

  const eventLog: EventLog = {
    append(event) {
      if (closedLog) return Promise.reject(new Error('The event log is closed'));
      return commit.stage(event);
    },
    committed$: commit.committed$,
    lastSeq: () => memory.seq,
    after,
    range(sinceMs, untilMs, limit) {
      const events: TriggerEvent[] = [];
      readRange(segmentsNow(), { sinceMs, untilMs, limit }, (event) => void events.push(event));
      return events;
    },
    stats(): LogStats {
      return {
        segments: segmentsNow().length,
        bytes: totalBytes(),
        oldestSeq: oldestSeq(),
        newestSeq: memory.seq,
        fsync,
        ...(failing || syncFailing ? { failing: failing ?? syncFailing } : {}),
      };
    },
    snapshot: () => (closedLog ? Promise.reject(new Error('The event log is closed')) : takeSnapshot()),
    async close() {
      if (closedLog) return;
      commit.flush();
      closedLog = true;
      stopEverySecond?.();
      ageCheck?.();
      // Every sync asked for so far, the one queued behind the running one too, uses the
      // descriptor closed below: a sync left running would fail on it (EBADF) and answer a
      // stored batch not stored, or sync whatever file reused the number.
      for (let inFlight = queued ?? syncing; inFlight; inFlight = queued ?? syncing) await inFlight.catch(() => undefined);
      // A snapshot waiting for one of them is kept first; the one below, over the synced tail, then follows it.
      await snapshotting;
      // A failed batch still on the file (it could not be cut back) would be read back as stored at the next start.
      try {
        cutUncut();
      } catch (err) {
        log.error('event log: a failed batch still could not be cut back at close; the next start-up reads its records as stored', { error: String(err) });
      }
      if (active) {
        // A segment an fsync already failed on is not synced by another (see `unsure`): no snapshot over it either.
        let synced = active !== unsure;
        if (!synced) log.warn('event log: no snapshot at close: an earlier fsync of the active segment failed, so the next start-up reads its records');
        if (fsync !== 'no' && synced) {
          try {
            datasyncNow(active.fd);
          } catch (err) {
            // The hub stops all the same and lets go of the folder; the records stay, as after a crash.
            synced = false;
            log.error('event log: the last fsync at close failed; what was written since the last one may not survive a power cut', {
              error: String(err),
            });
          }
        }
        try {
          // Only over a synced tail: a snapshot past what the disk confirmed would outlive it on a power cut.
          if (synced) void takeSnapshot();
        } finally {
          closeSync(active.fd);
        }
      }
      unlock();
    },
  };
  const recovery: Recovery = { tailRecords, cutBytes, damage, fromSnapshot: snapshot !== undefined, ms: Date.now() - started };
  return { log: eventLog, dir, memory, recovery };
}

/**
 * The snapshot, unless it points past the end of its segment: the log then lost records the
 * snapshot had folded in (a truncation, or fsync `no` and a power cut). Trusted, it would hide the
 * torn record from the tail scan, continue the seq after records the log no longer holds and put
 * new records behind the torn bytes, where the next start-up, reading from the stale offset, cuts
 * them. Instead it is removed and the whole log is read, as without one.
 */
function snapshotWithinLog(snapshot: LogSnapshot | undefined, found: readonly Segment[], dir: string, sync: boolean, log: Logger): LogSnapshot | undefined {
  if (snapshot === undefined) return undefined;
  const segment = found.find((s) => s.firstSeq === snapshot.segment);
  // Its segment gone (deleted by hand): the snapshot is still the best memory, and only records after its seq are folded.
  if (segment === undefined) return snapshot;
  const size = statSync(segment.path).size;
  if (snapshot.offset <= size) return snapshot;
  log.warn(
    `event log: the snapshot at seq ${snapshot.memory.seq} points past the end of ${segment.path} ` +
      `(offset ${snapshot.offset}, ${size} bytes); reading the whole log instead`,
  );
  unlinkSync(join(dir, SNAPSHOT_FILE));
  if (sync) fsyncPath(dir);
  return undefined;
}

/**
 * The segments less any empty one before the last. It holds nothing, but its name says the seqs
 * after it start there, so a reader would look for them in it and not in the segment before, which
 * holds them. A rotation that fails half-way removes its new segment; one left by a build that did
 * not (or by hand) is removed here.
 */
function withoutEmptyBeforeLast(found: readonly Segment[], dir: string, sync: boolean, log: Logger): Segment[] {
  const empty = new Set(found.filter((s, i) => i < found.length - 1 && statSync(s.path).size === 0));
  for (const s of empty) {
    unlinkSync(s.path);
    log.warn(`event log: removed the empty segment ${s.path}, which a later segment follows`);
  }
  if (empty.size > 0 && sync) fsyncPath(dir);
  return found.filter((s) => !empty.has(s));
}

/** How far past a damaged record {@link highestSeqAfter} looks for whole ones: room for the longest record after a hole. */
const DAMAGE_SEARCH_BYTES = 2 * MAX_PAYLOAD_BYTES;

/**
 * The highest seq of the whole records after damage at `from` (0 if none): each offset is tried
 * as the start of a run of frames (scanFrames' checks; a checksum matching by chance is 1 in 2^32).
 */
function highestSeqAfter(bytes: Buffer, from: number): number {
  let highest = 0;
  const within = bytes.subarray(0, Math.min(bytes.length, from + DAMAGE_SEARCH_BYTES));
  for (let offset = from + 1; offset + FRAME_HEADER_BYTES < within.length;) {
    const run = scanFrames(within, offset, (payload) => void (highest = Math.max(highest, payloadSeq(payload))));
    offset = run.end > offset ? run.end : offset + 1;
  }
  return highest;
}

function sizeAndTime(path: string): { bytes: number; mtimeMs: number } {
  const s = statSync(path);
  return { bytes: s.size, mtimeMs: s.mtimeMs };
}
