import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, renameSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { hubProcesses, type HubProcess } from '../../helpers/hubProcess';
import { waitFor } from '../../helpers/waitFor';
import { HTTP_TRIGGERS } from '../eventLog/hubFolder';
import { getTriggerStatus, type NextIds } from '../eventLog/load';
import { expectAcksStored, expectExactly, expectGapless } from '../eventLog/logChecks';
import { readLog } from '../eventLog/logFiles';
import { watchSse, watchWebSocket, type Watcher } from '../eventLog/watchers';
import { createFaultFolder, pause, type FaultFolder } from './faultHub';
import { pacedLoad, type PacedRun } from './pacedLoad';

/** The data folder's own small disk: a tmpfs of this size, so a real write(2) fails with ENOSPC. */
const DISK = '4m';
const LANES = HTTP_TRIGGERS.slice(0, 4);
const GAP_MS = 5;
/** Each stage of the load (before, during and after the fault) lasts until this many answers of its kind, bounded. */
const PER_STAGE = 200;
const STAGE_BOUND_MS = 15_000;

/** Mounts a tmpfs of `size` on `dir`, keeping what `dir` held; false where mounting is not allowed. */
function mountTmpfs(dir: string, size: string): boolean {
  const aside = `${dir}.before-mount`;
  renameSync(dir, aside);
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    rmSync(dir, { recursive: true });
    renameSync(aside, dir);
    return false;
  }
  cpSync(aside, dir, { recursive: true });
  rmSync(aside, { recursive: true });
  return true;
}

