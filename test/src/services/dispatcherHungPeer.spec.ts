import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { createServiceDispatcher, type ServiceConfig, type ServiceDispatcher, type Settlement } from '../../../src/services/dispatcher';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import type { Store } from '../../../src/storage/store';
import { createVirtualTime, type VirtualTime } from '../../helpers/virtualTime';
import { createCapturingLogger, event, onCleanup, runCleanups } from './helpers';

/** What the next connection's peer does once it accepted: read everything, or nothing ever again. */
type Peer = 'reads' | 'stops reading';

/**
 * Just enough of a net.Socket, on virtual time. A peer that stops reading never lets a write
 * complete: its bytes pile up in the socket's buffer until it pushes back, as a real one does once
 * the kernel buffers are full.
 */
class PeerSocket extends EventEmitter {
  readonly writableHighWaterMark = 16384;
  writableLength = 0;
  destroyed = false;
  private readonly callbacks: Array<(error?: Error | null) => void> = [];

  constructor(
    private readonly peer: Peer,
    private readonly time: VirtualTime,
  ) {
    super();
  }

  get writableNeedDrain(): boolean {
    return this.writableLength >= this.writableHighWaterMark;
  }
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  write(chunk: Buffer, cb: (error?: Error | null) => void): boolean {
    if (this.peer === 'reads') {
      this.time.scheduler.schedule(() => cb(null));
      return true;
    }
    this.writableLength += chunk.length;
    this.callbacks.push(cb);
    return !this.writableNeedDrain;
  }
  end(): this {
    return this.destroy();
  }
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    // As Node does: what never reached the kernel is dropped, its callbacks told so.
    for (const cb of this.callbacks.splice(0)) cb(new Error('socket destroyed'));
    this.emit('close');
    return this;
  }
}

const UTC = '2026-01-11T18:30:00';
/** Max age 100 + connect timeout 100: a write to a peer that stopped reading is cut 200 ms after dispatch. */
const CONFIG: Partial<ServiceConfig> = { maxAgeMs: 100, connectTimeoutMs: 100, backoff: { baseMs: 10, factor: 2, capMs: 50, jitter: 0 } };

