import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { SseComponent } from '../../../src/sse/sseComponent';
import type { TestHub } from '../../helpers/hub';
import { sseReader, type Received } from './sseClient';
import { createKey, fire, startSseHub, until } from './sseFixtures';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const MISSED = 30_000;

/** A reader over node:http that stops reading for `pauseMs` after its first chunk. */
function pausingReader(url: string, apiKey: string, lastEventId: string, pauseMs: number) {
  const received: Received[] = [];
  let ended = false;
  let req!: ClientRequest;
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    req = httpRequest(url, { headers: { 'x-api-key': apiKey, 'Last-Event-ID': lastEventId } }, (res) => {
      res.setEncoding('utf8');
      const read = sseReader();
      let first = true;
      res.on('data', (chunk: string) => {
        received.push(...read(chunk));
        if (first) {
          first = false;
          res.pause();
          setTimeout(() => res.resume(), pauseMs);
        }
      });
      res.on('close', () => (ended = true));
      res.on('error', () => undefined);
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
  return { opened, received, ended: () => ended, close: () => req.destroy() };
}

/**
 * Resumes of more missed events than a socket takes at once (30,000, about 22 MB): every one of
 * them in order, then live, and the stream stays open for a reader that keeps up.
 */
describe('SSE stream: a large resume by Last-Event-ID', function () {
  this.timeout(120_000);
  let hub: TestHub | undefined;
  let stop: (() => void) | undefined;
  afterEach(async () => {
    stop?.();
    stop = undefined;
    await hub?.stop();
    hub = undefined;
  });

  const fireMissed = async (h: TestHub) => {
    for (let i = 1; i <= MISSED; i += 500)
      await Promise.all(range(i, i + 499).map((n) => (n % 3 === 0 ? fire(h, 'Fog.Burst') : fire(h, 'Dial.Number', n % 2 ? 1 : 2))));
  };

  it('replays 30,000 missed events to a reader that stops for 2 s, then the live ones, each once and in order', async () => {
    hub = await startSseHub();
    const { key } = createKey(hub, 'acme');
    await fireMissed(hub);
    const reader = pausingReader(`${hub.url}/api/events/stream`, key, '0', 2000);
    stop = reader.close;
    expect((await reader.opened).statusCode).to.equal(200);
    for (let i = 0; i < 10; i++) await fire(hub, 'Dial.Number', i % 2 ? 3 : 4);
    const events = () => reader.received.filter((m) => m.event === 'event');
    await until(() => (events().at(-1)?.data.seq ?? 0) >= MISSED + 10 || reader.ended(), 60_000, `seq ${MISSED + 10}`);
    for (let i = 0; i < 5; i++) await fire(hub, 'Dial.Number', 5 + i);
    await until(() => (events().at(-1)?.data.seq ?? 0) >= MISSED + 15 || reader.ended(), 10_000, `seq ${MISSED + 15}`);
    expect(reader.ended(), 'closed by the hub').to.equal(false);
    expect(events().map((m) => m.data.seq)).to.deep.equal(range(1, MISSED + 15));
    expect(events().map((m) => Number(m.id))).to.deep.equal(range(1, MISSED + 15));
    expect(reader.received[0]).to.deep.include({ event: 'connection' });
    expect(reader.received[0].data).to.deep.include({ resumeAfter: 0, latestSeq: MISSED });
  });

  it('does not close a reader that keeps up (5 MB/s) while live events come during the resume, and gives it all of them', async () => {
    hub = await startSseHub();
    const { key } = createKey(hub, 'acme');
    await fireMissed(hub);
    const total = MISSED + 2000;
    // In its own process, as a client on a real link would be: its reads do not wait for the hub's.
    const child: ChildProcess = spawn(
      process.execPath,
      [join(__dirname, 'throttledReader.cjs'), `${hub.url}/api/events/stream`, key, '0', String(total), '5000000'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    stop = () => child.exitCode === null && child.kill();
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await until(() => hub!.component<SseComponent>('sse').openStreams() === 1, 5000, 'stream open');
    // One event every 2 ms (under 0.4 MB/s) while the reader takes the replay.
    for (let n = MISSED + 1; n <= total; n++) {
      await fire(hub, n % 3 === 0 ? 'Fog.Burst' : 'Dial.Number', n % 3 === 0 ? 'On' : n % 2 ? 3 : 4);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await exited;
    const read = JSON.parse(out) as { ended: boolean | 'timeout'; seqs: number[] };
    expect(read.ended, 'closed by the hub').to.equal(false);
    expect(read.seqs).to.deep.equal(range(1, total));
  });
});
