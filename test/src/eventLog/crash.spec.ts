import { expect } from 'chai';
import type { FsyncPolicy } from '../../../src/config/havenConfig';
import { hubProcesses, type HubExit, type HubProcess } from '../../helpers/hubProcess';
import { waitFor } from '../../helpers/waitFor';
import { createHubFolder, HTTP_TRIGGERS, LINE_TRIGGERS, PROBE, type HubFolder } from './hubFolder';
import { getTriggerStatus, httpLoad, postEvent, seenOfAck, tcpLoad, type Ack, type LoadControl, type NextIds } from './load';
import { expectAcksStored, expectCacheIsLog, expectExactly, expectGapless } from './logChecks';
import { readLog } from './logFiles';
import { watchSse, watchWebSocket, type Watcher } from './watchers';

/** Small segments and frequent snapshots, so a crash lands among rotations and start-up reads snapshot + tail; a small ring, so resumes also read segments. */
const JOURNAL = { segment_bytes: 256 * 1024, snapshot_every: 1000, capacity: 500 };
const ROUNDS: readonly { load: 'HTTP' | 'TCP'; fsync: FsyncPolicy }[] = [
  { load: 'HTTP', fsync: 'always' },
  { load: 'HTTP', fsync: 'everysec' },
  { load: 'HTTP', fsync: 'no' },
  { load: 'TCP', fsync: 'everysec' },
];
/** The kill comes at a random moment in this window of a 2 s load, once this many inputs were acknowledged. */
const KILL_WINDOW_MS = [300, 1800] as const;
const MIN_ACKS_BEFORE_KILL = 200;
/** A bound only: the kill always ends the load long before. */
const LOAD_BOUND_MS = 10_000;
const LIVE_AFTER_RESUME = 3;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('event log: a hub process killed (SIGKILL) under load', function () {
  this.timeout(30_000);
  this.bail(true);
  const hubs = hubProcesses();
  const ids: NextIds = new Map();
  /** Every input acknowledged so far, in every round. */
  const acked: Ack[] = [];
  const figures: string[] = [];
  let unansweredSoFar = 0;
  let folder: HubFolder;
  let hub: HubProcess;
  let url: string;
  let tcpPort: number;
  /** The clients watching the running hub, and the seq each was opened after (their events start just above it). */
  let watching: { watcher: Watcher; after: number }[] = [];

  const restart = async (fsync: FsyncPolicy): Promise<void> => {
    folder.configure({ fsync, ...JOURNAL });
    hub = hubs.start(folder.configFile, folder.dataDir);
    const address = await hub.ready;
    url = address.url;
    tcpPort = address.tcpPort!;
  };

  before(async () => {
    folder = await createHubFolder('haven-crash-');
    await restart(ROUNDS[0].fsync);
    const ws = await watchWebSocket(url, folder.adminToken);
    const sse = await watchSse(url, folder.apiKey);
    watching = [
      { watcher: ws, after: ws.opening.seq },
      { watcher: sse, after: sse.opening.seq },
    ];
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`last hub's log:\n${hub?.log().split('\n').slice(-40).join('\n')}`);
  });
  after(async () => {
    for (const { watcher } of watching) watcher.close();
    await hubs.killAll();
    folder?.remove();
    if (process.env.HAVEN_TEST_FIGURES) console.log(figures.join('\n'));
  });

  ROUNDS.forEach(({ load, fsync }, round) => {
    it(`round ${round + 1} (${load} load, fsync ${fsync}): everything acknowledged or seen survives, the seq goes on, the cache is the log, clients resume exactly`, async () => {
      const killAtMs = KILL_WINDOW_MS[0] + Math.floor(Math.random() * (KILL_WINDOW_MS[1] - KILL_WINDOW_MS[0]));
      const context = `round ${round + 1}, SIGKILL ${killAtMs} ms into the ${load} load`;
      // Once armed, the kill goes right after the k-th request written since: that one at least is in flight, as in a real crash, and often others.
      const lanes = load === 'HTTP' ? HTTP_TRIGGERS.length : LINE_TRIGGERS.length;
      let sendsUntilKill = 1 + Math.floor(Math.random() * 2 * lanes);
      let armed = false;
      let crashed = false;
      let killed: Promise<HubExit> | undefined;
      const started = Date.now();
      const control: LoadControl = {
        running: () => !crashed && Date.now() - started < LOAD_BOUND_MS,
        crashed: () => crashed,
        sent: () => {
          if (!armed || crashed || --sendsUntilKill > 0) return;
          killed = hub.kill('SIGKILL');
          crashed = true;
        },
      };
      const { run, done } = load === 'HTTP' ? httpLoad(url, HTTP_TRIGGERS, ids, control) : tcpLoad(tcpPort, LINE_TRIGGERS, ids, control);

      // The SSE client drops halfway (it then missed more than the ring holds: its resume reads segments); the WebSocket one stays until the crash.
      const [ws, sse] = watching;
      await pause(killAtMs / 2);
      sse.watcher.close();
      await pause(killAtMs / 2);
      await waitFor(() => run.acks.length >= MIN_ACKS_BEFORE_KILL, `${MIN_ACKS_BEFORE_KILL} acknowledgements (${context})`, LOAD_BOUND_MS);
      armed = true;
      await waitFor(() => killed !== undefined, `the kill (${context})`, LOAD_BOUND_MS);
      const exit = await killed!;
      await done;
      ws.watcher.close();
      expect(exit.signal, context).to.equal('SIGKILL');
      expect(run.unexpected, context).to.deep.equal([]);
      const unansweredBefore = unansweredSoFar;
      for (const a of run.acks) acked.push(a);

      // The files as the killed process left them.
      const log = readLog(folder.dataDir);
      const lastSeq = log.events.at(-1)?.seq ?? 0;
      // Stored but never answered: in flight at the kill.
      unansweredSoFar = log.events.length - acked.length;
      expectGapless(log, context);
      expectAcksStored(acked, log, context);
      // What the clients were sent before the crash is in the log too, and they were sent all of it, in order.
      for (const { watcher, after } of watching) {
        const seen = watcher.events();
        expectExactly(
          watcher,
          log.events.filter((e) => e.seq > after && e.seq <= (seen.at(-1)?.seq ?? after)),
          `${context}, before the crash`,
        );
      }

      await restart(ROUNDS[round + 1]?.fsync ?? 'everysec');
      expect(Number(/event log opened at seq (\d+)/.exec(hub.log())?.[1]), `${context}: the seq the restarted hub opened its log at`).to.equal(lastSeq);
      expectCacheIsLog(await getTriggerStatus(url), log, acked, context);
      const first = await postEvent(url, PROBE, ids);
      expect(first.seq, `${context}: the first seq after the restart`).to.equal(lastSeq + 1);
      expect(first.seq, context).to.be.above(acked.reduce((max, a) => Math.max(max, a.seq), 0));

      // Both clients come back with the last seq they saw: the events they missed (the first new one included), then live ones.
      const resumed = [
        { watcher: await watchWebSocket(url, folder.adminToken, ws.watcher.lastSeq()), after: ws.watcher.lastSeq() },
        { watcher: await watchSse(url, folder.apiKey, sse.watcher.lastSeq()), after: sse.watcher.lastSeq() },
      ];
      watching = resumed;
      const live: Ack[] = [];
      for (let i = 0; i < LIVE_AFTER_RESUME; i++) live.push(await postEvent(url, PROBE, ids));
      acked.push(first, ...live);
      for (const { watcher, after } of resumed) {
        await watcher.waitForSeq(live.at(-1)!.seq);
        const missed = log.events.filter((e) => e.seq > after);
        if (watcher.kind === 'WebSocket') expect(watcher.opening.replayed, context).to.equal(missed.length + 1);
        expectExactly(watcher, [...missed, seenOfAck(first), ...live.map(seenOfAck)], `${context}, resumed after seq ${after}`);
      }
      figures.push(
        `${context}: ${run.sent} sent, ${run.acks.length} acknowledged, log at seq ${lastSeq} (${unansweredSoFar - unansweredBefore} stored unanswered), ` +
          `damage ${JSON.stringify(log.damage)}; resumed WebSocket after ${resumed[0].after}, SSE after ${resumed[1].after}`,
      );
    });
  });

  it('a clean stop after the crashes keeps every acknowledged event', async () => {
    const exit = await hub.kill('SIGTERM');
    expect(exit.code, exit.log).to.equal(0);
    const log = readLog(folder.dataDir);
    expect(log.damage).to.deep.equal([]);
    expectGapless(log, 'after the last stop');
    expectAcksStored(acked, log, 'after the last stop');
    figures.push(`in all: ${acked.length} acknowledged, ${log.records.length} records in ${new Set(log.records.map((r) => r.path)).size} segments`);
  });
});
