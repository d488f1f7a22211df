import { expect } from 'chai';
import type { Socket } from 'node:net';
import { hubProcesses, type HubProcess } from '../../helpers/hubProcess';
import { waitFor } from '../../helpers/waitFor';
import { HTTP_TRIGGERS } from '../eventLog/hubFolder';
import type { NextIds } from '../eventLog/load';
import { expectExactly } from '../eventLog/logChecks';
import { readLog } from '../eventLog/logFiles';
import { watchSse, watchWebSocket, type Watcher } from '../eventLog/watchers';
import { stalledReader, stalledSse } from '../../helpers/stalledClients';
import { createFaultFolder, type FaultFolder } from './faultHub';
import { pacedLoad } from './pacedLoad';

const STALLED = 3;
const READERS = 2;
/** Small bounds, so a client that stops reading is cut within a few seconds of load; the readers keep up far below them. */
const WEBSOCKET = { max_buffered_bytes: 128 * 1024, max_pending_messages: 2000, slow_consumer_ms: 3000 };
const SSE = { max_buffered_bytes: 128 * 1024 };
const CUT_BOUND_MS = 30_000;

/** Resumes reading `socket` (drops what it reads) and resolves once the hub has closed it. */
function drainToClose(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.once('close', () => resolve());
    socket.resume();
  });
}

describe('faults: WebSocket and SSE clients that stop reading under load', function () {
  this.timeout(60_000);
  const hubs = hubProcesses();
  let folder: FaultFolder;
  let hub: HubProcess;
  const sockets: Socket[] = [];
  const watchers: Watcher[] = [];

  before(async () => {
    folder = await createFaultFolder('haven-stalled-');
    folder.configureWith({ fsync: 'everysec' }, { websocket: WEBSOCKET, sse: SSE });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`hub's log:\n${hub?.log().split('\n').slice(-40).join('\n')}`);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    for (const w of watchers) w.close();
    await hubs.killAll();
    folder?.remove();
  });

  it('cuts each stalled client with its reason (4008 slow consumer, SSE slow_client) while the reading ones get every event', async () => {
    hub = hubs.start(folder.configFile, folder.dataDir);
    const { url } = await hub.ready;
    const port = Number(new URL(url).port);
    for (let i = 0; i < READERS; i++) watchers.push(await watchWebSocket(url, folder.adminToken), await watchSse(url, folder.apiKey));
    const stalledWs: Socket[] = [];
    const stalledStreams: Socket[] = [];
    // Each one in `sockets` as soon as it exists: a later refusal must not leave the earlier ones open.
    for (let i = 0; i < STALLED; i++) {
      const ws = await stalledReader(port, '/ws', folder.adminToken);
      sockets.push(ws);
      stalledWs.push(ws);
      const stream = await stalledSse(port, folder.apiKey);
      sockets.push(stream);
      stalledStreams.push(stream);
    }

    const ids: NextIds = new Map();
    let stop = false;
    const started = Date.now();
    const { run, done } = pacedLoad(url, HTTP_TRIGGERS.slice(0, 8), ids, () => !stop && Date.now() - started < CUT_BOUND_MS, 0);
    const cuts = () => ({
      ws: hub.log().match(/closing connection \d+: 4008 slow consumer/g)?.length ?? 0,
      sse: hub.log().match(/stream closed .*"reason":"slow_client"/g)?.length ?? 0,
    });
    try {
      await waitFor(() => cuts().ws >= STALLED && cuts().sse >= STALLED, `${STALLED} WebSocket and ${STALLED} SSE cuts`, CUT_BOUND_MS);
    } finally {
      stop = true;
      await done;
    }
    expect(run.failed, 'requests without an answer').to.deep.equal([]);
    expect([...run.refused], 'answers other than accepted').to.deep.equal([]);
    expect(cuts(), 'cut: exactly the stalled ones').to.deep.equal({ ws: STALLED, sse: STALLED });
    // Once they read again, each finds its connection closed by the hub.
    await Promise.all([...stalledWs, ...stalledStreams].map(drainToClose));

    const lastSeq = run.acks.reduce((max, a) => Math.max(max, a.seq), 0);
    for (const w of watchers) await w.waitForSeq(lastSeq);
    const exit = await hub.kill('SIGTERM');
    expect(exit.code, exit.log).to.equal(0);
    const log = readLog(folder.dataDir);
    for (const w of watchers) expectExactly(w, log.events, 'a reading client beside the stalled ones');
    if (process.env.HAVEN_TEST_FIGURES)
      console.log(
        `stalled clients: ${STALLED} WebSocket + ${STALLED} SSE cut after ${Date.now() - started} ms of load, ${run.acks.length} events; ` +
          `${READERS * 2} reading clients got all of them, in order`,
      );
  });
});
