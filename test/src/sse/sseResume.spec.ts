import { expect } from 'chai';
import EventSource from 'eventsource';
import type { TestHub } from '../../helpers/hub';
import { openStream, type TestStream } from './sseClient';
import { createKey, fire, startSseHub, until } from './sseFixtures';

/** Seqs `from`..`to`. */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('SSE stream: resume by Last-Event-ID', () => {
  let hub: TestHub;
  let key: string;
  const streams: TestStream[] = [];
  const sources: EventSource[] = [];
  const stream = async (query = '', headers: Record<string, string> = {}) => {
    const s = await openStream(`${hub.url}/api/events/stream${query}`, { apiKey: key, headers });
    streams.push(s);
    return s;
  };
  afterEach(async () => {
    streams.splice(0).forEach((s) => s.close());
    sources.splice(0).forEach((s) => s.close());
    await hub?.stop();
  });

  /** Fires `n` events one after another (each awaits its decision) and returns their seqs. */
  async function fireMany(n: number, name = 'Phone.Button'): Promise<number[]> {
    const seqs: number[] = [];
    for (let i = 0; i < n; i++) seqs.push(await fire(hub, name, i % 2 ? 'Off' : 'On'));
    return seqs;
  }

  it('replays the missed events, then goes on live while events keep coming: none lost, none twice', async () => {
    hub = await startSseHub();
    key = createKey(hub, 'acme').key;
    const first = await stream();
    await fireMany(3);
    await first.waitFor((m) => m.data.seq === 3);
    first.close();
    await fireMany(3); // 4..6, missed
    // Events keep being accepted, one per event-loop turn, from before the client reconnects
    // until well after its stream opened: some are replayed from the journal, some come live,
    // and the seam between the two is crossed while events flow.
    let opened = false;
    const during = (async () => {
      const seqs: number[] = [];
      for (let afterOpen = 0, turns = 0; afterOpen < 20 && turns < 10000; turns++) {
        seqs.push(await fire(hub, 'Phone.Button', turns % 2 ? 'Off' : 'On'));
        await new Promise((r) => setImmediate(r));
        if (opened) afterOpen++;
      }
      return seqs;
    })();
    const second = await stream('', { 'Last-Event-ID': '3' });
    const connection = await second.waitFor((m) => m.event === 'connection');
    opened = true;
    const seqs = await during;
    const last = seqs[seqs.length - 1];
    await second.waitFor((m) => m.data.seq === last);
    expect(connection.data).to.deep.include({ type: 'connection', resumeAfter: 3 });
    expect(connection.data.latestSeq)
      .to.be.at.least(6)
      .and.below(last - 19);
    expect(second.events().map((m) => Number(m.id))).to.deep.equal(range(4, last));
    expect(second.events().map((m) => m.data.seq)).to.deep.equal(range(4, last));
  });

  it('takes ?lastEventId= when no header is sent, and the header over it when both are', async () => {
    hub = await startSseHub();
    key = createKey(hub, 'acme').key;
    await fireMany(5);
    const byQuery = await stream('?lastEventId=2');
    await byQuery.waitFor((m) => m.data.seq === 5);
    expect(byQuery.events().map((m) => m.data.seq)).to.deep.equal([3, 4, 5]);
    const both = await stream('?lastEventId=1', { 'Last-Event-ID': '4' });
    await both.waitFor((m) => m.data.seq === 5);
    expect(both.events().map((m) => m.data.seq)).to.deep.equal([5]);
  });

  it("replays only what the stream's organization and filter let through", async () => {
    hub = await startSseHub();
    key = createKey(hub, 'acme').key;
    await fire(hub, 'Phone.Button', 'On'); // 1
    await fire(hub, 'Dial.Number', 3); // 2
    await fire(hub, 'Globex.Door', 'On'); // 3, another organization
    await fire(hub, 'Dial.Number', 4); // 4
    const s = await stream('?eventCategories=dials', { 'Last-Event-ID': '0' });
    const live = await fire(hub, 'Dial.Number', 5);
    await s.waitFor((m) => m.data.seq === live);
    expect(s.events().map((m) => m.data.seq)).to.deep.equal([2, 4, 5]);
  });

  it("says resync when the log's retention has dropped the events, or the id is ahead of the hub, then goes on live", async () => {
    // Segments of 4 KiB (about 30 records), two kept: the first events' segment is gone once 100 events are written.
    hub = await startSseHub({ journal: { capacity: 3, segment_bytes: 4096, retain: { segments: 2 } } });
    key = createKey(hub, 'acme').key;
    await fireMany(100);
    const old = await stream('', { 'Last-Event-ID': '2' });
    const resync = await old.waitFor((m) => m.event === 'system');
    expect(resync.data).to.deep.include({ type: 'system', code: 'resync', lastEventId: 2, latestSeq: 100 });
    expect(resync.data.message).to.equal('Events after seq 2 are no longer held by this hub; resync the current state from GET /api/trigger-status');
    const ahead = await stream('', { 'Last-Event-ID': '500' });
    expect((await ahead.waitFor((m) => m.event === 'system')).data).to.deep.include({ code: 'resync', lastEventId: 500, latestSeq: 100 });
    const live = await fire(hub, 'Phone.Button', 'On');
    for (const s of [old, ahead]) {
      await s.waitFor((m) => m.data.seq === live);
      expect(s.events().map((m) => m.data.seq)).to.deep.equal([101]);
    }
    // Still in the log (past the 3 held in memory, so read from its segment): a plain replay, no resync.
    const oldest = hub.runtime.log.stats().oldestSeq;
    expect(oldest, 'the oldest segment still held begins before the newest 3').to.be.within(3, 97);
    const recent = await stream('', { 'Last-Event-ID': String(oldest) });
    await recent.waitFor((m) => m.data.seq === 101);
    expect(recent.received.map((m) => m.event)).to.deep.equal(['connection', ...Array<string>(101 - oldest).fill('event')]);
  });

  it('lets the eventsource package reconnect by itself with Last-Event-ID after the connection drops', async () => {
    hub = await startSseHub({ sse: { retry_ms: 50 } });
    key = createKey(hub, 'acme').key;
    const es = new EventSource(`${hub.url}/api/events/stream`, { headers: { 'x-api-key': key } });
    sources.push(es);
    const got: { id: string; seq: number }[] = [];
    let connections = 0;
    es.addEventListener('connection', () => connections++);
    es.addEventListener('event', (e) => got.push({ id: (e as MessageEvent).lastEventId, seq: JSON.parse((e as MessageEvent).data).seq }));
    await until(() => connections === 1, 5000, 'first connection');
    await fireMany(3);
    await until(() => got.length === 3, 5000, 'three events');
    // The server drops every connection; events go on while the client waits `retry:` ms.
    hub.runtime.server.closeAllConnections();
    await fireMany(4);
    await until(() => connections === 2, 5000, 'reconnection');
    await fireMany(2);
    await until(() => got.length >= 9, 5000, 'nine events');
    expect(got.map((g) => g.seq)).to.deep.equal(range(1, 9));
    expect(got.map((g) => g.id)).to.deep.equal(range(1, 9).map(String));
  });
});
