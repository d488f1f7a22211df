import { expect } from 'chai';
import { startWsHub, type TestClient, type WsHub } from './wsHarness';

const seqs = (client: TestClient, from = 0) =>
  client.messages
    .slice(from)
    .filter((m) => m.type === 'trigger')
    .map((m) => m.seq!);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('WebSocket resume', () => {
  let h: WsHub;
  afterEach(() => h.stop());

  it('a client that reconnects with its last seq gets what it missed, then live events, each once and in order', async () => {
    h = await startWsHub();
    const first = await h.login(h.adminToken);
    for (let i = 1; i <= 5; i++) await h.fire('Dial.Number', i % 10);
    await first.waitFor((m) => m.seq === 5);
    first.ws.terminate(); // the connection drops
    await first.closed();
    const lastSeen = Math.max(...seqs(first));

    for (let i = 6; i <= 10; i++) await h.fire('Dial.Number', i % 10);
    // Events keep coming while the client reconnects: none may be lost or doubled at the seam.
    const during = Promise.all(range(11, 40).map((i) => h.fire('Stage.Mode', i % 2 ? 'intro' : 'finale')));
    const second = await h.login(h.adminToken, lastSeen);
    await during;
    for (let i = 41; i <= 45; i++) await h.fire('Fog.Burst');
    await second.waitFor((m) => m.seq === 45, 'seq 45');
    await second.sync();

    expect(second.messages[0].data.resume).to.deep.include({ afterSeq: 5 });
    expect(seqs(second)).to.deep.equal(range(6, 45));
  });

  it('hands a resume larger than a backed-up outbox out in parts: every missed event, in order, none coalesced, no slow-consumer close, then live', async () => {
    // More than the loopback socket's kernel buffers take at once (the connection backs up), and than a backed-up outbox holds.
    h = await startWsHub({ websocket: { max_buffered_bytes: 1024, max_pending_messages: 100 } });
    const missed = 30_000;
    for (let i = 1; i <= missed; i += 500)
      await Promise.all(range(i, i + 499).map((n) => (n % 3 === 0 ? h.fire('Fog.Burst') : h.fire('Stage.Mode', n % 2 ? 'intro' : 'finale'))));
    const client = await h.login(h.adminToken, 0);
    expect(client.messages[0].data.resume).to.deep.equal({ afterSeq: 0, replayed: missed });
    // Accepted while the resume is being handed out: after it, once.
    const during = Promise.all(range(missed + 1, missed + 20).map(() => h.fire('Stage.Mode', 'intro')));
    await during;
    await client.waitFor((m) => m.seq === missed + 20, `seq ${missed + 20}`, 0, 15_000);
    await h.fire('Fog.Burst');
    await client.waitFor((m) => m.seq === missed + 21, 'the live event after it');
    await client.sync();
    expect(seqs(client)).to.deep.equal(range(1, missed + 21));
    expect(client.closeInfo).to.equal(undefined);
  });

  it('resumes through the auth message too (browsers), replaying only what the client may see', async () => {
    h = await startWsHub();
    const area = (await h.api('POST', '/api/areas', { name: 'Phone', entityIds: ['Dial.Number'] })).body.area.areaId;
    const { token } = (await h.api('POST', '/api/clients', { name: 'phone', areas: [area] })).body;
    await h.fire('Dial.Number', 1);
    await h.fire('Stage.Mode', 'intro');
    await h.fire('Dial.Number', 2);
    const client = await h.connect();
    client.send({ type: 'auth', token, lastSeq: 1 });
    await client.waitFor((m) => m.type === 'trigger');
    await h.fire('Dial.Number', 3);
    await client.waitFor((m) => m.seq === 4);
    expect(client.messages[0].data.resume).to.deep.equal({ afterSeq: 1, replayed: 1 });
    expect(seqs(client)).to.deep.equal([3, 4]);
    expect(client.ofType('trigger').map((m) => m.data.value)).to.deep.equal([2, 3]);
  });

  it("sends resync with the current state when the log's retention has dropped the events, then live events", async () => {
    // Segments of 4 KiB (about 30 records), one kept: the first events' segment is gone once 60 events are written.
    h = await startWsHub({ journal: { capacity: 5, segment_bytes: 4096, retain: { segments: 1 } } });
    const area = (await h.api('POST', '/api/areas', { name: 'Stage', entityIds: ['Stage.Mode', 'Stage.Power'] })).body.area.areaId;
    const { token } = (await h.api('POST', '/api/clients', { name: 'stage', areas: [area] })).body;
    await h.fire('Stage.Power', 'On');
    for (let i = 2; i <= 60; i++) await h.fire(i % 2 ? 'Stage.Mode' : 'Dial.Number', i % 2 ? 'finale' : i % 10);
    const client = await h.login(token, 1);
    const connected = client.messages[0];
    expect(connected.data.resume).to.deep.equal({ afterSeq: 1, resync: 'too_old' });
    const resync = client.messages[1];
    expect(resync.type).to.equal('resync');
    expect(resync.seq).to.equal(60);
    expect(resync.data.reason).to.equal('too_old');
    expect(Object.keys(resync.data.state).sort()).to.deep.equal(['Stage.Mode', 'Stage.Power']);
    expect(resync.data.state['Stage.Mode']).to.include({ value: 'finale', seq: 59 });
    expect(seqs(client)).to.deep.equal([]);
    await h.fire('Stage.Mode', 'intro');
    await client.waitFor((m) => m.seq === 61);
  });

  it('sends resync when the client names a seq this hub never reached', async () => {
    h = await startWsHub();
    await h.fire('Stage.Mode', 'intro');
    const client = await h.login(h.adminToken, 999);
    expect(client.messages[0].data.resume).to.deep.equal({ afterSeq: 999, resync: 'unknown_seq' });
    expect(client.messages[1]).to.deep.include({ type: 'resync', seq: 1 });
  });

  it('reads a blank ?lastSeq= as no resume, as SSE reads a blank Last-Event-ID, not as a replay from the start', async () => {
    h = await startWsHub();
    await h.fire('Stage.Mode', 'intro');
    await h.fire('Stage.Mode', 'finale');
    for (const blank of ['', '%20']) {
      const client = await h.connect({ token: h.adminToken, path: `/ws?lastSeq=${blank}` });
      const connected = await client.waitFor((m) => m.type === 'connected', 'connected');
      expect(connected.data.resume, `'${blank}'`).to.equal(undefined);
      await client.sync();
      expect(seqs(client), `'${blank}'`).to.deep.equal([]);
    }
  });

  it('closes with 4400 on a lastSeq that is not a non-negative integer', async () => {
    h = await startWsHub();
    // Not '0x2' as 2, nor '1e1' as 10: only decimal digits are a seq.
    for (const text of ['-3', '0x2', '1e1', '1.5', '2%20x', '9007199254740993']) {
      const client = await h.connect({ token: h.adminToken, path: `/ws?lastSeq=${text}` });
      expect(await client.closed(), text).to.deep.equal({ code: 4400, reason: 'lastSeq must be a non-negative integer' });
    }
    const viaAuth = await h.connect();
    viaAuth.send({ type: 'auth', token: h.adminToken, lastSeq: 'x' });
    expect(await viaAuth.closed()).to.deep.equal({ code: 4400, reason: '"lastSeq" must be a non-negative integer' });
  });
});
