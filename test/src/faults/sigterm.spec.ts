import { expect } from 'chai';
import WebSocket from 'ws';
import { hubProcesses, type HubExit, type HubProcess } from '../../helpers/hubProcess';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import { waitFor } from '../../helpers/waitFor';
import { HTTP_TRIGGERS, LINE_TRIGGERS } from '../eventLog/hubFolder';
import { httpLoad, tcpLoad, type LoadControl, type NextIds } from '../eventLog/load';
import { expectAcksStored, expectGapless } from '../eventLog/logChecks';
import { readLog } from '../eventLog/logFiles';
import { openStream, type TestStream } from '../sse/sseClient';
import { TestClient } from '../websocket/wsHarness';
import { createFaultFolder, registerService, type FaultFolder } from './faultHub';

const GRACE_MS = 1000;
/** The SIGTERM comes once this many inputs were acknowledged. */
const MIN_ACKS = 300;
const LOAD_BOUND_MS = 15_000;
const WATCHERS = 3;

describe('faults: SIGTERM under load', function () {
  this.timeout(40_000);
  const hubs = hubProcesses();
  let folder: FaultFolder;
  let hub: HubProcess;
  let service: LineServer | undefined;
  const opened: { close(): void }[] = [];

  before(async () => {
    folder = await createFaultFolder('haven-sigterm-');
    folder.configureWith({ fsync: 'everysec' }, { shutdown: { reconnect_after_ms: 100, grace_ms: GRACE_MS } });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`hub's log:\n${hub?.log().split('\n').slice(-40).join('\n')}`);
  });
  after(async () => {
    for (const o of opened) o.close();
    await service?.close();
    await hubs.killAll();
    folder?.remove();
  });

  it('every answered input is in the log, every client and service is told, and the process exits 0 within grace_ms + 1 s', async () => {
    hub = hubs.start(folder.configFile, folder.dataDir);
    const { url, tcpPort } = await hub.ready;
    service = await startLineServer();
    await registerService(url, folder.adminToken, { name: 'Flames', port: service.port, fields: ['seq'] });
    const wsClients: TestClient[] = [];
    const streams: TestStream[] = [];
    for (let i = 0; i < WATCHERS; i++) {
      const ws = new TestClient(new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${folder.adminToken}` } }));
      opened.push({ close: () => ws.ws.terminate() });
      await ws.waitFor((m) => m.type === 'connected', 'connected');
      wsClients.push(ws);
      const sse = await openStream(`${url}/api/events/stream`, { apiKey: folder.apiKey });
      opened.push(sse);
      await sse.waitFor((m) => m.event === 'connection');
      streams.push(sse);
    }

    const ids: NextIds = new Map();
    let terminated = false;
    const started = Date.now();
    const control: LoadControl = { running: () => !terminated && Date.now() - started < LOAD_BOUND_MS, crashed: () => terminated, sent: () => undefined };
    const loads = [httpLoad(url, HTTP_TRIGGERS.slice(0, 8), ids, control), tcpLoad(tcpPort!, LINE_TRIGGERS, ids, control)];
    const acks = () => loads.reduce((n, l) => n + l.run.acks.length, 0);
    await waitFor(() => acks() >= MIN_ACKS, `${MIN_ACKS} acknowledgements`, LOAD_BOUND_MS);
    const termAt = Date.now();
    const exited: Promise<HubExit> = hub.kill('SIGTERM');
    terminated = true;
    const exit = await exited;
    const tookMs = Date.now() - termAt;
    await Promise.all(loads.map((l) => l.done));

    expect(exit.signal, exit.log).to.equal(null);
    expect(exit.code, exit.log).to.equal(0);
    expect(tookMs, 'from SIGTERM to exit').to.be.at.most(GRACE_MS + 1000);
    for (const l of loads) expect(l.run.unexpected, 'answers other than accepted before the SIGTERM').to.deep.equal([]);

    const log = readLog(folder.dataDir);
    expect(log.damage).to.deep.equal([]);
    expectGapless(log, 'after SIGTERM');
    const acked = loads.flatMap((l) => l.run.acks);
    expectAcksStored(acked, log, 'after SIGTERM');

    // Told: each WebSocket got `shutdown` and then a 1001 close frame; each SSE stream the `shutdown` system message, then its end.
    for (const ws of wsClients) {
      const close = await ws.closed(2000);
      expect(close, 'WebSocket close').to.deep.equal({ code: 1001, reason: 'server shutting down' });
      expect(
        ws.messages.some((m) => m.type === 'shutdown'),
        'a shutdown message before the close',
      ).to.equal(true);
    }
    for (const sse of streams) {
      await sse.ended;
      const notice = sse.received.find((m) => m.event === 'system' && m.data.code === 'shutdown');
      expect(notice, 'SSE shutdown notice').to.not.equal(undefined);
      expect(notice!.retry, 'the retry it asks for').to.equal(100);
    }
    await waitFor(() => service!.connections() === 0, "the service's connection to be closed", 2000);

    // Told everything, too: the WebSockets and the service got every stored event, once, in order.
    const seqs = log.events.map((e) => e.seq);
    for (const ws of wsClients)
      expect(
        ws.messages.filter((m) => m.type === 'trigger').map((m) => m.seq),
        'WebSocket events',
      ).to.deep.equal(seqs);
    // An SSE stream ends at its notice while the sources still take inputs: it got every event up to there, and resumes after it (Last-Event-ID).
    for (const sse of streams) {
      const got = sse.events().map((m) => m.data.seq);
      expect(got, 'SSE events: the log up to the notice').to.deep.equal(seqs.slice(0, got.length));
      expect(sse.received.at(-1)?.event, 'the notice is the last message').to.equal('system');
    }
    expect(
      service.lines.map((l) => JSON.parse(l).seq),
      "the service's lines",
    ).to.deep.equal(seqs);
    if (process.env.HAVEN_TEST_FIGURES)
      console.log(
        `SIGTERM after ${acked.length} acknowledged (${log.events.length} stored): exit 0 in ${tookMs} ms; ${WATCHERS} WebSocket and ${WATCHERS} SSE clients told`,
      );
  });
});
