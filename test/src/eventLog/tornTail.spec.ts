import { expect } from 'chai';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { journalDir } from '../../../src/eventLog/openEventLog';
import { readSnapshot } from '../../../src/eventLog/snapshot';
import { hubProcesses, type HubProcess } from '../../helpers/hubProcess';
import { waitFor } from '../../helpers/waitFor';
import { createHubFolder, HTTP_TRIGGERS, type HubFolder } from './hubFolder';
import { getTriggerStatus, postEvent, postJson, type Ack, type NextIds } from './load';
import { expectAcksStored, expectCacheIsLog, expectGapless } from './logChecks';
import { FRAME_HEADER_BYTES, readLog, type StoredRecord } from './logFiles';

const EVENTS = 25;
/** Snapshots at 10 and 20 records: after a crash, the damaged last record (25) lies in the tail start-up reads after the snapshot. */
const JOURNAL = { fsync: 'everysec', snapshot_every: 10 } as const;

const truncateMidRecord = (last: StoredRecord): void => truncateSync(last.path, last.offset + FRAME_HEADER_BYTES + Math.floor(last.payloadBytes / 2));

/**
 * How a test damages the log's last record, as a crash mid-write or a bad sector would, after the
 * hub stopped one way or the other, and what start-up then reads: after a crash, the records past
 * the snapshot at 20; after a clean stop the snapshot covers record 25, so it no longer matches
 * the log and start-up reads all of it.
 */
const DAMAGES: readonly {
  kind: 'torn' | 'corrupt';
  what: string;
  stop: 'SIGKILL' | 'SIGTERM';
  opened: string;
  warns?: string;
  apply(last: StoredRecord): void;
}[] = [
  {
    kind: 'torn',
    what: 'a log truncated in the middle of its last record',
    stop: 'SIGKILL',
    opened: '{"records_read":4,"from_snapshot":true',
    apply: truncateMidRecord,
  },
  {
    kind: 'corrupt',
    what: "a log whose last record's bytes are scrambled",
    stop: 'SIGKILL',
    opened: '{"records_read":4,"from_snapshot":true',
    apply: (last) => {
      const bytes = readFileSync(last.path);
      bytes[last.offset + FRAME_HEADER_BYTES + Math.floor(last.payloadBytes / 2)] ^= 0x5a;
      writeFileSync(last.path, bytes);
    },
  },
  {
    kind: 'torn',
    what: 'a log truncated in the middle of its last record after a clean stop (its snapshot says the log is longer)',
    stop: 'SIGTERM',
    opened: '{"records_read":24,"from_snapshot":false',
    warns: 'event log: the snapshot at seq 25 points past the end of',
    apply: truncateMidRecord,
  },
];

describe('event log: a damaged tail (a real hub process)', function () {
  this.timeout(20_000);
  const hubs = hubProcesses();
  let folder: HubFolder | undefined;
  let hub: HubProcess | undefined;

  const start = async (): Promise<string> => {
    hub = hubs.start(folder!.configFile, folder!.dataDir);
    return (await hub.ready).url;
  };
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(`last hub's log:\n${hub?.log()}`);
    await hubs.killAll();
    folder?.remove();
  });

  for (const damage of DAMAGES) {
    it(`${damage.what}: the hub starts, logs the cut, goes on after the last whole record, loses nothing else; new events survive another restart`, async () => {
      folder = await createHubFolder('haven-torn-');
      folder.configure(JOURNAL);
      const ids: NextIds = new Map();
      let url = await start();
      const acks: Ack[] = [];
      for (let i = 0; i < EVENTS; i++) acks.push(await postEvent(url, HTTP_TRIGGERS[i % 3], ids));
      // The snapshot is written once the log up to it is synced; with it on disk, start-up after a crash reads only records 21..25.
      await waitFor(() => (readSnapshot(journalDir(folder!.dataDir))?.memory.seq ?? 0) >= 20, 'the snapshot at record 20');
      expect((await hub!.kill(damage.stop)).signal).to.equal(damage.stop === 'SIGKILL' ? 'SIGKILL' : null);
      const before = readLog(folder.dataDir);
      expect(before.events.map((e) => e.seq)).to.deep.equal(acks.map((a) => a.seq));
      const last = before.records.at(-1)!;
      damage.apply(last);
      const cutBytes = statSync(last.path).size - last.offset;

      url = await start();
      const cutLog = hub!.log();
      const sizeAfter = statSync(last.path).size;
      if (damage.warns) expect(cutLog).to.contain(damage.warns);
      expect(cutLog).to.contain(`event log: cut a ${damage.kind} record off ${last.path} (`);
      expect(cutLog).to.match(new RegExp(`bytes at offset ${last.offset}\\); the seq continues after ${EVENTS - 1}`));
      expect(cutLog).to.contain(`event log opened at seq ${EVENTS - 1} ${damage.opened},"cut_bytes":${cutBytes},"damage":"${damage.kind}"`);
      expect(sizeAfter, 'the file ends where the last whole record ends').to.equal(last.offset);
      const kept = readLog(folder.dataDir);
      expect(kept.damage).to.deep.equal([]);
      expect(kept.events).to.deep.equal(before.events.slice(0, -1));
      const survivors = acks.slice(0, -1);
      expectCacheIsLog(await getTriggerStatus(url), kept, survivors, 'after the cut');

      // The cut record never happened as far as the hub knows: the same input again is new, not a duplicate, and takes its seq.
      const lost = acks.at(-1)!;
      const again = await postJson(undefined, `${url}/api/trigger-event`, { name: lost.name, value: lost.value, id: lost.id });
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(again.body).to.include({ trigger_seq: EVENTS }).and.not.to.have.property('reason');
      const added: Ack[] = [{ ...lost, seq: again.body.trigger_seq, timestamp: again.body.event.timestamp }];
      for (let i = 0; i < 2; i++) added.push(await postEvent(url, HTTP_TRIGGERS[i], ids));
      expect(added.map((a) => a.seq)).to.deep.equal([EVENTS, EVENTS + 1, EVENTS + 2]);

      // Another crash and start-up: the new records follow the whole ones, and nothing is cut again.
      await hub!.kill('SIGKILL');
      url = await start();
      expect(hub!.log()).not.to.contain('event log: cut');
      expect(hub!.log()).to.contain(`event log opened at seq ${EVENTS + 2}`);
      const after = readLog(folder.dataDir);
      expect(after.damage).to.deep.equal([]);
      expectGapless(after, 'after the second restart');
      expectAcksStored([...survivors, ...added], after, 'after the second restart');
      expect(after.events.slice(0, EVENTS - 1)).to.deep.equal(kept.events);
      expectCacheIsLog(await getTriggerStatus(url), after, [...survivors, ...added], 'after the second restart');
      const next = await postEvent(url, HTTP_TRIGGERS[0], ids);
      expect(next.seq).to.equal(EVENTS + 3);
    });
  }
});
