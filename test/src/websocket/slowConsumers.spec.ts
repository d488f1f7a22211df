import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import type { HavenConfig } from '../../../src/config/havenConfig';
import { createLogger } from '../../../src/log';
import { renderInto } from '../../helpers/logLines';
import { createComponents, type ComponentDeps } from '../../../src/runtime/components';
import { createVirtualTime } from '../../helpers/virtualTime';
import { waitFor } from '../../helpers/waitFor';
import { stalledReader, startWsHub, waitUntil, type WsHub } from './wsHarness';

/** Resolves once the hub holds `n` connections (it notices closes on its own side). */
function connectionsReach(h: WsHub, n: number, ms = 5000): Promise<true> {
  return waitUntil(
    (wake) => {
      const timer = setInterval(wake, 10);
      return () => clearInterval(timer);
    },
    () => (h.ws.stats().connections === n ? true : undefined),
    `${n} connections`,
    ms,
  );
}

describe('WebSocket slow and dead clients', () => {
  let h: WsHub;
  afterEach(() => h.stop());

  /** The hub's log lines at info and above, to see why it closed a connection nobody can ask. */
  let lines: string[] = [];
  const log = () => {
    lines = [];
    return createLogger('Haven', 'info', renderInto(lines));
  };
  const closedFor = (reason: string) => lines.filter((l) => l.includes('[WebSocket] closing connection') && l.includes(reason));

  // The sweep's deadlines (slow_consumer_ms, the close grace, the heartbeat) run on virtual time:
  // each test advances it past the setting it waits on, and awaits only the socket I/O.
  const CLOSE_GRACE_MS = 1000;
  // The fan-out writes at the end of each turn: its pacing (flushPacer.spec tests it on virtual
  // time) would otherwise hold every write after the first until the test moves the clock.
  const endOfTurnWrites = (config: HavenConfig, deps: ComponentDeps) => createComponents(config, deps, { websocket: { defer: setImmediate } });

  const limits = { websocket: { max_buffered_bytes: 16384, max_pending_messages: 100, slow_consumer_ms: 300, sweep_ms: 20, heartbeat_ms: 60_000 } };

  /** Fires events in bounded batches until `done()` or the cap; returns how many were fired. */
  async function flood(fire: () => Promise<void>, done: () => boolean, cap = 60_000): Promise<number> {
    let n = 0;
    while (!done() && n < cap) {
      await Promise.all(Array.from({ length: 250 }, fire));
      n += 250;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return n;
  }

  it('at stop, cuts a client that never answers the close frame once the close grace has passed on the virtual clock', async () => {
    const time = createVirtualTime();
    h = await startWsHub(limits, { log: log(), scheduler: time.scheduler, components: endOfTurnWrites });
    const port = Number(new URL(h.hub.url).port);
    h.rawSockets.push(await stalledReader(port, '/ws', h.adminToken));
    await connectionsReach(h, 1);
    let stopped = false;
    void h.ws.stop().then(() => (stopped = true));
    const turns = async () => {
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    await turns();
    time.advance(CLOSE_GRACE_MS - 1);
    await turns();
    expect(stopped, 'stopped before the close grace ran out').to.equal(false);
    time.advance(1);
    // Socket I/O only: the grace itself has passed on the virtual clock.
    await waitFor(() => stopped, 'the WebSocket component to cut the client and stop', 500);
    expect(closedFor('1001')).to.have.length(1);
  });

  it('closes a stalled reader flooded with events it cannot coalesce; other clients get every event', async () => {
    // Only the outbox bound can close it here: the time bound is out of reach.
    const time = createVirtualTime();
    h = await startWsHub(
      { websocket: { ...limits.websocket, slow_consumer_ms: 60_000 } },
      { log: log(), scheduler: time.scheduler, components: endOfTurnWrites },
    );
    const port = Number(new URL(h.hub.url).port);
    const stalled = await stalledReader(port, '/ws', h.adminToken);
    h.rawSockets.push(stalled);
    const healthy = await h.login(h.adminToken);
    expect(h.ws.stats().connections).to.equal(2);

    // Until the hub gives up on it: closing (the close frame cannot get through), then terminated.
    const fired = await flood(
      () => h.fire('Fog.Burst'),
      () => h.ws.stats().byStatus.closing === 1 || h.ws.stats().connections < 2,
    );
    expect(fired).to.be.below(60_000, 'the stalled reader was never closed');
    time.advance(CLOSE_GRACE_MS + limits.websocket.sweep_ms);
    await connectionsReach(h, 1);
    expect(closedFor('4008 slow consumer')).to.have.length(1);
    await h.fire('Fog.Burst');
    const last = h.hub.runtime.lastSeq();
    await healthy.waitFor((m) => m.seq === last, `seq ${last}`, 0, 10_000);
    const seqs = healthy.ofType('trigger').map((m) => m.seq);
    expect(seqs).to.have.length(last);
    expect(seqs.every((s, i) => s === i + 1)).to.equal(true, 'the healthy client lost or reordered events');
  });

  it('closes a stalled reader of coalescable state once it stays backed up past slow_consumer_ms', async () => {
    const time = createVirtualTime();
    h = await startWsHub(limits, { log: log(), scheduler: time.scheduler, components: endOfTurnWrites });
    const port = Number(new URL(h.hub.url).port);
    const stalled = await stalledReader(port, '/ws', h.adminToken);
    h.rawSockets.push(stalled);
    const healthy = await h.login(h.adminToken);
    let i = 0;
    const next = () => {
      const j = i++;
      return j % 2 ? h.fire('Stage.Mode', j % 4 === 1 ? 'intro' : 'finale') : h.fire('Dial.Number', (j / 2) % 10);
    };
    // Two triggers' state only: coalescing keeps the outbox tiny, so only the time bound can close it.
    await flood(next, () => h.ws.stats().byStatus.backed_up === 1);
    expect(h.ws.stats().byStatus.backed_up).to.equal(1);
    expect(closedFor('slow consumer')).to.deep.equal([]);
    time.advance(limits.websocket.slow_consumer_ms + limits.websocket.sweep_ms);
    time.advance(CLOSE_GRACE_MS + limits.websocket.sweep_ms);
    await connectionsReach(h, 1);
    expect(closedFor('4008 slow consumer')).to.have.length(1);
    await healthy.sync();
    expect(healthy.closeInfo).to.equal(undefined);
  });

  it('reaps a connection that stops answering pings, and keeps one that answers', async () => {
    const time = createVirtualTime();
    h = await startWsHub({ websocket: { heartbeat_ms: 100, sweep_ms: 20 } }, { scheduler: time.scheduler, components: endOfTurnWrites });
    const port = Number(new URL(h.hub.url).port);
    // Reads everything (so it is not slow) but never answers a ping: a half-dead peer.
    const mute: Socket = connect(port, '127.0.0.1');
    h.rawSockets.push(mute);
    mute.write(
      [
        'GET /ws HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        `Authorization: Bearer ${h.adminToken}`,
        '',
        '',
      ].join('\r\n'),
    );
    mute.resume();
    const muteClosed = new Promise((resolve) => mute.once('close', resolve));
    const alive = await h.login(h.adminToken);
    let pings = 0;
    alive.ws.on('ping', () => pings++);
    // One heartbeat: both are pinged; the answer of the live one is back before its sync's.
    const beat = async () => {
      const before = pings;
      time.advance(100);
      await waitUntil(
        (wake) => (alive.ws.on('ping', wake), () => alive.ws.off('ping', wake)),
        () => (pings > before ? true : undefined),
        'a ping',
      );
      await alive.sync();
    };
    for (let i = 0; i < 3; i++) await beat();
    await muteClosed;
    await waitUntil(
      (wake) => (alive.ws.on('ping', wake), () => alive.ws.off('ping', wake)),
      () => (pings >= 3 ? true : undefined),
      '3 pings',
    );
    await alive.sync();
    expect(alive.closeInfo).to.equal(undefined);
    expect(h.ws.stats().connections).to.equal(1);
  });
});
