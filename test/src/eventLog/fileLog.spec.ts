import { expect } from 'chai';
import {
  cpSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TriggerEvent } from '../../../streams/contracts';
import { emptyHubMemory, type MemoryRules } from '../../../streams/log/hubMemory';
import type { EventLog } from '../../../src/eventLog/eventLog';
import { openFileLog, RETENTION_CHECK_MS, type FileLogOptions } from '../../../src/eventLog/fileLog';
import { frameBatch } from '../../../src/eventLog/recordFrame';
import { segmentName } from '../../../src/eventLog/segments';
import { SNAPSHOT_FILE, type LogSnapshot } from '../../../src/eventLog/snapshot';
import { createLogger } from '../../../src/log';
import { handRepeats } from '../../helpers/handRepeats';
import { renderInto } from '../../helpers/logLines';
import { event } from '../../streams/fixtures';

const T0 = Date.UTC(2026, 0, 11, 18, 0, 0);
const RULES: MemoryRules = { minIntervalMs: 10, minIntervalScope: 'trigger', cooldownMs: 10, priorityOf: () => 1 };

/** An accepted event with seq `seq`, its id the same, stamped `seq` seconds after T0 (events of one-digit seqs are the same size). */
const at = (seq: number, fields: Partial<TriggerEvent> = {}): TriggerEvent =>
  event('Phone.Button', { seq, id: seq, value: 'On', timestamp: new Date(T0 + seq * 1000).toISOString(), ...fields });
const seqs = (events: readonly TriggerEvent[]) => events.map((e) => e.seq);
/** Bytes one event takes in a segment. */
const frameBytes = (e: TriggerEvent) => frameBatch([e]).length;

type Write = (fd: number, buffer: Buffer, offset: number, length: number) => number;
type Datasync = NonNullable<FileLogOptions['fdatasync']>;
const realWrite: Write = (fd, buffer, offset, length) => writeSync(fd, buffer, offset, length);

/** Once the microtasks and I/O callbacks queued so far have run. */
const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise's state once the microtasks and I/O callbacks queued so far have run. */
async function stateOf(p: Promise<unknown>): Promise<string> {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    (err: Error) => (state = `rejected ${err.name}`),
  );
  await nextTurn();
  return state;
}

/** The error a failing disk gives a sync: `EIO: i/o error, <call>`. */
const eio = (call: 'fdatasync' | 'fsync'): NodeJS.ErrnoException => Object.assign(new Error(`EIO: i/o error, ${call}`), { code: 'EIO' });

/** An fdatasync that completes when the test says, recording the descriptors it was given. */
function parkedSync() {
  const pending: Array<{ fd: number; done: (err: NodeJS.ErrnoException | null) => void }> = [];
  const fake: Datasync = (fd, done) => void pending.push({ fd, done });
  const complete = (err: NodeJS.ErrnoException | null = null) => {
    const next = pending.shift();
    if (!next) throw new Error('no fdatasync in flight');
    next.done(err);
  };
  return { fake, pending, complete };
}