/** Fills the disk of `dir` with one file until a write fails with ENOSPC; returns the file. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const { bavail, bsize } = statfsSync(dir);
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let left = bavail * bsize + chunk.length; left > 0; left -= chunk.length) writeSync(fd, chunk);
    throw new Error(`${dir} did not fill up`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

/** `count` POSTs of `body` to /api/trigger-event in one write of one connection; each answer's status and reason (`accepted` for a 200 with a trigger_seq). */
async function pipelinedPosts(url: string, body: object, count: number): Promise<Array<{ status: number; reason: string }>> {
  const { hostname, port } = new URL(url);
  const text = JSON.stringify(body);
  const request = `POST /api/trigger-event HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
  const raw = await exchange(Number(port), request.repeat(count), (got) => (got.match(/HTTP\/1\.1 /g) ?? []).length >= count && /\}$/.test(got));
  return raw.split(/(?=HTTP\/1\.1 )/).map((answer) => {
    const status = Number(answer.slice(9, 12));
    const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { reason?: string; trigger_seq?: number };
    return { status, reason: json.reason ?? (json.trigger_seq ? 'accepted' : '?') };
  });
}

/** Writes `lines` to the TCP line source in one write; its first `count` reply lines. */
async function lineReplies(port: number, lines: string, count: number): Promise<string[]> {
  const raw = await exchange(port, lines, (got) => got.split('\n').length > count);
  return raw.split('\n').slice(0, count);
}

/** One connection to 127.0.0.1:`port`: writes `text` at once, reads until `done` says so (bounded), closes. */
function exchange(port: number, text: string, done: (got: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    const timer = setTimeout(() => finish(new Error(`no whole answer within 5 s: ${JSON.stringify(got)}`)), 5000);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(got);
    };
    socket.on('data', (chunk) => {
      got += chunk.toString('utf8');
      if (done(got)) finish();
    });
    socket.on('error', finish);
  });
}

describe('faults: the data folder fills up under load, then gets room again', function () {
  this.timeout(60_000);
  const hubs = hubProcesses();
  const ids: NextIds = new Map();
  let folder: FaultFolder | undefined;
  let mounted = false;
  let hub: HubProcess | undefined;
  const watching: Watcher[] = [];

  before(async function () {
    folder = await createFaultFolder('haven-diskfull-');
    mounted = mountTmpfs(folder.dataDir, DISK);
    if (!mounted) {
      console.log(`    (skipped: cannot mount a ${DISK} tmpfs on ${folder.dataDir}; this test needs root or CAP_SYS_ADMIN to make a real ENOSPC)`);
      this.skip();
    }
    folder.configureWith({ fsync: 'everysec' }, {});
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`hub's log:\n${hub?.log().split('\n').slice(-40).join('\n')}`);
  });
  after(async () => {
    for (const w of watching) w.close();
    await hubs.killAll();
    if (mounted) execFileSync('umount', [folder!.dataDir]);
    folder?.remove();
  });

  it('answers 503 not_stored while full (none of them stored), keeps serving reads, and accepts again without a restart', async () => {
    hub = hubs.start(folder!.configFile, folder!.dataDir);
    const { url, tcpPort } = await hub.ready;
    const dataDir = folder!.dataDir;
    const live = [await watchWebSocket(url, folder!.adminToken), await watchSse(url, folder!.apiKey)];
    watching.push(...live);

    let stopped = false;
    const { run, done } = pacedLoad(url, LANES, ids, () => !stopped, GAP_MS);
    const notStored = (r: PacedRun) => r.refused.get('503 not_stored') ?? 0;
    const stage = (what: string, until: () => boolean) => waitFor(until, what, STAGE_BOUND_MS);
    try {
      await stage(`${PER_STAGE} acceptances before the fault`, () => run.acks.length >= PER_STAGE);
      const acceptedBefore = run.acks.length;
      const filler = fillDisk(dataDir);
      await stage(`${PER_STAGE} answers 503 not_stored`, () => notStored(run) >= PER_STAGE);

      // Reads keep working while nothing can be stored.
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status, '/readyz while full').to.equal(503);
      expect(JSON.stringify(await ready.json()), '/readyz names the journal').to.match(/journal/);
      expect(Object.keys((await getTriggerStatus(url)).triggers), 'trigger-status while full').to.include.members(LANES);
      const ackedSoFar = [...run.acks].sort((a, b) => a.seq - b.seq);
      const replayWs = await watchWebSocket(url, folder!.adminToken, 0);
      const replaySse = await watchSse(url, folder!.apiKey, 0);
      watching.push(replayWs, replaySse);
      for (const w of [replayWs, replaySse]) await w.waitForSeq(ackedSoFar.at(-1)!.seq);

      // A retry sent before its original is answered (same id, in the same write): the log holds
      // neither, so neither may be answered "already accepted" (200 duplicate, ERR duplicate).
      const retried = HTTP_TRIGGERS[11];
      const httpPair = await pipelinedPosts(url, { name: retried, value: 'On', id: 1 }, 2);
      expect(
        httpPair.map((a) => `${a.status} ${a.reason}`),
        'an HTTP input and its retry while full',
      ).to.deep.equal(['503 not_stored', '503 not_stored']);
      const linePair = await lineReplies(tcpPort!, `${retried} On 2\n${retried} On 2\n`, 2);
      expect(
        linePair.map((l) => l.split(' ').slice(0, 2).join(' ')),
        'a TCP line and its retry while full',
      ).to.deep.equal(['ERR not_stored', 'ERR not_stored']);

      const acceptedDuring = run.acks.length - acceptedBefore;
      unlinkSync(filler);
      const refusedTotal = notStored(run);
      await stage(`${PER_STAGE} acceptances after the disk got room`, () => run.acks.length >= acceptedBefore + acceptedDuring + PER_STAGE);
      stopped = true;
      await done;
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, '/readyz to be 200 again', 5000);

      // Once stored, the same retry is accepted, then a repeat of it is the duplicate.
      const afterRoom = await pipelinedPosts(url, { name: retried, value: 'On', id: 1 }, 2);
      expect(
        afterRoom.map((a) => `${a.status} ${a.reason}`),
        'the retry once the disk has room',
      ).to.deep.equal(['200 accepted', '200 duplicate']);

      expect(run.failed, 'requests without an answer').to.deep.equal([]);
      expect([...run.refused.keys()], 'refusals other than 503 not_stored').to.deep.equal(['503 not_stored']);
      const exit = await hub.kill('SIGTERM');
      expect(exit.code, exit.log).to.equal(0);

      const log = readLog(dataDir);
      expect(log.damage, 'damage in the log').to.deep.equal([]);
      // Nothing refused is stored, everything accepted is, and the seq went on across the fault without a gap or a repeat.
      expectGapless(log, 'after the disk got room');
      expectAcksStored(run.acks, log, 'after the disk got room');
      // The load's acceptances and the one retry accepted once the disk had room.
      expect(log.events.length, 'stored = accepted').to.equal(run.acks.length + 1);
      for (const w of live) expectExactly(w, log.events, 'a client watching across the fault');
      if (process.env.HAVEN_TEST_FIGURES)
        console.log(
          `disk full: ${acceptedBefore} accepted before, ${refusedTotal} answered 503 not_stored while full (${acceptedDuring} accepted into the last page), ` +
            `${run.acks.length - acceptedBefore - acceptedDuring} after; log seq 1..${log.events.length} without gaps`,
        );
    } finally {
      stopped = true;
      await done;
      await pause(0);
    }
  });
});
