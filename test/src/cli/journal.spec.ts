import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { frameBatch } from '../../../src/eventLog/recordFrame';
import { listSegments } from '../../../src/eventLog/segments';
import { SNAPSHOT_FILE, writeSnapshot } from '../../../src/eventLog/snapshot';
import { emptyHubMemory } from '../../../streams/log/hubMemory';
import { startHub, type TestHub } from '../../helpers/hub';
import { appendBytes, eventAt, eventsFrom, tempDataDir, writeSegment } from '../../helpers/segmentFiles';
import { waitFor } from '../../helpers/waitFor';

const ROOT = join(__dirname, '..', '..', '..');
/** The wall clock the in-process CLI is given: 10:30 UTC on the day eventAt's records are from. */
const NOW = Date.UTC(2026, 11, 2, 10, 30);

interface Run {
  readonly done: Promise<number>;
  readonly out: () => string;
  readonly err: () => string;
  /** As SIGINT does for the program. */
  stop(): Promise<number>;
}

/** Runs `haven journal …` in-process against `dataDir`; the output collects as it comes. */
function journal(dataDir: string, ...argv: string[]): Run {
  let out = '';
  let err = '';
  const interrupt = new AbortController();
  const done = runCli(['journal', ...argv], {
    out: (t) => (out += t + '\n'),
    err: (t) => (err += t + '\n'),
    env: { HAVEN_DATA_DIR: dataDir },
    now: () => NOW,
    signal: interrupt.signal,
  });
  return {
    done,
    out: () => out,
    err: () => err,
    stop: () => {
      interrupt.abort();
      return done;
    },
  };
}

/** A command that ends by itself: its exit code and output. */
async function run(dataDir: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = journal(dataDir, ...argv);
  const code = await r.done;
  return { code, out: r.out(), err: r.err() };
}

const seqsOf = (out: string) => out.split('\n').flatMap((line) => (line ? [Number(line.split('  ')[0])] : []));

