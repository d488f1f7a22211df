import { expect } from 'chai';
import { hubProcesses, type HubProcess } from '../../helpers/hubProcess';
import { createHubFolder, HTTP_TRIGGERS, PROBE, type HubFolder } from './hubFolder';
import { postEvent, seenOfAck, type Ack, type NextIds } from './load';
import { expectAcksStored, expectExactly } from './logChecks';
import { readLog } from './logFiles';
import { watchSse, watchWebSocket, type Watcher } from './watchers';

describe('event log: a clean restart (SIGTERM) keeps resume (a real hub process)', function () {
  this.timeout(20_000);
  const hubs = hubProcesses();
  const watchers: Watcher[] = [];
  let folder: HubFolder | undefined;
  let hub: HubProcess | undefined;

  const start = async (): Promise<string> => {
    hub = hubs.start(folder!.configFile, folder!.dataDir);
    return (await hub.ready).url;
  };
  const watch = async (opened: Promise<Watcher>): Promise<Watcher> => {
    const watcher = await opened;
    watchers.push(watcher);
    return watcher;
  };
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(`last hub's log:\n${hub?.log()}`);
    watchers.forEach((w) => w.close());
    await hubs.killAll();
    folder?.remove();
  });

  it('a WebSocket client (lastSeq) and an SSE client (Last-Event-ID) get exactly what they missed, an event accepted after the restart included, then live ones', async () => {
    folder = await createHubFolder('haven-resume-');
    const ids: NextIds = new Map();
    const acks: Ack[] = [];
    let url = await start();
    const post = async (count: number, into: Ack[]): Promise<Ack[]> => {
      const posted: Ack[] = [];
      for (let i = 0; i < count; i++) posted.push(await postEvent(url, HTTP_TRIGGERS[i % 4], ids));
      into.push(...posted);
      return posted;
    };
    const ws = await watch(watchWebSocket(url, folder.adminToken));
    const sse = await watch(watchSse(url, folder.apiKey));

    // The SSE client goes away after 10 events; the WebSocket one watches until the hub stops.
    await post(10, acks);
    await sse.waitForSeq(10);
    sse.close();
    await post(10, acks);
    await ws.waitForSeq(20);
    const exit = await hub!.kill('SIGTERM');
    expect(exit.code, exit.log).to.equal(0);
    expectExactly(ws, acks.map(seenOfAck), 'before the stop');
    expectExactly(sse, acks.slice(0, 10).map(seenOfAck), 'before the stop');

    url = await start();
    // The snapshot written at the stop holds everything: start-up reads no record.
    expect(hub!.log()).to.contain('event log opened at seq 20 {"records_read":0,"from_snapshot":true');
    const beforeReconnect = await post(2, acks);

    // The WebSocket client as a browser resumes (the `auth` message), the SSE client with the header EventSource sends.
    const wsAgain = await watch(watchWebSocket(url, folder.adminToken, ws.lastSeq(), 'auth'));
    const sseAgain = await watch(watchSse(url, folder.apiKey, sse.lastSeq()));
    expect([ws.lastSeq(), sse.lastSeq()]).to.deep.equal([20, 10]);
    expect(wsAgain.opening.replayed).to.equal(2);
    const live = [await postEvent(url, PROBE, ids), await postEvent(url, PROBE, ids)];
    acks.push(...live);
    await wsAgain.waitForSeq(24);
    await sseAgain.waitForSeq(24);
    expectExactly(wsAgain, [...beforeReconnect, ...live].map(seenOfAck), 'resumed after seq 20');
    expectExactly(sseAgain, acks.slice(10).map(seenOfAck), 'resumed after seq 10');
    expectAcksStored(acks, readLog(folder.dataDir), 'after the restart');
  });
});
