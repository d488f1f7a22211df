import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { createApiKeys } from '../../../src/keys/apiKeys';
import type { Component } from '../../../src/hub';
import type { TestHub } from '../../helpers/hub';
import { createVirtualTime } from '../../helpers/virtualTime';
import { open, openRefused, openStream, type TestStream } from './sseClient';
import { createKey, fire, startSseHub, until } from './sseFixtures';

describe('SSE stream: limits, stats, slow clients, revocation and shutdown', () => {
  let hub: TestHub | undefined;
  const streams: TestStream[] = [];
  const sockets: Socket[] = [];
  const stream = async (apiKey: string, query = '') => {
    const s = await openStream(`${hub!.url}/api/events/stream${query}`, { apiKey });
    streams.push(s);
    await s.waitFor((m) => m.event === 'connection');
    return s;
  };
  const stats = async (apiKey: string) => {
    const answer = await open(`${hub!.url}/api/events/stream/stats`, { apiKey });
    if ('received' in answer) throw new Error('stats answered with a stream');
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body;
  };
  afterEach(async () => {
    streams.splice(0).forEach((s) => s.close());
    sockets.splice(0).forEach((s) => s.destroy());
    await hub?.stop();
    hub = undefined;
  });

  it('frees a slot the moment a client disconnects', async () => {
    hub = await startSseHub({ sse: { max_connections_per_key: 1 } });
    const { key } = createKey(hub, 'acme');
    const first = await stream(key);
    expect((await openRefused(`${hub.url}/api/events/stream`, { apiKey: key })).status).to.equal(429);
    first.close();
    await until(async () => (await stats(key)).apiKey.connections === 0, 5000, 'slot freed');
    const again = await stream(key);
    expect(again.status).to.equal(200);
  });

  it('reports connections of the key and the organization, events sent and uptime; admins also per key', async () => {
    hub = await startSseHub({ sse: { max_connections_per_key: 4 } });
    const viewer = createKey(hub, 'acme');
    const admin = createKey(hub, 'acme', 'admin');
    const other = createKey(hub, 'globex');
    const a1 = await stream(viewer.key);
    const a2 = await stream(viewer.key, '?eventCategories=dials');
    const b1 = await stream(admin.key);
    const g1 = await stream(other.key);
    const seq = await fire(hub, 'Phone.Button', 'On');
    const gseq = await fire(hub, 'Globex.Door', 'On');
    await a1.waitFor((m) => m.data.seq === seq);
    await b1.waitFor((m) => m.data.seq === seq);
    await g1.waitFor((m) => m.data.seq === gseq);
    void a2;
    const mine = await stats(viewer.key);
    expect(mine).to.deep.include({ organizationId: 'acme', bus: 'up', latestSeq: 2, heartbeatMs: 60000 });
    expect(mine.apiKey).to.deep.equal({ id: viewer.id, name: 'test acme', role: 'viewer', connections: 2, eventsSent: 1, maxConnections: 4 });
    expect(mine.organization).to.deep.equal({ connections: 3, eventsSent: 2 });
    expect(mine.uptimeMs).to.be.a('number').and.at.least(0);
    expect(mine.uptimeSeconds).to.equal(Math.floor(mine.uptimeMs / 1000));
    expect(mine).not.to.have.property('keys');
    const adminStats = await stats(admin.key);
    expect(adminStats.keys).to.have.deep.members([
      { id: viewer.id, connections: 2, eventsSent: 1 },
      { id: admin.id, connections: 1, eventsSent: 1 },
    ]);
    expect((await stats(other.key)).organization).to.deep.equal({ connections: 1, eventsSent: 1 });
  });

  it('closes a client that does not read once its buffer passes the bound; the others keep receiving', async function () {
    this.timeout(60000);
    hub = await startSseHub({ sse: { max_buffered_bytes: 64 * 1024 } });
    const slow = createKey(hub, 'acme');
    const fast = await stream(createKey(hub, 'acme').key);
    // A client that sends its request and never reads a byte of the answer.
    const socket = connect(Number(new URL(hub.url).port), '127.0.0.1');
    sockets.push(socket);
    socket.write(`GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${slow.key}\r\n\r\n`);
    socket.pause();
    await until(async () => (await stats(slow.key)).apiKey.connections === 1, 5000, 'slow stream open');
    let last = 0;
    // Bounded: the kernel's socket buffers fill first (a few MB on loopback), then the bound trips.
    for (let i = 0; i < 100_000; i++) {
      last = await fire(hub, 'Phone.Button', i % 2 ? 'Off' : 'On');
      // One event per event-loop turn, so the reading client reads as it goes, as a live one would.
      await new Promise((r) => setImmediate(r));
      if (i % 500 === 499 && (await stats(slow.key)).apiKey.connections === 0) break;
    }
    expect((await stats(slow.key)).apiKey.connections, 'slow client still connected').to.equal(0);
    await fast.waitFor((m) => m.data.seq === last, { ms: 20000 });
    expect(fast.events()).to.have.length(last);
  });

  it('closes a stream at the first heartbeat after its key is revoked, and frees its slot', async () => {
    const time = createVirtualTime();
    hub = await startSseHub({ sse: { heartbeat_ms: 25 } }, { scheduler: time.scheduler });
    const { key, id } = createKey(hub, 'acme');
    const s = await stream(key);
    time.advance(25);
    await s.waitFor((m) => m.event === 'heartbeat');
    createApiKeys({ store: hub.runtime.store }).revoke(id);
    time.advance(25);
    const notice = await s.waitFor((m) => m.event === 'system');
    expect(notice.data).to.deep.include({ code: 'key_revoked', message: 'API key revoked; this stream is closed' });
    await s.ended;
    await until(() => hub!.component<Component>('sse').health().detail === '0 open streams', 5000, 'slot freed');
    expect((await openRefused(`${hub.url}/api/events/stream`, { apiKey: key })).status).to.equal(401);
  });

  it('tells every stream to come back later with retry:, ends them, and answers 503 meanwhile', async () => {
    hub = await startSseHub();
    const acme = await stream(createKey(hub, 'acme').key);
    const globex = await stream(createKey(hub, 'globex').key);
    await hub.component<Component>('sse').notifyShutdown!(1500);
    for (const s of [acme, globex]) {
      await s.ended;
      const last = s.received[s.received.length - 1];
      expect(last.event).to.equal('system');
      expect(last.retry).to.equal(1500);
      expect(last.data).to.deep.include({ type: 'system', code: 'shutdown', reconnectAfterMs: 1500, message: 'Server shutting down; reconnect in 1500 ms' });
    }
    const refused = await openRefused(`${hub.url}/api/events/stream`, { apiKey: createKey(hub, 'acme').key });
    expect(refused.status).to.equal(503);
    expect(refused.headers['retry-after']).to.equal('2');
    expect(refused.body).to.deep.equal({ error: 'Server is shutting down; reconnect later' });
  });

  it('stops the whole hub within the bound even when a client does not read its notice', async () => {
    // close_timeout_ms runs on virtual time: the hub waits for the client that does not read until
    // the test moves the clock past the bound, and stops then.
    const time = createVirtualTime();
    hub = await startSseHub(
      { sse: { close_timeout_ms: 200, max_buffered_bytes: 64 * 1024 * 1024 }, shutdown: { reconnect_after_ms: 700 } },
      { scheduler: time.scheduler },
    );
    const reader = await stream(createKey(hub, 'acme').key);
    const socket = connect(Number(new URL(hub.url).port), '127.0.0.1');
    sockets.push(socket);
    const slowKey = createKey(hub, 'acme').key;
    socket.write(`GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${slowKey}\r\n\r\n`);
    socket.pause();
    await until(async () => (await stats(slowKey)).apiKey.connections === 1, 5000, 'second stream open');
    // Enough events to fill the kernel's buffers towards the client that does not read, so its
    // notice cannot get out and only the bound ends its stream (the reader reads as it goes).
    for (let i = 0; i < 40_000; i++) {
      await fire(hub, 'Phone.Button', i % 2 ? 'Off' : 'On');
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    let stopped = false;
    const stopping = hub.stop().then(() => (stopped = true));
    await reader.ended;
    await until(() => hub!.component<Component>('sse').health().detail === '1 open streams', 5000, 'the reader gone, the slow stream still open');
    time.advance(199);
    await new Promise((r) => setImmediate(r));
    expect(stopped, 'stopped before close_timeout_ms').to.equal(false);
    time.advance(1);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('hub did not stop at close_timeout_ms')), 5000)));
    await Promise.race([stopping, bound]).finally(() => clearTimeout(timer));
    expect(reader.received[reader.received.length - 1]).to.deep.include({ event: 'system', retry: 700 });
  });
});