describe('eventLog/fileLog', () => {
  const dirs: string[] = [];
  const logs: EventLog[] = [];
  let wall: number;

  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'haven-log-'));
    dirs.push(dir);
    return dir;
  };
  beforeEach(() => (wall = T0));
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Opens a file log in `dir` whose turns end when the test says (`endTurn`), whose writes are
   * counted and go through `write`, and whose log lines are kept.
   */
  function open(dir: string, options: Partial<FileLogOptions> = {}, write: Write = realWrite) {
    const turns: Array<() => void> = [];
    const lines: string[] = [];
    const calls = { writes: 0 };
    const opened = openFileLog({
      dir,
      fsync: 'no',
      segmentBytes: 1 << 20,
      snapshotEvery: 1000,
      capacity: 100,
      replayLimit: 1000,
      retain: { segments: 100, maxAgeMs: Infinity, bytes: Infinity },
      rules: RULES,
      seed: () => emptyHubMemory(),
      log: createLogger('Journal', 'debug', renderInto(lines)),
      wallMs: () => wall,
      defer: (flush) => turns.push(flush),
      writeSync: ((fd: number, buffer: Buffer, offset: number, length: number) => {
        calls.writes++;
        return write(fd, buffer, offset, length);
      }) as typeof writeSync,
      ...options,
    });
    logs.push(opened.log);
    const endTurn = () => turns.splice(0).forEach((flush) => flush());
    /** Appends `events` in one turn and waits for their answers. */
    const appendTurn = async (...events: TriggerEvent[]) => {
      const answers = events.map((e) => opened.log.append(e));
      endTurn();
      await Promise.all(answers);
    };
    return { ...opened, dir, lines, calls, turns, endTurn, appendTurn };
  }

  /** Appends one event per turn. */
  async function fill(h: ReturnType<typeof open>, from: number, to: number): Promise<void> {
    for (let seq = from; seq <= to; seq++) await h.appendTurn(at(seq));
  }

  /** The folder as a crash would leave it: a copy taken while the log is open (no close, no last snapshot). */
  const crashCopy = (dir: string): string => {
    const copy = tempDir();
    cpSync(dir, copy, { recursive: true });
    return copy;
  };
  const segmentFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.log'));
  const readSnapshotFile = (dir: string) => JSON.parse(readFileSync(join(dir, SNAPSHOT_FILE), 'utf8')) as LogSnapshot;
  /** Every record's seq and value, as a replay from the start reads them. */
  const valuesOf = (log: EventLog) => {
    const replay = log.after(0);
    return 'events' in replay ? replay.events.map((e) => `${e.seq} ${String(e.value)}`) : 'tooOld';
  };
  const allEvents = (log: EventLog) => {
    const replay = log.after(0);
    return 'events' in replay ? seqs(replay.events) : 'tooOld';
  };

  describe('writing', () => {
    it('writes the records of one turn with one write, emits them, and only then answers', async () => {
      const dir = tempDir();
      const h = open(dir);
      const trace: string[] = [];
      h.log.committed$.subscribe((e) => trace.push(`emit ${e.seq} (lastSeq ${h.log.lastSeq()})`));
      const answers = [1, 2, 3].map((seq) => h.log.append(at(seq)));
      answers.forEach((p, i) => void p.then(() => trace.push(`answer ${i + 1}`)));
      expect(h.calls.writes, 'nothing before the turn ends').to.equal(0);
      h.endTurn();
      expect(h.calls.writes).to.equal(1);
      await Promise.all(answers);
      expect(trace).to.deep.equal(['emit 1 (lastSeq 3)', 'emit 2 (lastSeq 3)', 'emit 3 (lastSeq 3)', 'answer 1', 'answer 2', 'answer 3']);
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1)]);
      expect(statSync(join(dir, segmentName(1))).size).to.equal(frameBatch([at(1), at(2), at(3)]).length);

      await h.appendTurn(at(4), at(5));
      expect(h.calls.writes).to.equal(2);
      await h.log.close();
      const again = open(dir);
      expect(again.log.lastSeq()).to.equal(5);
      expect(allEvents(again.log)).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it('names a segment by the first seq it holds, 20 digits, so the names sort as the history does', () => {
      expect(segmentName(42)).to.equal('00000000000000000042.log');
    });

    it('starts a new segment when the next batch would pass segmentBytes, and never splits a batch', async () => {
      const dir = tempDir();
      const bytes = frameBytes(at(1));
      const h = open(dir, { segmentBytes: 2 * bytes });
      await h.appendTurn(at(1));
      await h.appendTurn(at(2));
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1)]);
      await h.appendTurn(at(3));
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1), segmentName(3)]);
      // A batch bigger than a segment goes whole into the next one.
      await h.appendTurn(at(4), at(5), at(6));
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1), segmentName(3), segmentName(4)]);
      expect(statSync(join(dir, segmentName(4))).size).to.equal(3 * bytes);
      await h.appendTurn(at(7));
      expect(segmentFiles(dir)).to.deep.equal([1, 3, 4, 7].map(segmentName));
      expect(h.log.stats()).to.deep.equal({ segments: 4, bytes: 7 * bytes, oldestSeq: 1, newestSeq: 7, fsync: 'no' });
      expect(allEvents(h.log)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);

      // Nor does an empty segment give way to one: the first batch of a new log, bigger than a segment.
      const fresh = open(tempDir(), { segmentBytes: bytes });
      await fresh.appendTurn(at(1), at(2));
      expect(fresh.log.stats()).to.include({ segments: 1, bytes: 2 * bytes });
    });

    it('keeps writing to the old segment when the next one cannot be opened, and rotates once it can', async () => {
      const dir = tempDir();
      const bytes = frameBytes(at(1));
      const h = open(dir, { segmentBytes: 2 * bytes });
      await h.appendTurn(at(1));
      await h.appendTurn(at(2));
      // The next segment's name taken by a directory: opening it fails, as on a full or read-only disk.
      mkdirSync(join(dir, segmentName(3)));
      const refused = h.log.append(at(3));
      h.endTurn();
      expect(await stateOf(refused)).to.equal('rejected NotStoredError');
      expect(h.log.stats()).to.include({ segments: 1, bytes: 2 * bytes });
      rmdirSync(join(dir, segmentName(3)));
      await h.appendTurn(at(3));
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1), segmentName(3)]);
      expect(h.log.stats()).to.include({ segments: 2, bytes: 3 * bytes, newestSeq: 3 });
      await h.log.close();
      const again = open(dir);
      expect(again.recovery.damage).to.equal(undefined);
      expect(allEvents(again.log)).to.deep.equal([1, 2, 3]);
    });

    it('creates no segment when a rotation cannot sync the old one: the batch is retried there, and a resume after a restart finds it', async () => {
      const dir = tempDir();
      const bytes = frameBytes(at(1));
      let failSync = false;
      const h = open(dir, {
        fsync: 'everysec',
        segmentBytes: 3 * bytes,
        capacity: 1,
        fdatasync: (_fd, done) => done(null),
        fdatasyncSync: (fd) => {
          if (failSync) throw eio('fdatasync');
          fdatasyncSync(fd);
        },
      });
      await fill(h, 1, 2);
      failSync = true;
      const refused = [h.log.append(at(3)), h.log.append(at(4))];
      h.endTurn();
      expect(await stateOf(Promise.all(refused))).to.equal('rejected NotStoredError');
      expect(segmentFiles(dir), 'no segment named after seqs it will not hold').to.deep.equal([segmentName(1)]);
      failSync = false;
      await h.appendTurn(at(3)); // fits in segment 1
      await h.appendTurn(at(4)); // rotates
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1), segmentName(4)]);
      await h.log.close();
      const again = open(dir, { capacity: 1 });
      const replay = again.log.after(2);
      expect('events' in replay && seqs(replay.events)).to.deep.equal([3, 4]);
    });

    it('removes the new segment when the folder cannot be synced after creating it, and keeps the old one active', async () => {
      const dir = tempDir();
      const bytes = frameBytes(at(1));
      let failFolder = false;
      const h = open(dir, {
        fsync: 'everysec',
        segmentBytes: 3 * bytes,
        capacity: 1,
        fdatasync: (_fd, done) => done(null),
        fsyncFolder: () => {
          if (failFolder) throw eio('fsync');
        },
      });
      await fill(h, 1, 2);
      failFolder = true;
      const refused = [h.log.append(at(3)), h.log.append(at(4))];
      h.endTurn();
      expect(await stateOf(Promise.all(refused))).to.equal('rejected NotStoredError');
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1)]);
      failFolder = false;
      await fill(h, 3, 4);
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1), segmentName(4)]);
      await h.log.close();
      const replay = open(dir, { capacity: 1 }).log.after(2);
      expect('events' in replay && seqs(replay.events)).to.deep.equal([3, 4]);
    });

    it('removes an empty segment before the last at start-up (logged), so the seqs after its name are read where they are', async () => {
      const dir = tempDir();
      const h = open(dir, { segmentBytes: 3 * frameBytes(at(1)) });
      await fill(h, 1, 4);
      await h.log.close();
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1), segmentName(4)]);
      // What a rotation that failed half-way used to leave: an empty segment named after seq 3, which segment 1 holds.
      writeFileSync(join(dir, segmentName(3)), '');
      const again = open(dir, { capacity: 1 });
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1), segmentName(4)]);
      expect(again.lines.some((l) => l.includes(`removed the empty segment ${join(dir, segmentName(3))}`))).to.equal(true);
      const replay = again.log.after(2);
      expect('events' in replay && seqs(replay.events)).to.deep.equal([3, 4]);
      // The last segment may be empty: the one a rotation just opened, which the next batch goes to.
      await again.log.close();
      writeFileSync(join(dir, segmentName(5)), '');
      const third = open(dir, { capacity: 1 });
      await third.appendTurn(at(5));
      expect(segmentFiles(dir)).to.deep.equal([1, 4, 5].map(segmentName));
      expect(allEvents(third.log)).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it('keeps the longest record an input can make across a crash (1 MiB of characters JSON escapes), and the records after it', async () => {
      const dir = tempDir();
      const h = open(dir);
      await h.appendTurn(at(1));
      await h.appendTurn(at(2, { type: 'Discrete', value: '\u0001'.repeat(1 << 20) }));
      await h.appendTurn(at(3));
      const again = open(crashCopy(dir));
      expect(again.recovery.damage).to.equal(undefined);
      expect(again.log.lastSeq()).to.equal(3);
      expect(allEvents(again.log)).to.deep.equal([1, 2, 3]);
    });

    it('rejects appends after close', async () => {
      const h = open(tempDir());
      await h.log.close();
      expect(await stateOf(h.log.append(at(1)))).to.equal('rejected Error');
    });
  });

  describe('snapshots and start-up', () => {
    it('snapshots every snapshotEvery records: the memory, and the position just past the last record in it', async () => {
      const dir = tempDir();
      const h = open(dir, { snapshotEvery: 3 });
      await fill(h, 1, 2);
      expect(readdirSync(dir)).not.to.include(SNAPSHOT_FILE);
      await h.appendTurn(at(3));
      const snapshot = readSnapshotFile(dir);
      const e3 = at(3);
      const ms3 = Date.parse(e3.timestamp);
      expect(snapshot).to.deep.equal({
        version: 1,
        segment: 1,
        offset: 3 * frameBytes(e3),
        memory: {
          seq: 3,
          cache: { 'Phone.Button': { value: 'On', id: 3, timestamp: e3.timestamp, type: 'On/Off', seq: 3 } },
          lastIds: { 'Phone.Button': 3 },
          lastAcceptedAt: { 'Phone.Button': ms3 },
          lastPriorityAt: { '1': ms3 },
        },
      });
      await fill(h, 4, 5);
      expect(readSnapshotFile(dir).memory.seq, 'not yet the next one').to.equal(3);
      await h.appendTurn(at(6));
      expect(readSnapshotFile(dir)).to.include({ segment: 1, offset: 6 * frameBytes(e3) });
    });

    it('starts from the snapshot and reads only the records after it', async () => {
      const dir = tempDir();
      const h = open(dir, { snapshotEvery: 3 });
      await fill(h, 1, 5);
      const crashed = crashCopy(dir);
      // Damage before the snapshot's position: a start-up that read it would cut it.
      const path = join(crashed, segmentName(1));
      const bytes = readFileSync(path);
      bytes[20] ^= 0xff;
      writeFileSync(path, bytes);

      const again = open(crashed, { snapshotEvery: 3 });
      expect(again.recovery).to.deep.include({ fromSnapshot: true, tailRecords: 2, cutBytes: 0, damage: undefined });
      expect(again.memory.seq).to.equal(5);
      expect(again.memory.cache['Phone.Button']).to.include({ id: 5, value: 'On', seq: 5 });
      expect(again.memory.lastIds).to.deep.equal({ 'Phone.Button': 5 });
      expect(again.log.lastSeq()).to.equal(5);
      // The tail is in memory for resume; the rest is in the segment.
      const replay = again.log.after(3);
      expect('events' in replay && seqs(replay.events)).to.deep.equal([4, 5]);
    });

    it('reads the whole log without a snapshot', async () => {
      const dir = tempDir();
      const h = open(dir);
      await fill(h, 1, 3);
      expect(readdirSync(dir)).not.to.include(SNAPSHOT_FILE);
      const again = open(crashCopy(dir));
      expect(again.recovery).to.deep.include({ fromSnapshot: false, tailRecords: 3, cutBytes: 0 });
      expect(again.memory.seq).to.equal(3);
      expect(allEvents(again.log)).to.deep.equal([1, 2, 3]);
    });

    it('starts a new log from the seed (a migrated store), snapshotting the seed at its first segment', async () => {
      const dir = tempDir();
      const h = open(dir, { seed: () => emptyHubMemory(100) });
      expect(h.log.lastSeq()).to.equal(100);
      await fill(h, 101, 103);
      expect(segmentFiles(dir)).to.deep.equal([segmentName(101)]);
      expect(readSnapshotFile(dir)).to.deep.include({ segment: 101, offset: 0 });
      const again = open(crashCopy(dir), { seed: () => emptyHubMemory(7) });
      expect(again.recovery).to.deep.include({ fromSnapshot: true, tailRecords: 3, cutBytes: 0 });
      expect(again.memory.seq).to.equal(103);
      expect(allEvents(again.log)).to.equal('tooOld');
      const replay = again.log.after(100);
      expect('events' in replay && seqs(replay.events)).to.deep.equal([101, 102, 103]);
    });

    it('reads the whole log when the snapshot cannot be read (torn, another version)', async () => {
      const dir = tempDir();
      const h = open(dir);
      await fill(h, 1, 3);
      await h.log.close();
      const snapshot = readSnapshotFile(dir);
      for (const text of ['{"version":1,"segm', JSON.stringify({ ...snapshot, version: 2 }), JSON.stringify({ ...snapshot, memory: {} })]) {
        const copy = crashCopy(dir);
        writeFileSync(join(copy, SNAPSHOT_FILE), text);
        const again = open(copy);
        expect(again.recovery, text).to.deep.include({ fromSnapshot: false, tailRecords: 3 });
        expect(again.memory.seq).to.equal(3);
      }
    });

    it('folds only records after the snapshot when its segment is gone (read from the oldest)', async () => {
      const dir = tempDir();
      const h = open(dir, { segmentBytes: 2 * frameBytes(at(1)) });
      await fill(h, 1, 4);
      await h.log.close();
      expect(readSnapshotFile(dir)).to.include({ segment: 3 });
      rmSync(join(dir, segmentName(3)));
      const again = open(dir);
      expect(again.recovery).to.deep.include({ fromSnapshot: true, tailRecords: 0 });
      expect(again.memory.lastIds, 'not rolled back to the older records').to.deep.equal({ 'Phone.Button': 4 });
    });

    it('snapshots at close, so the next start-up reads no records', async () => {
      const dir = tempDir();
      const h = open(dir);
      await fill(h, 1, 4);
      await h.log.close();
      expect(readSnapshotFile(dir)).to.include({ segment: 1, offset: 4 * frameBytes(at(1)) });
      expect(open(dir).recovery).to.deep.include({ fromSnapshot: true, tailRecords: 0 });
    });

    it('snapshot(): one at the newest record when asked, so a start-up after a crash reads no records', async () => {
      const dir = tempDir();
      const h = open(dir);
      await fill(h, 1, 4);
      expect(readdirSync(dir)).not.to.include(SNAPSHOT_FILE);
      await h.log.snapshot();
      expect(readSnapshotFile(dir)).to.include({ segment: 1, offset: 4 * frameBytes(at(1)) });
      expect(readSnapshotFile(dir).memory.seq).to.equal(4);
      const again = open(crashCopy(dir));
      expect(again.recovery).to.deep.include({ fromSnapshot: true, tailRecords: 0 });
      expect(again.memory.seq).to.equal(4);
    });

    it('snapshot(): kept only once the log up to it is synced; one asked for meanwhile follows it, at the newer record', async () => {
      const sync = parkedSync();
      const dir = tempDir();
      const h = open(dir, { fsync: 'always', fdatasync: sync.fake });
      const stored = h.log.append(at(1));
      h.endTurn();
      const first = h.log.snapshot();
      expect(await stateOf(first)).to.equal('pending');
      expect(readdirSync(dir), 'not ahead of the disk').not.to.include(SNAPSHOT_FILE);
      const more = h.log.append(at(2));
      h.endTurn();
      const second = h.log.snapshot();
      sync.complete();
      await stored;
      expect(await stateOf(first), 'its own sync is the one after record 1').to.equal('pending');
      sync.complete();
      await Promise.all([more, first]);
      expect(readSnapshotFile(dir).memory.seq).to.equal(1);
      expect(await stateOf(second), 'taken after the first, at record 2, and waiting for its sync').to.equal('pending');
      sync.complete();
      await second;
      expect(readSnapshotFile(dir).memory.seq).to.equal(2);
      expect(sync.pending).to.have.length(0);
    });

    it('snapshot(): one still queued when the log closes writes nothing after close, and none past a last fsync that failed', async () => {
      const sync = parkedSync();
      const dir = tempDir();
      const h = open(dir, {
        fsync: 'always',
        fdatasync: sync.fake,
        fdatasyncSync: () => {
          throw eio('fdatasync');
        },
      });
      const stored = h.log.append(at(1));
      h.endTurn();
      const first = h.log.snapshot();
      const more = h.log.append(at(2));
      h.endTurn();
      const second = h.log.snapshot();
      const closed = h.log.close();
      sync.complete();
      await stored;
      await nextTurn();
      expect(sync.pending, 'the sync the first snapshot and record 2 wait for').to.have.length(1);
      sync.complete();
      await Promise.all([first, more, closed]);
      expect(h.lines.join('\n')).to.contain('the last fsync at close failed');
      await second;
      await nextTurn();
      expect(readSnapshotFile(dir).memory.seq, 'only the one its own sync confirmed').to.equal(1);
    });

    it('takes no snapshot at close over a segment an earlier fsync failed on, and says so', async () => {
      const sync = parkedSync();
      const dir = tempDir();
      const h = open(dir, { fsync: 'always', fdatasync: sync.fake, fdatasyncSync: () => expect.fail('no sync of a segment whose fsync failed') });
      const stored = h.log.append(at(1));
      h.endTurn();
      sync.complete(eio('fdatasync'));
      expect(
        await stored.then(
          () => 'stored',
          (err: Error) => err.name,
        ),
      ).to.equal('NotStoredError');
      await h.log.close();
      expect(readdirSync(dir)).not.to.include(SNAPSHOT_FILE);
      expect(h.lines.join('\n')).to.contain('no snapshot at close');
      expect(open(dir).recovery).to.deep.include({ fromSnapshot: false, tailRecords: 1 });
    });

    it('snapshot() after close rejects', async () => {
      const h = open(tempDir());
      await h.log.close();
      const err = await h.log.snapshot().then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).to.equal('The event log is closed');
    });

    it('snapshots at rotation, at the new segment start', async () => {
      const dir = tempDir();
      const h = open(dir, { segmentBytes: 2 * frameBytes(at(1)) });
      await fill(h, 1, 3);
      expect(readSnapshotFile(dir)).to.deep.include({ segment: 3, offset: 0 });
      expect(readSnapshotFile(dir).memory.seq).to.equal(2);
      const crashed = crashCopy(dir);
      // Damage in the segment before the snapshot's: a start-up that read it would cut it.
      writeFileSync(join(crashed, segmentName(1)), Buffer.alloc(10));
      const again = open(crashed);
      expect(again.recovery).to.deep.include({ fromSnapshot: true, tailRecords: 1, damage: undefined });
      expect(again.memory.seq).to.equal(3);
    });
  });

  describe('a damaged tail', () => {
    it('cuts a torn last record (a write cut short), logs it, and the seq continues after the last whole one', async () => {
      const dir = tempDir();
      const h = open(dir, { snapshotEvery: 2 });
      await fill(h, 1, 3);
      const crashed = crashCopy(dir);
      const path = join(crashed, segmentName(1));
      const whole = 2 * frameBytes(at(1));
      truncateSync(path, whole + 11);

      const again = open(crashed, { snapshotEvery: 2 });
      expect(again.recovery).to.deep.include({ fromSnapshot: true, tailRecords: 0, cutBytes: 11, damage: 'torn' });
      expect(statSync(path).size).to.equal(whole);
      expect(again.lines.filter((l) => l.includes('WARN'))).to.have.length(1);
      expect(again.lines.join('\n')).to.include(`cut a torn record off ${path} (11 bytes at offset ${whole}); the seq continues after 2`);
      expect(again.log.lastSeq()).to.equal(2);

      await again.appendTurn(at(3, { value: 'Again' }));
      await again.log.close();
      const third = open(crashed);
      expect(third.recovery.damage).to.equal(undefined);
      const replay = third.log.after(0);
      expect('events' in replay && replay.events.map((e) => `${e.seq} ${e.value}`)).to.deep.equal(['1 On', '2 On', '3 Again']);
    });

    it('cuts a corrupt last record (a flipped byte), logs it, and the seq continues', async () => {
      const dir = tempDir();
      const h = open(dir);
      await fill(h, 1, 3);
      const crashed = crashCopy(dir);
      const path = join(crashed, segmentName(1));
      const bytes = readFileSync(path);
      bytes[bytes.length - 5] ^= 0x01;
      writeFileSync(path, bytes);

      const again = open(crashed);
      const keep = 2 * frameBytes(at(1));
      expect(again.recovery).to.deep.include({ fromSnapshot: false, tailRecords: 2, cutBytes: bytes.length - keep, damage: 'corrupt' });
      expect(statSync(path).size).to.equal(keep);
      expect(again.lines.join('\n')).to.include(`cut a corrupt record off ${path}`);
      expect(again.log.lastSeq()).to.equal(2);
      await again.appendTurn(at(3));
      expect(allEvents(again.log)).to.deep.equal([1, 2, 3]);
    });

    it('cuts from a damaged record in the middle of the last segment, and gives out none of the seqs of whole records after it again', async () => {
      const dir = tempDir();
      const h = open(dir);
      await fill(h, 1, 4);
      const crashed = crashCopy(dir);
      const path = join(crashed, segmentName(1));
      const bytes = readFileSync(path);
      const second = frameBytes(at(1));
      bytes[second + 12] ^= 0x04;
      writeFileSync(path, bytes);

      const again = open(crashed);
      expect(again.recovery).to.deep.include({ tailRecords: 1, cutBytes: bytes.length - second, damage: 'corrupt' });
      expect(statSync(path).size).to.equal(second);
      // Records 3 and 4 were whole (and may have been answered): the seq goes on after 4.
      expect(again.memory.seq).to.equal(4);
      expect(again.memory.lastIds).to.deep.equal({ 'Phone.Button': 1 });
      expect(again.lines.some((l) => l.includes('the seq continues after 4'))).to.equal(true);
      await again.appendTurn(at(5));
      expect(again.log.lastSeq()).to.equal(5);
    });

    it('finds a whole record of up to the longest a record can be after a damaged one, and gives out none of its seq again', async () => {
      const dir = tempDir();
      // One segment for all three, so start-up scans past the damage.
      const h = open(dir, { segmentBytes: 64 << 20 });
      await fill(h, 1, 2);
      await h.appendTurn(at(3, { type: 'Discrete', value: 'x'.repeat(5 << 20) }));
      const crashed = crashCopy(dir);
      const path = join(crashed, segmentName(1));
      const bytes = readFileSync(path);
      bytes[frameBytes(at(1)) + 12] ^= 0x04; // record 2
      writeFileSync(path, bytes);
      const again = open(crashed, { segmentBytes: 64 << 20 });
      expect(again.recovery.damage).to.equal('corrupt');
      expect(again.memory.seq, 'record 3 (5 MiB) was whole, and may have been answered').to.equal(3);
    });

    it('says tooOld to a resume that would skip the seqs a cut took (a client that saw them, or one before them), from memory and from the segments', async () => {
      const dir = tempDir();
      const h = open(dir);
      await fill(h, 1, 6);
      const crashed = crashCopy(dir);
      const path = join(crashed, segmentName(1));
      const bytes = readFileSync(path);
      bytes[2 * frameBytes(at(1)) + 12] ^= 0x04; // record 3: 3-6 are cut, the seq goes on after 6
      writeFileSync(path, bytes);
      for (const capacity of [100, 1]) {
        const copy = crashCopy(crashed);
        const again = open(copy, { capacity });
        expect(again.memory.seq).to.equal(6);
        await again.appendTurn(at(7));
        for (const seq of [0, 1, 4, 5]) expect(again.log.after(seq), `after ${seq}, capacity ${capacity}`).to.deep.equal({ tooOld: true });
        const replay = again.log.after(6);
        expect('events' in replay && seqs(replay.events), `after 6, capacity ${capacity}`).to.deep.equal([7]);
        expect(again.lines.some((l) => l.includes('lacks seqs after 0'))).to.equal(true);
      }
    });
  });

  describe('retention', () => {
    /** A log whose every append (one record a turn) starts a new segment. */
    const oneRecordSegments = (dir: string, retain: Partial<FileLogOptions['retain']>, more: Partial<FileLogOptions> = {}) =>
      open(dir, { segmentBytes: frameBytes(at(1)), retain: { segments: 100, maxAgeMs: Infinity, bytes: Infinity, ...retain }, ...more });

    it('by count: keeps the newest segments, the active one among them', async () => {
      const dir = tempDir();
      const h = oneRecordSegments(dir, { segments: 2 });
      await fill(h, 1, 5);
      expect(segmentFiles(dir)).to.deep.equal([segmentName(4), segmentName(5)]);
      expect(h.lines.filter((l) => l.includes('retention removed'))).to.have.length(3);
      expect(h.log.stats()).to.include({ segments: 2, oldestSeq: 4, newestSeq: 5 });
    });

    it('by bytes: removes closed segments oldest first, never the active one even past the limit', async () => {
      const dir = tempDir();
      const bytes = frameBytes(at(1));
      const h = oneRecordSegments(dir, { bytes: 2 * bytes });
      await fill(h, 1, 4);
      // Counted at the rotation, before the new segment holds the batch that opened it.
      expect(segmentFiles(dir)).to.deep.equal([2, 3, 4].map(segmentName));
      await h.appendTurn(at(5));
      expect(segmentFiles(dir)).to.deep.equal([3, 4, 5].map(segmentName));
      const big = open(tempDir(), { segmentBytes: bytes, retain: { segments: 100, maxAgeMs: Infinity, bytes: 1 } });
      await fill(big, 1, 3);
      expect(big.log.stats()).to.include({ segments: 1, oldestSeq: 3, bytes });
    });

    it('by age: removes closed segments older than maxAgeMs (the wall clock at their close), keeps younger ones', async () => {
      const dir = tempDir();
      const h = oneRecordSegments(dir, { maxAgeMs: 60_000 });
      await fill(h, 1, 2); // segment 1 closed at T0
      wall = T0 + 30_000;
      await h.appendTurn(at(3)); // segment 2 closed at T0 + 30 s
      wall = T0 + 60_000;
      await h.appendTurn(at(4));
      expect(segmentFiles(dir), 'exactly maxAgeMs old stays').to.deep.equal([1, 2, 3, 4].map(segmentName));
      wall = T0 + 60_001;
      await h.appendTurn(at(5));
      expect(segmentFiles(dir)).to.deep.equal([2, 3, 4, 5].map(segmentName));
      wall = T0 + 90_001;
      await h.appendTurn(at(6));
      expect(segmentFiles(dir)).to.deep.equal([3, 4, 5, 6].map(segmentName));
    });

    it('by age on a quiet log: the periodic check removes what grew too old, with no rotation', async () => {
      const dir = tempDir();
      const { every, repeats: checks } = handRepeats();
      const h = oneRecordSegments(dir, { maxAgeMs: 60_000 }, { every });
      expect(checks.map((c) => c.ms)).to.deep.equal([RETENTION_CHECK_MS]);
      await fill(h, 1, 3); // segments 1 and 2 closed at T0, 3 active
      wall = T0 + 60_001;
      expect(segmentFiles(dir), 'nothing happens between checks').to.deep.equal([1, 2, 3].map(segmentName));
      checks[0].fn();
      expect(segmentFiles(dir)).to.deep.equal([segmentName(3)]);
      await h.log.close();
      expect(checks[0].cancels).to.equal(1);
      // Without an age limit there is nothing to check.
      const none: number[] = [];
      const unlimited = oneRecordSegments(tempDir(), {}, { every: (ms) => (none.push(ms), () => undefined) });
      expect(none).to.deep.equal([]);
      await unlimited.log.close();
    });

    it('never removes a segment the snapshot still needs, nor any while there is no snapshot', async () => {
      const dir = tempDir();
      // The snapshot cannot be written (its temporary name is taken by a folder): start-up would need the whole log.
      mkdirSync(join(dir, `${SNAPSHOT_FILE}.tmp`));
      const h = oneRecordSegments(dir, { segments: 1, bytes: 1, maxAgeMs: 0 });
      wall = T0 + 1;
      await fill(h, 1, 3);
      expect(segmentFiles(dir)).to.deep.equal([1, 2, 3].map(segmentName));
      expect(h.lines.some((l) => l.includes('snapshot failed'))).to.equal(true);

      // Snapshots work again: the one at the rotation to 5 lets everything before 5 go.
      rmSync(join(dir, `${SNAPSHOT_FILE}.tmp`), { recursive: true });
      await h.appendTurn(at(4));
      expect(readSnapshotFile(dir)).to.include({ segment: 4 });
      expect(segmentFiles(dir)).to.deep.equal([segmentName(4)]);
    });

    it('keeps the snapshot segment when the snapshot fails after it, and removes only older ones', async () => {
      const dir = tempDir();
      const h = oneRecordSegments(dir, { segments: 1 });
      await fill(h, 1, 3);
      expect(readSnapshotFile(dir)).to.include({ segment: 3 });
      mkdirSync(join(dir, `${SNAPSHOT_FILE}.tmp`));
      await fill(h, 4, 5);
      expect(segmentFiles(dir)).to.deep.equal([3, 4, 5].map(segmentName));
      expect(readSnapshotFile(dir)).to.include({ segment: 3 });
    });

    it('stores the batch that rotated when a segment it would remove is already gone (removed by hand), and no longer counts it', async () => {
      const dir = tempDir();
      const h = oneRecordSegments(dir, { segments: 3 });
      await fill(h, 1, 3);
      rmSync(join(dir, segmentName(1)));
      await h.appendTurn(at(4));
      expect(segmentFiles(dir)).to.deep.equal([2, 3, 4].map(segmentName));
      await h.appendTurn(at(5));
      expect(segmentFiles(dir), 'retention goes on').to.deep.equal([3, 4, 5].map(segmentName));
      expect(h.log.stats()).to.include({ segments: 3, oldestSeq: 3, newestSeq: 5 });
    });

    it('stores the batch that rotated when a segment cannot be removed, logs it, and tries again at the next rotation', async () => {
      const dir = tempDir();
      const h = oneRecordSegments(dir, { segments: 2 });
      await fill(h, 1, 2);
      // A folder where the segment was: unlink fails (EISDIR) as on a file system that refuses it.
      rmSync(join(dir, segmentName(1)));
      mkdirSync(join(dir, segmentName(1)));
      await h.appendTurn(at(3));
      expect(h.lines.some((l) => l.includes(`retention could not remove ${join(dir, segmentName(1))}`))).to.equal(true);
      expect(h.log.stats()).to.include({ segments: 3, newestSeq: 3 });
      rmdirSync(join(dir, segmentName(1)));
      writeFileSync(join(dir, segmentName(1)), '');
      await h.appendTurn(at(4));
      expect(segmentFiles(dir)).to.deep.equal([3, 4].map(segmentName));
      expect(h.log.stats()).to.include({ segments: 2, oldestSeq: 3, newestSeq: 4 });
    });

    it('applies at start-up too', async () => {
      const dir = tempDir();
      const h = oneRecordSegments(dir, {});
      await fill(h, 1, 4);
      await h.log.close();
      expect(segmentFiles(dir)).to.have.length(4);
      const again = oneRecordSegments(dir, { segments: 2 });
      expect(segmentFiles(dir)).to.deep.equal([segmentName(3), segmentName(4)]);
      expect(again.log.stats()).to.include({ segments: 2, oldestSeq: 3, newestSeq: 4 });
    });
  });

  describe('replay (after) and range', () => {
    it('replays recent events from memory, as they were emitted', async () => {
      const h = open(tempDir(), { capacity: 3 });
      const emitted: TriggerEvent[] = [];
      h.log.committed$.subscribe((e) => emitted.push(e));
      await fill(h, 1, 5);
      const replay = h.log.after(2);
      expect('events' in replay && replay.events).to.have.length(3);
      if (!('events' in replay)) return;
      replay.events.forEach((e, i) => expect(e, `seq ${e.seq}: the very object emitted`).to.equal(emitted[i + 2]));
      const none = h.log.after(5);
      expect('events' in none && none.events).to.deep.equal([]);
    });

    it('replays older events from the segments, across segments', async () => {
      const h = open(tempDir(), { capacity: 2, segmentBytes: 2 * frameBytes(at(1)) });
      const emitted: TriggerEvent[] = [];
      h.log.committed$.subscribe((e) => emitted.push(e));
      await fill(h, 1, 7);
      for (const from of [0, 1, 2, 3, 4]) {
        const replay = h.log.after(from);
        expect('events' in replay && seqs(replay.events), `after ${from}`).to.deep.equal([1, 2, 3, 4, 5, 6, 7].filter((s) => s > from));
      }
      const replay = h.log.after(1);
      if (!('events' in replay)) throw new Error('expected events');
      expect(replay.events[0], 'read back from the file').not.to.equal(emitted[1]);
      expect(replay.events[0]).to.deep.equal(emitted[1]);
    });

    it('says tooOld when retention removed what the client missed', async () => {
      const h = open(tempDir(), { capacity: 1, segmentBytes: frameBytes(at(1)), retain: { segments: 2, maxAgeMs: Infinity, bytes: Infinity } });
      await fill(h, 1, 5);
      expect(h.log.stats().oldestSeq).to.equal(4);
      expect(allEvents(h.log)).to.equal('tooOld');
      expect(h.log.after(2)).to.deep.equal({ tooOld: true });
      const replay = h.log.after(3);
      expect('events' in replay && seqs(replay.events)).to.deep.equal([4, 5]);
    });

    it('says tooOld past replayLimit, though the segments still hold the events', async () => {
      const h = open(tempDir(), { capacity: 1, replayLimit: 3 });
      await fill(h, 1, 6);
      expect(h.log.after(2)).to.deep.equal({ tooOld: true });
      const replay = h.log.after(3);
      expect('events' in replay && seqs(replay.events)).to.deep.equal([4, 5, 6]);
      // The ring holding more than the limit (capacity above replay_limit) changes nothing.
      const roomy = open(tempDir(), { capacity: 100, replayLimit: 3 });
      await fill(roomy, 1, 6);
      expect(roomy.log.after(2)).to.deep.equal({ tooOld: true });
    });

    it('says tooOld rather than replay around a damaged record (one start-up did not read), and logs it', async () => {
      const dir = tempDir();
      const h = open(dir, { capacity: 1, segmentBytes: 2 * frameBytes(at(1)) });
      await fill(h, 1, 5);
      const path = join(dir, segmentName(1));
      const bytes = readFileSync(path);
      bytes[frameBytes(at(1)) + 12] ^= 0x04;
      writeFileSync(path, bytes);
      expect(h.log.after(0)).to.deep.equal({ tooOld: true });
      expect(h.lines.join('\n')).to.include(`event log: a corrupt record in ${path} at offset ${frameBytes(at(1))}`);
      const past = h.log.after(2);
      expect('events' in past && seqs(past.events), 'the damage is before what is asked').to.deep.equal([3, 4, 5]);
    });

    it('reads a time range [since, until), oldest first, at most limit, across segments', async () => {
      const h = open(tempDir(), { segmentBytes: 2 * frameBytes(at(1)) });
      await fill(h, 1, 6);
      const ms = (seq: number) => T0 + seq * 1000;
      expect(seqs(h.log.range(ms(2), ms(5)))).to.deep.equal([2, 3, 4]);
      expect(seqs(h.log.range(ms(2) + 1, ms(5) + 1))).to.deep.equal([3, 4, 5]);
      expect(seqs(h.log.range(ms(4)))).to.deep.equal([4, 5, 6]);
      expect(seqs(h.log.range(0, Infinity, 2))).to.deep.equal([1, 2]);
      expect(seqs(h.log.range(ms(7)))).to.deep.equal([]);
    });
  });

  describe('a full disk', () => {
    const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

    it('cuts a batch written in part back off the file, rejects it, emits nothing, and writes the next batch', async () => {
      const dir = tempDir();
      let full = false;
      const h = open(dir, {}, (fd, buffer, offset, length) => {
        if (!full) return realWrite(fd, buffer, offset, length);
        if (offset === 0) return realWrite(fd, buffer, 0, Math.floor(length / 2));
        throw enospc();
      });
      const emitted: number[] = [];
      h.log.committed$.subscribe((e) => emitted.push(e.seq));
      await h.appendTurn(at(1));
      const size = statSync(join(dir, segmentName(1))).size;

      full = true;
      const answers = [h.log.append(at(2)), h.log.append(at(3))];
      h.endTurn();
      for (const answer of answers) expect(await stateOf(answer)).to.equal('rejected NotStoredError');
      expect(statSync(join(dir, segmentName(1))).size, 'the half batch is cut off').to.equal(size);
      expect(emitted).to.deep.equal([1]);
      expect(h.log.lastSeq()).to.equal(1);
      expect(h.lines.join('\n')).to.include('write failed; the batch is not stored');
      expect(h.log.stats().failing, 'the log says it cannot write (readiness)').to.match(/no space left/);

      full = false;
      // The retry takes the seqs given back, as the hub's gateway gives them.
      await h.appendTurn(at(2, { value: 'Off' }));
      expect(emitted).to.deep.equal([1, 2]);
      expect(h.log.stats().failing).to.equal(undefined);
      await h.log.close();
      const again = open(dir);
      expect(again.recovery.damage).to.equal(undefined);
      expect(valuesOf(again.log)).to.deep.equal(['1 On', '2 Off']);
    });

    it('on a file system gone read-only (the cut-back fails too) says it is failing, writes nothing, and cuts back before the next write', async () => {
      const dir = tempDir();
      let readOnly = false;
      const erofs = () => Object.assign(new Error('EROFS: read-only file system, write'), { code: 'EROFS' });
      const h = open(
        dir,
        {
          ftruncateSync: ((fd: number, len: number) => {
            if (readOnly) throw erofs();
            ftruncateSync(fd, len);
          }) as typeof ftruncateSync,
        },
        (fd, buffer, offset, length) => {
          if (!readOnly) return realWrite(fd, buffer, offset, length);
          // The first call gets half the batch out before the file system turns read-only.
          if (offset === 0) return realWrite(fd, buffer, 0, Math.floor(length / 2));
          throw erofs();
        },
      );
      await h.appendTurn(at(1));
      readOnly = true;
      const lost = [h.log.append(at(2)), h.log.append(at(3))];
      h.endTurn();
      for (const answer of lost) expect(await stateOf(answer)).to.equal('rejected NotStoredError');
      expect(h.log.stats().failing, 'the log says it cannot write (readiness)').to.match(/read-only/);
      expect(h.lines.join('\n')).to.include('could not be cut back');
      const still = h.log.append(at(2, { value: 'Off' }));
      h.endTurn();
      expect(await stateOf(still), 'nothing is appended behind the half batch').to.equal('rejected NotStoredError');

      readOnly = false;
      await h.appendTurn(at(2, { value: 'Off' }));
      expect(h.log.stats().failing).to.equal(undefined);
      await h.log.close();
      const again = open(dir);
      expect(again.recovery.damage, 'the half batch was cut before the next write').to.equal(undefined);
      expect(valuesOf(again.log)).to.deep.equal(['1 On', '2 Off']);
    });

    it('tries the cut-back of a failed batch again at close, so the next start-up does not read its records as stored', async () => {
      const dir = tempDir();
      let readOnly = false;
      const h = open(
        dir,
        {
          ftruncateSync: ((fd: number, len: number) => {
            if (readOnly) throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
            ftruncateSync(fd, len);
          }) as typeof ftruncateSync,
        },
        (fd, buffer, offset, length) => {
          if (!readOnly) return realWrite(fd, buffer, offset, length);
          // Both records of the batch reach the file; the call after it fails.
          if (offset === 0) return realWrite(fd, buffer, 0, length - 1);
          throw Object.assign(new Error('EROFS: read-only file system, write'), { code: 'EROFS' });
        },
      );
      await h.appendTurn(at(1));
      readOnly = true;
      const lost = [h.log.append(at(2)), h.log.append(at(3))];
      h.endTurn();
      for (const answer of lost) expect(await stateOf(answer)).to.equal('rejected NotStoredError');
      readOnly = false;
      await h.log.close();
      const again = open(dir);
      expect(again.recovery.damage).to.equal(undefined);
      expect(allEvents(again.log)).to.deep.equal([1]);
    });

    it('cuts the file back when the write that fails had written part of the buffer itself', async () => {
      const dir = tempDir();
      let full = false;
      const h = open(dir, {}, (fd, buffer, offset, length) => {
        if (!full) return realWrite(fd, buffer, offset, length);
        realWrite(fd, buffer, offset, Math.floor(length / 2));
        throw enospc();
      });
      await h.appendTurn(at(1));
      const size = statSync(join(dir, segmentName(1))).size;
      full = true;
      const answer = h.log.append(at(2));
      h.endTurn();
      expect(await stateOf(answer)).to.equal('rejected NotStoredError');
      expect(statSync(join(dir, segmentName(1))).size).to.equal(size);
      full = false;
      await h.appendTurn(at(2, { value: 'Off' }));
      await h.log.close();
      const again = open(dir);
      expect(again.recovery.damage).to.equal(undefined);
      expect(valuesOf(again.log)).to.deep.equal(['1 On', '2 Off']);
    });
  });

  describe("fsync 'always'", () => {
    it('answers only once fdatasync is done, one in flight; batches that wait for it share the next one', async () => {
      const sync = parkedSync();
      const h = open(tempDir(), { fsync: 'always', fdatasync: sync.fake });
      const emitted: number[] = [];
      h.log.committed$.subscribe((e) => emitted.push(e.seq));
      const first = h.log.append(at(1));
      h.endTurn();
      expect(emitted, 'dispatch does not wait for the disk').to.deep.equal([1]);
      expect(sync.pending).to.have.length(1);
      expect(await stateOf(first)).to.equal('pending');

      const second = h.log.append(at(2));
      h.endTurn();
      const third = h.log.append(at(3));
      h.endTurn();
      expect(sync.pending, 'one fdatasync at a time').to.have.length(1);
      sync.complete();
      expect(await stateOf(first)).to.equal('resolved');
      expect(await stateOf(second)).to.equal('pending');
      expect(sync.pending, 'one more for both waiting batches').to.have.length(1);
      sync.complete();
      expect(await stateOf(second)).to.equal('resolved');
      expect(await stateOf(third)).to.equal('resolved');
      expect(sync.pending).to.have.length(0);
    });

    it('answers not stored when fdatasync fails', async () => {
      const sync = parkedSync();
      const h = open(tempDir(), { fsync: 'always', fdatasync: sync.fake });
      const answer = h.log.append(at(1));
      h.endTurn();
      sync.complete(eio('fdatasync'));
      expect(await stateOf(answer)).to.equal('rejected NotStoredError');
    });

    it('says it is failing while fdatasync fails (readiness), and no longer once one succeeds', async () => {
      const sync = parkedSync();
      const h = open(tempDir(), { fsync: 'always', fdatasync: sync.fake });
      const first = h.log.append(at(1));
      h.endTurn();
      sync.complete(eio('fdatasync'));
      expect(await stateOf(first)).to.equal('rejected NotStoredError');
      expect(h.log.stats().failing).to.equal('fsync: EIO: i/o error, fdatasync');
      const second = h.log.append(at(2));
      h.endTurn();
      sync.complete();
      expect(await stateOf(second)).to.equal('resolved');
      expect(h.log.stats()).to.not.have.property('failing');
    });

    it('does not answer stored a batch whose fsync was queued behind one that failed: it sits behind the pages that may be gone', async () => {
      const sync = parkedSync();
      const h = open(tempDir(), { fsync: 'always', fdatasync: sync.fake });
      const first = h.log.append(at(1));
      h.endTurn();
      const second = h.log.append(at(2));
      h.endTurn(); // written to the same segment while the first fsync runs
      sync.complete(eio('fdatasync'));
      expect(await stateOf(first)).to.equal('rejected NotStoredError');
      sync.complete(); // Linux reports the failed writeback once: this one "succeeds"
      expect(await stateOf(second)).to.equal('rejected NotStoredError');
      expect(h.log.stats().failing).to.equal('fsync: an earlier fsync of this segment failed');
      const third = h.log.append(at(3));
      h.endTurn();
      sync.complete();
      expect(await stateOf(third), 'in a new segment').to.equal('resolved');
      expect(h.log.stats()).to.not.have.property('failing');
    });

    it('writes the next batch to a new segment once an fsync failed (the old one may hold a hole), without syncing the old one again', async () => {
      const sync = parkedSync();
      const dir = tempDir();
      const syncedAtRotation: number[] = [];
      const h = open(dir, {
        fsync: 'always',
        fdatasync: sync.fake,
        fdatasyncSync: (fd) => {
          syncedAtRotation.push(fd);
          throw eio('fdatasync');
        },
      });
      const first = h.log.append(at(1));
      h.endTurn();
      sync.complete();
      await first;
      const second = h.log.append(at(2));
      h.endTurn();
      sync.complete(eio('fdatasync'));
      expect(await stateOf(second)).to.equal('rejected NotStoredError');
      const third = h.log.append(at(3));
      h.endTurn();
      sync.complete();
      expect(await stateOf(third)).to.equal('resolved');
      expect(segmentFiles(dir)).to.deep.equal([segmentName(1), segmentName(3)]);
      expect(syncedAtRotation).to.deep.equal([]);
      const fourth = h.log.append(at(4));
      h.endTurn();
      sync.complete();
      await fourth;
      expect(segmentFiles(dir), 'a segment whose fsync worked is kept').to.deep.equal([segmentName(1), segmentName(3)]);
    });

    it("syncs the active segment; with fsync 'no' nothing waits", async () => {
      const sync = parkedSync();
      const h = open(tempDir(), { fsync: 'always', fdatasync: sync.fake });
      const answer = h.log.append(at(1));
      h.endTurn();
      expect(fstatSync(sync.pending[0].fd).ino).to.equal(statSync(join(h.dir, segmentName(1))).ino);
      sync.complete();
      await answer;
      const never = parkedSync();
      const lazy = open(tempDir(), { fsync: 'no', fdatasync: never.fake });
      await lazy.appendTurn(at(1));
      expect(never.pending).to.have.length(0);
    });
  });

  describe('close', () => {
    it('writes what is staged in one write, answers it, and snapshots it', async () => {
      const dir = tempDir();
      const h = open(dir);
      const answers = [h.log.append(at(1)), h.log.append(at(2))];
      await h.log.close();
      expect(h.calls.writes).to.equal(1);
      for (const answer of answers) expect(await stateOf(answer)).to.equal('resolved');
      expect(readSnapshotFile(dir).memory.seq).to.equal(2);
      const again = open(dir);
      expect(again.recovery).to.deep.include({ fromSnapshot: true, tailRecords: 0 });
      expect(allEvents(again.log)).to.deep.equal([1, 2]);
    });

    it("with fsync 'always', waits for the syncs in flight and answers what it flushed", async () => {
      const dir = tempDir();
      const sync = parkedSync();
      const h = open(dir, { fsync: 'always', fdatasync: sync.fake, snapshotEvery: 1 });
      const answer = h.log.append(at(1));
      const closing = h.log.close();
      while (sync.pending.length > 0) {
        expect(() => fstatSync(sync.pending[0].fd), 'a sync runs on an open descriptor').not.to.throw();
        sync.complete();
        await nextTurn();
      }
      await closing;
      expect(sync.pending).to.have.length(0);
      expect(await stateOf(answer)).to.equal('resolved');
      expect(readSnapshotFile(dir).memory.seq).to.equal(1);
    });

    it('syncs the active segment at close, and when that fails logs it, takes no snapshot and still lets go of the folder', async () => {
      const dir = tempDir();
      const synced: number[] = [];
      const h = open(dir, {
        fsync: 'everysec',
        fdatasync: (_fd, done) => done(null),
        fdatasyncSync: (fd) => {
          synced.push(fd);
          throw eio('fdatasync');
        },
      });
      await fill(h, 1, 2);
      await h.log.close();
      expect(synced, 'the last sync goes through the seam').to.have.length(1);
      expect(h.lines.join('\n')).to.contain('the last fsync at close failed');
      expect(readdirSync(dir)).not.to.include(SNAPSHOT_FILE);
      const again = open(dir);
      expect(again.recovery).to.deep.include({ fromSnapshot: false, tailRecords: 2 });
      expect(allEvents(again.log)).to.deep.equal([1, 2]);
    });
  });
});