describe('haven journal (CLI)', () => {
  let dataDir: string;
  let dir: string;
  beforeEach(() => ({ dataDir, dir } = tempDataDir()));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Segments 1-4 and 5-8, as a hub that rotated once leaves them. */
  const twoSegments = () => [writeSegment(dir, eventsFrom(1, 4)), writeSegment(dir, eventsFrom(5, 8))];

  describe('show and export', () => {
    it('show --from: one line a record (seq, timestamp, source, kind, name, value, id), across segments, at most --limit', async () => {
      twoSegments();
      const shown = await run(dataDir, 'show', '--from', '3', '--limit', '3');
      expect(shown).to.deep.include({ code: 0, err: '' });
      expect(shown.out.split('\n')[0]).to.equal('3  2026-12-02T10:03:00.000Z  HTTP    event   Stage.Mode  intro  id=3');
      expect(seqsOf(shown.out)).to.deep.equal([3, 4, 5]);
    });

    it('show --since/--until: ISO 8601 or a time ago; --until is exclusive', async () => {
      twoSegments();
      expect(seqsOf((await run(dataDir, 'show', '--since', '2026-12-02T10:02:00Z', '--until', '2026-12-02T10:05Z')).out)).to.deep.equal([2, 3, 4]);
      // 10:30 now, so 24m ago is 10:06.
      expect(seqsOf((await run(dataDir, 'show', '--since', '24m')).out)).to.deep.equal([6, 7, 8]);
      expect(seqsOf((await run(dataDir, 'show', '--from', '2', '--until', '0.45h')).out)).to.deep.equal([2]);
    });

    it('export: NDJSON, one event as the log holds it a line; all of them without options, or a range', async () => {
      twoSegments();
      const all = await run(dataDir, 'export');
      expect(all.code).to.equal(0);
      expect(
        all.out
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ).to.deep.equal(eventsFrom(1, 8));
      const since = await run(dataDir, 'export', '--since', '2026-12-02T10:07:00Z');
      expect(since.out).to.equal(`${JSON.stringify(eventAt(7))}\n${JSON.stringify(eventAt(8))}\n`);
      // Incremental exports ask for the record after the last one they have: nothing new is not an error.
      expect(await run(dataDir, 'export', '--from', '9')).to.deep.include({ code: 0, out: '' });
    });

    it('says where a damaged record hid the records after it in its segment, and exits 1 (a torn end of the newest segment is a write in progress)', async () => {
      const [first] = twoSegments();
      const damaged = frameBatch(eventsFrom(1, 4));
      damaged[damaged.length - 3] ^= 0x01; // in record 4's payload
      writeFileSync(first.path, Buffer.concat([frameBatch(eventsFrom(1, 3)), damaged.subarray(frameBatch(eventsFrom(1, 3)).length)]));
      const exported = await run(dataDir, 'export');
      expect(
        exported.out
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line).seq),
      ).to.deep.equal([1, 2, 3, 5, 6, 7, 8]);
      expect(exported.code).to.equal(1);
      expect(exported.err).to.equal(
        `${first.path}: a corrupt record at offset ${frameBatch(eventsFrom(1, 3)).length}; the records after it in that segment were skipped\n`,
      );
      expect((await run(dataDir, 'show', '--from', '1')).code).to.equal(1);

      writeSegment(dir, eventsFrom(1, 4));
      const newest = listSegments(dir).at(-1)!;
      appendBytes(newest, frameBatch([eventAt(9)]).subarray(0, 12));
      expect(await run(dataDir, 'export', '--from', '5')).to.deep.include({ code: 0, err: '' });
    });

    it('a --from the log does not hold is exit 1, saying where the log starts or ends', async () => {
      rmSync(twoSegments()[0].path); // retention removed 1-4
      const before = await run(dataDir, 'show', '--from', '2');
      expect(before.code).to.equal(1);
      expect(before.err).to.contain('--from 2: the log starts at seq 5');
      const after = await run(dataDir, 'export', '--from', '10');
      expect(after).to.deep.include({ code: 1, out: '' });
      expect(after.err).to.contain("--from 10: the log's newest record is seq 8");
    });
  });

  it('stats: segments (names, bytes), total, oldest and newest record, the snapshot and its age; --json', async () => {
    const [first, second] = twoSegments();
    writeSnapshot(dir, JSON.stringify({ version: 1, segment: 5, offset: 0, memory: emptyHubMemory(4) }), false);
    utimesSync(join(dir, SNAPSHOT_FILE), new Date(NOW - 125_000), new Date(NOW - 125_000));
    const text = await run(dataDir, 'stats');
    expect(text.code).to.equal(0);
    const bytes = [first, second].map((s) => frameBatch(s === first ? eventsFrom(1, 4) : eventsFrom(5, 8)).length);
    expect(text.out).to.contain(`Segments    2, ${bytes[0] + bytes[1]} B`);
    expect(text.out).to.match(new RegExp(`00000000000000000001\\.log  ${bytes[0]} B`));
    expect(text.out).to.contain('Oldest      seq 1, 2026-12-02T10:01:00.000Z');
    expect(text.out).to.contain('Newest      seq 8, 2026-12-02T10:08:00.000Z');
    expect(text.out).to.contain('Snapshot    seq 4, written 2026-12-02T10:27:55.000Z (2 min 5 s ago), 4 records behind the newest');
    const json = JSON.parse((await run(dataDir, 'stats', '--json')).out);
    expect(json).to.deep.include({
      dir,
      bytes: bytes[0] + bytes[1],
      oldest: { seq: 1, timestamp: eventAt(1).timestamp },
      snapshot: { seq: 4, writtenAt: '2026-12-02T10:27:55.000Z', ageMs: 125_000 },
    });
    expect(json.segments.map((s: { name: string }) => s.name)).to.deep.equal(['00000000000000000001.log', '00000000000000000005.log']);
    expect((await run(dataDir, 'stats')).out).to.contain('Segments    2');
    rmSync(join(dir, SNAPSHOT_FILE));
    expect((await run(dataDir, 'stats')).out).to.contain('Snapshot    none yet');
  });

  it('answers a wrong command line with the usage and exit 2, and a data dir without a log with exit 1', async () => {
    const usage = async (...argv: string[]) => {
      const r = await run(dataDir, ...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      return r.err.split('\n')[0];
    };
    expect((await run(dataDir)).code).to.equal(2);
    expect(await usage('fly')).to.equal("Unknown journal command 'fly'");
    expect(await usage('show')).to.match(/^journal show needs --from <seq> or --since <time>/);
    expect(await usage('show', '--from', 'abc')).to.equal("--from needs a whole number, not 'abc'");
    expect(await usage('show', '--since', 'yesterday')).to.match(/^--since needs a time: ISO 8601 .*not 'yesterday'$/);
    expect(await usage('export', '--from', '1', '--since', '1h')).to.match(/exclude each other/);
    expect(await usage('tail', '-n', 'ten')).to.equal("-n needs a whole number, not 'ten'");
    expect(await usage('stats', '--from', '3')).to.equal('journal stats does not take --from');
    expect(await usage('show', '--from', '1', 'extra')).to.equal("journal show does not take 'extra'");
    expect(await usage('export', '--colour')).to.match(/Unknown option '--colour'/);
    expect((await run(dataDir, 'help')).code).to.equal(0);

    rmSync(dir, { recursive: true });
    const missing = await run(dataDir, 'stats');
    expect(missing.code).to.equal(1);
    expect(missing.err).to.contain(`No event log in ${dir}`);
    expect((await run(':memory:', 'export')).code).to.equal(1);
  });

  describe('tail', () => {
    let tail: Run | undefined;
    afterEach(async () => void (await tail?.stop()));

    it('prints the newest -n records, then each one as it is written, across a rotation, until interrupted', async () => {
      const [, second] = twoSegments();
      tail = journal(dataDir, 'tail', '-n', '2');
      const printed = () => seqsOf(tail!.out());
      await waitFor(() => printed().length === 2, 'the newest two records');
      expect(printed()).to.deep.equal([7, 8]);

      // A frame met half written is logFollower.spec's (readNew reads the torn half, no timing).
      appendBytes(second, frameBatch([eventAt(9)]));
      await waitFor(() => printed().length === 3, 'seq 9');
      writeSegment(dir, eventsFrom(10, 11));
      await waitFor(() => printed().length === 5, 'the records of the new segment');
      expect(printed()).to.deep.equal([7, 8, 9, 10, 11]);

      expect(await tail.stop()).to.equal(0);
      expect(tail.err()).to.equal('');
      tail = undefined;
    });

    it('--json prints NDJSON; -n 0 prints only what comes after it started', async () => {
      twoSegments();
      // Where it starts is read before journal() returns, so what is written next is new to it.
      tail = journal(dataDir, 'tail', '-n', '0', '--json');
      writeSegment(dir, eventsFrom(9, 9));
      await waitFor(() => tail!.out() !== '', 'seq 9');
      expect(tail.out()).to.equal(JSON.stringify(eventAt(9)) + '\n');
    });

    it('runs as a program: SIGINT ends it with exit code 0', async function () {
      this.timeout(30000);
      twoSegments();
      const { HAVEN_CONFIG: _ignored, ...env } = process.env;
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'cli.ts'), 'journal', 'tail', '-n', '1'], {
        cwd: ROOT,
        env: { ...env, HAVEN_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await waitFor(() => out.includes('\n'), 'the newest record', 25000);
      expect(seqsOf(out)).to.deep.equal([8]);
      child.kill('SIGINT');
      expect(await exited).to.equal(0);
    });
  });

  describe('against a running hub', () => {
    let hub: TestHub;
    let tail: Run | undefined;
    afterEach(async () => {
      await tail?.stop();
      tail = undefined;
      await hub?.stop();
    });

    const post = async (value: string): Promise<number> => {
      const res = await fetch(`${hub.url}/api/trigger-event`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Stage.Mode', value }),
      });
      expect(res.status).to.equal(200);
      return ((await res.json()) as { trigger_seq: number }).trigger_seq;
    };

    it('tail sees an event POSTed after it started, and follows the hub across segment rotations (journal.segment_bytes 4096)', async () => {
      hub = await startHub({ journal: { segment_bytes: 4096 } });
      const hubDataDir = hub.config.storage.data_dir;
      tail = journal(hubDataDir, 'tail');
      const printed = () => seqsOf(tail!.out());

      const first = await post('intro');
      await waitFor(() => printed().includes(first), `seq ${first} in the tail`);
      const seqs = [first];
      // About 30 records fill a 4 KiB segment: 100 make more than two.
      for (let i = 0; i < 100; i++) seqs.push(await post(i % 2 ? 'intro' : 'finale'));
      await waitFor(() => printed().length === seqs.length, `all ${seqs.length} records in the tail (${printed().length} so far)`);
      expect(printed()).to.deep.equal(seqs);
      expect(listSegments(join(hubDataDir, 'journal')).length).to.be.greaterThan(2);
      expect(tail.err()).to.equal('');

      // export reads what the hub's own log reads for the same range.
      const exported = await run(hubDataDir, 'export', '--from', String(seqs[5]), '--limit', '20');
      const fromHub = hub.runtime.log
        .range(0)
        .filter((e) => e.seq >= seqs[5])
        .slice(0, 20);
      expect(
        exported.out
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ).to.deep.equal(fromHub);
    });
  });
});
