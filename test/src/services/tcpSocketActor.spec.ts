import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { VirtualTimeScheduler } from 'rxjs';
import { createDelivery, type SettledResult } from '../../../src/services/delivery';
import type { Registration } from '../../../src/services/registration';
import type { ServiceActor } from '../../../src/services/actorContracts';
import { resolveServiceConfig, type ServiceConfig } from '../../../src/services/serviceConfig';
import type { StatusChange } from '../../../src/services/serviceStatus';
import { createTcpSocketActor } from '../../../src/services/tcpSocketActor';
import { createCapturingLogger } from './helpers';

/** What the next connection does: refuse at once, accept (and maybe drop `dropAfter` ms later), or never answer. */
type Plan = { readonly connect: 'refuse' | 'accept' | 'hang'; readonly dropAfter?: number };

/** Just enough of a net.Socket, driven by the virtual scheduler. */
class FakeSocket extends EventEmitter {
  readonly written: string[] = [];
  keepAlive: [boolean, number] | undefined;
  noDelay = false;
  ended = false;
  destroyed = false;
  writableNeedDrain = false;
  writableHighWaterMark = 16384;
  writableLength = 0;
  setKeepAlive(on: boolean, ms: number): this {
    this.keepAlive = [on, ms];
    return this;
  }
  setNoDelay(on: boolean): this {
    this.noDelay = on;
    return this;
  }
  cork(): void {}
  uncork(): void {}
  failWrites = false;
  write(chunk: Buffer, cb: (error?: Error | null) => void): boolean {
    if (this.failWrites) {
      cb(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }));
      return false;
    }
    this.written.push(chunk.toString());
    cb(null);
    return true;
  }
  end(): this {
    this.ended = true;
    return this.destroy();
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit('close');
    }
    return this;
  }
}

const registration: Registration = { name: 'Flame', port: 6000, host: 'flame.local', protocol: 'TCP_SOCKET', registered_at: 't', max_age_ms: 1000 };