describe('services/dispatcher, a TCP_SOCKET peer that stops reading (virtual time)', () => {
  let store: Store;
  let time: VirtualTime;
  let sockets: PeerSocket[];
  let settlements: Settlement[];
  let logged: string[];

  /** A dispatcher with one TCP_SOCKET service whose connections' peers do what `peers` say (then the last one again). */
  async function dispatcherTo(peers: Peer[], config: Partial<ServiceConfig> = {}): Promise<ServiceDispatcher> {
    const { log, lines } = createCapturingLogger();
    logged = lines;
    const d = createServiceDispatcher({
      store,
      log,
      scheduler: time.scheduler,
      utcNow: () => UTC,
      config: { ...CONFIG, ...config },
      defer: (fn) => time.scheduler.schedule(fn),
      connect: () => {
        const socket = new PeerSocket(peers.length > 1 ? peers.shift()! : peers[0], time);
        sockets.push(socket);
        time.scheduler.schedule(() => socket.emit('connect'));
        return socket as unknown as Socket;
      },
    });
    onCleanup(() => {
      const stopped = d.stop();
      time.advance(10_000);
      return stopped;
    });
    d.settled$.subscribe((s) => settlements.push(s));
    const registered = d.register({ name: 'Flame', host: '127.0.0.1', port: 6000 });
    let done = false;
    void registered.finally(() => (done = true));
    // The registry works across promise turns; virtual time only moves between them.
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      time.advance(0);
    }
    expect((await registered).ok).to.equal(true);
    return d;
  }

  /** One event a millisecond for `count` ms; the most events the dispatcher held for the mark at any time. */
  function dispatchEvery1ms(d: ServiceDispatcher, count: number): { first: number; last: number; mostOpen: number } {
    let mostOpen = 0;
    let first = 0;
    let last = 0;
    for (let i = 0; i < count; i++) {
      const e = event({ id: i });
      first ||= e.seq;
      last = e.seq;
      d.dispatch(e);
      time.advance(1);
      mostOpen = Math.max(mostOpen, d.openEvents());
    }
    return { first, last, mostOpen };
  }

  beforeEach(() => {
    store = createSqliteStore(':memory:');
    time = createVirtualTime();
    sockets = [];
    settlements = [];
  });

  afterEach(async function () {
    await runCleanups();
    store.close();
    if (this.currentTest?.state === 'failed') console.log(logged.slice(-40).join('\n'));
  });

  it('holds a bounded number of events for the dispatch mark, and moves the mark, when the peer stops reading', async () => {
    const d = await dispatcherTo(['stops reading']);
    const { last, mostOpen } = dispatchEvery1ms(d, 20_000);

    // Unfixed: one write that never completes pinned all 20,000 (and the mark stayed before the first).
    expect(mostOpen, 'events held for the mark').to.be.below(3000);
    expect(d.settledThrough(), 'the mark').to.be.at.least(last - 1500);
    expect(settlements.filter((s) => s.result === 'written')).to.deep.equal([]);
    // Nothing was ever written, so every event since the last give-up is unsettled, and shown so.
    const expired = settlements.filter((s) => s.result === 'expired').length;
    expect(d.unsettledEvents(), 'unsettled events')
      .to.equal(20_000 - expired)
      .and.above(0);
    const recent = await d.delivery(last - 1000, 0);
    expect(recent.map((o) => o.result)).to.deep.equal(['expired']);
  });

  it('changes nothing for a peer that reads: every event written once, the mark at the last one', async () => {
    const d = await dispatcherTo(['reads']);
    const { first, last, mostOpen } = dispatchEvery1ms(d, 5000);

    expect(mostOpen).to.be.below(1100);
    // Settled entries wait for the next sweep; they are not unsettled.
    expect(d.openEvents()).to.be.above(0);
    expect(d.unsettledEvents()).to.equal(0);
    expect(d.settledThrough()).to.equal(last);
    expect(settlements).to.have.length(last - first + 1);
    expect(settlements.every((s) => s.result === 'written')).to.equal(true);
    expect(sockets).to.have.length(1);
  });

  it('drops a connection whose write has not completed by max age + connect timeout, expires its line and reconnects', async () => {
    const d = await dispatcherTo(['stops reading', 'reads']);
    const stuck = event({ id: 1 });
    d.dispatch(stuck);
    time.advance(199);
    expect(sockets[0].destroyed, 'at dispatch + 199 ms').to.equal(false);
    time.advance(1);
    expect(sockets[0].destroyed, 'at dispatch + 200 ms').to.equal(true);
    expect(await d.delivery(stuck.seq, 0)).to.deep.equal([
      { service: 'Flame', protocol: 'TCP_SOCKET', result: 'expired', detail: 'waited longer than max age' },
    ]);
    expect(d.settledThrough()).to.equal(stuck.seq);

    time.advance(100);
    expect(sockets).to.have.length(2);
    expect(d.list()[0].status).to.equal('connected');
    const next = event({ id: 2 });
    d.dispatch(next);
    time.advance(1);
    expect((await d.delivery(next.seq, 0)).map((o) => o.result)).to.deep.equal(['written']);
  });

  it('gives up, as expired and once, an event a service still holds past max age + grace', async () => {
    // The connection drops and the next try is 10 s away: the line sits in the outbox, which expires only when touched.
    const d = await dispatcherTo(['reads'], { backoff: { baseMs: 10_000, factor: 1, capMs: 10_000, jitter: 0 } });
    sockets[0].emit('end');
    const held = event({ id: 1 });
    d.dispatch(held);
    time.advance(1200);
    expect(d.settledThrough(), 'within max age + connect timeout + margin').to.equal(held.seq - 1);
    time.advance(1);
    expect(d.settledThrough(), 'past it').to.equal(held.seq);
    const [outcome] = await d.delivery(held.seq, 0);
    expect(outcome).to.include({ result: 'expired' });
    expect(outcome.detail).to.match(/given up/);
    expect(settlements.map((s) => s.result)).to.deep.equal(['expired']);

    // The actor's own verdict comes later and is not counted again.
    d.dispatch(event({ id: 2 }));
    expect(settlements.map((s) => s.result)).to.deep.equal(['expired']);
    expect(logged.some((l) => l.includes('gave up on 1 event'))).to.equal(true);
  });
});