describe('services/tcpSocketActor (virtual time)', () => {
  let scheduler: VirtualTimeScheduler;
  let sockets: FakeSocket[];
  let connectedAt: number[];
  let changes: StatusChange[];
  let logged: string[];

  function actor(plans: Plan[], config: Partial<ServiceConfig> = {}): ServiceActor {
    const { log, lines } = createCapturingLogger();
    logged = lines;
    return createTcpSocketActor(registration, {
      scheduler,
      log: log.child('Service Flame'),
      config: resolveServiceConfig({ backoff: { baseMs: 100, factor: 2, capMs: 1000, jitter: 0 }, connectTimeoutMs: 2000, stableAfterMs: 5000, ...config }),
      onStatus: (c) => changes.push(c),
      connect: () => {
        const socket = new FakeSocket();
        const plan = plans.shift() ?? { connect: 'accept' };
        sockets.push(socket);
        connectedAt.push(scheduler.now());
        if (plan.connect === 'refuse') {
          scheduler.schedule(() => socket.emit('error', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 0);
        } else if (plan.connect === 'accept') {
          scheduler.schedule(() => socket.emit('connect'), 0);
          if (plan.dropAfter !== undefined) scheduler.schedule(() => socket.emit('end'), plan.dropAfter);
        }
        return socket as unknown as Socket;
      },
    });
  }

  function deliver(a: ServiceActor, text: string): { result?: SettledResult } {
    const out: { result?: SettledResult } = {};
    a.deliver(createDelivery(Buffer.from(text), scheduler.now(), (result) => (out.result = result)));
    return out;
  }

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
    sockets = [];
    connectedAt = [];
    changes = [];
  });

  it('retries with exponential backoff and resets it only after a connection stayed up', async () => {
    // refused at 0, 100, 300; up at 700, stable at 5700, dropped at 6700: the next try is 100 ms later.
    const a = actor([{ connect: 'refuse' }, { connect: 'refuse' }, { connect: 'refuse' }, { connect: 'accept', dropAfter: 6000 }]);
    const started = a.start();
    scheduler.flush();
    expect(await started).to.equal(false);
    expect(connectedAt).to.deep.equal([0, 100, 300, 700, 6800]);
    expect(sockets[3].keepAlive).to.deep.equal([true, 1000]);
    expect(sockets[3].noDelay).to.equal(true);
    expect(a.status()).to.equal('connected');
  });

  it('sets keepalive in whole seconds, rounded up (the kernel would refuse 500 ms as 0 s and keep its 2 h), and off for 0', async () => {
    for (const [keepaliveMs, set] of [
      [500, [true, 1000]],
      [1500, [true, 2000]],
      [3000, [true, 3000]],
      [0, [false, 0]],
    ] as const) {
      sockets = [];
      const a = actor([{ connect: 'accept' }], { keepaliveMs });
      const started = a.start();
      scheduler.flush();
      expect(await started).to.equal(true);
      expect(sockets[0].keepAlive, `keepalive_ms ${keepaliveMs}`).to.deep.equal(set);
      await a.stop();
    }
  });

  it('keeps growing the delay when a connection drops before it was stable', () => {
    // up at 0, dropped at 1000 → retry 1100, up, dropped at once → retry after 200 → 1300.
    const a = actor([{ connect: 'accept', dropAfter: 1000 }, { connect: 'accept', dropAfter: 0 }, { connect: 'accept' }]);
    void a.start();
    scheduler.flush();
    expect(connectedAt).to.deep.equal([0, 1100, 1300]);
  });

  it('gives up a connect that does not answer within the connect timeout', () => {
    const a = actor([{ connect: 'hang' }, { connect: 'accept' }]);
    void a.start();
    scheduler.flush();
    expect(connectedAt).to.deep.equal([0, 2100]);
    expect(sockets[0].destroyed).to.equal(true);
    expect(changes.map((c) => c.status)).to.deep.equal(['backoff', 'connecting', 'connected']);
    expect(changes[0].detail).to.match(/connect timeout after 2000 ms; retry in 100 ms/);
  });

  it('logs every transition in one place', () => {
    const a = actor([{ connect: 'refuse' }, { connect: 'accept' }]);
    void a.start();
    scheduler.flush();
    void a.stop();
    const transitions = logged.map((l) => l.replace(/^\S+ \S+\s+/, '')).filter((l) => l.startsWith('[Service Flame]'));
    expect(transitions.map((l) => l.split(' ')[2])).to.deep.equal(['backoff', 'connecting', 'connected', 'closed']);
    expect(transitions[2]).to.equal('[Service Flame] connected (flame.local:6000)');
  });

  it('delivers what waited, in order, once connected; expires what waited past max age', () => {
    const a = actor([{ connect: 'hang' }, { connect: 'accept' }]);
    void a.start();
    const stale = deliver(a, 'stale\n'); // t=0; the connect hangs until 2000, reconnect at 2100
    scheduler.schedule(() => deliver(a, 'fresh-1\n'), 1500);
    scheduler.schedule(() => deliver(a, 'fresh-2\n'), 1600);
    scheduler.flush();
    expect(stale.result).to.equal('expired');
    expect(sockets[1].written).to.deep.equal(['fresh-1\nfresh-2\n']);
  });

  it('writes the deliveries of one turn in one write, in order, and settles each', async () => {
    const a = actor([{ connect: 'accept' }]);
    void a.start();
    scheduler.flush();
    const outcomes = ['a', 'b', 'c'].map((line) => deliver(a, `${line}\n`));
    expect(sockets[0].written).to.deep.equal([]); // not before the turn ends
    await new Promise((resolve) => setImmediate(resolve));
    expect(sockets[0].written).to.deep.equal(['a\nb\nc\n']);
    expect(outcomes.map((o) => o.result)).to.deep.equal(['written', 'written', 'written']);
    deliver(a, 'd\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(sockets[0].written).to.deep.equal(['a\nb\nc\n', 'd\n']);
  });

  it('writes a burst larger than the mailbox on a healthy connection, dropping none', async () => {
    const a = actor([{ connect: 'accept' }], { mailboxSize: 10 });
    void a.start();
    scheduler.flush();
    const lines = Array.from({ length: 25 }, (_, i) => `line-${i}\n`);
    const outcomes = lines.map((line) => deliver(a, line));
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes.map((o) => o.result)).to.deep.equal(lines.map(() => 'written'));
    expect(sockets[0].written.join('')).to.equal(lines.join(''));
  });

  it('takes no more into one write than the socket holds before pushing back; the rest follows', async () => {
    const a = actor([{ connect: 'accept' }]);
    void a.start();
    scheduler.flush();
    sockets[0].writableHighWaterMark = 10;
    for (const line of ['aaaaa\n', 'bbbbb\n', 'ccccc\n']) deliver(a, line);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sockets[0].written).to.deep.equal(['aaaaa\nbbbbb\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sockets[0].written).to.deep.equal(['aaaaa\nbbbbb\n', 'ccccc\n']);
  });

  it('puts a batch whose write failed back in front and writes it on the next connection', async () => {
    const a = actor([{ connect: 'accept' }, { connect: 'accept' }]);
    void a.start();
    scheduler.flush();
    sockets[0].failWrites = true;
    const outcomes = ['a', 'b'].map((line) => deliver(a, `${line}\n`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes.map((o) => o.result)).to.deep.equal([undefined, undefined]);
    const later = deliver(a, 'c\n'); // waits: the connection is down
    scheduler.flush(); // reconnects after the backoff
    expect(sockets[1].written).to.deep.equal(['a\nb\nc\n']);
    expect([...outcomes, later].map((o) => o.result)).to.deep.equal(['written', 'written', 'written']);
  });

  it('treats a deliberate stop as no failure: closed, no retry, waiting deliveries failed', async () => {
    const a = actor([{ connect: 'accept' }]);
    void a.start();
    scheduler.flush();
    sockets[0].writableNeedDrain = true; // pushes back: the next one waits
    const waiting = deliver(a, 'late');
    const stopped = a.stop();
    scheduler.flush();
    await stopped;
    expect(waiting.result).to.equal('failed');
    expect(sockets[0].ended).to.equal(true);
    expect(connectedAt).to.deep.equal([0]);
    expect(a.status()).to.equal('closed');
    expect(changes.map((c) => c.status)).to.deep.equal(['connected', 'closed']);
    expect(deliver(a, 'after').result).to.equal('failed');
    await a.stop(); // re-entrant
  });

  it('gives up after maxAttempts and fails what waits', () => {
    const a = actor([{ connect: 'refuse' }, { connect: 'refuse' }, { connect: 'refuse' }], { backoff: { baseMs: 100, jitter: 0, maxAttempts: 2 } });
    void a.start();
    const waiting = deliver(a, 'x');
    scheduler.flush();
    expect(connectedAt).to.deep.equal([0, 100, 300]);
    expect(a.status()).to.equal('closed');
    expect(waiting.result).to.equal('failed');
  });
});
