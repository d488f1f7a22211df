import { expect } from 'chai';
import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { VirtualTimeScheduler } from 'rxjs';
import type { ServiceActor } from '../../../src/services/actorContracts';
import type { DatagramFactory } from '../../../src/services/datagramSocket';
import { createDelivery, type SettledResult } from '../../../src/services/delivery';
import { createOscUdpActor } from '../../../src/services/oscUdpActor';
import type { Registration } from '../../../src/services/registration';
import { resolveServiceConfig } from '../../../src/services/serviceConfig';
import type { StatusChange } from '../../../src/services/serviceStatus';
import { createCapturingLogger } from './helpers';

/** Just enough of a connected dgram socket. */
class FakeDatagram extends EventEmitter {
  readonly sent: string[] = [];
  closed = false;
  send(data: Buffer, cb: (error: Error | null) => void): void {
    this.sent.push(data.toString());
    queueMicrotask(() => cb(null));
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.emit('close'));
  }
}

const registration: Registration = { name: 'Touch', port: 10000, host: 'td.local', protocol: 'OSC_UDP', registered_at: 't', max_age_ms: 1000 };
/** Lets the promise callbacks (the factory, the send callbacks) run between virtual-time steps. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('services/oscUdpActor (virtual time)', () => {
  let scheduler: VirtualTimeScheduler;
  let sockets: FakeDatagram[];
  let opens: number[];
  let changes: StatusChange[];

  /** The factory answers each open in turn: `fail` rejects, `ok` opens a socket, a function is awaited for one of those. */
  function actor(plans: Array<'fail' | 'ok' | (() => Promise<'fail' | 'ok'>)>): ServiceActor {
    const { log } = createCapturingLogger();
    const openDatagram: DatagramFactory = async () => {
      opens.push(scheduler.now());
      const next = plans.shift() ?? 'ok';
      const plan = typeof next === 'function' ? await next() : next;
      if (plan === 'fail') throw Object.assign(new Error('no such host'), { code: 'ENOTFOUND' });
      const socket = new FakeDatagram();
      sockets.push(socket);
      return { socket: socket as unknown as Socket, target: '127.0.0.1:10000' };
    };
    return createOscUdpActor(registration, {
      scheduler,
      log,
      connect: () => {
        throw new Error('OSC_UDP opens no TCP connection');
      },
      openDatagram,
      config: resolveServiceConfig({ backoff: { baseMs: 100, factor: 2, capMs: 1000, jitter: 0 }, stableAfterMs: 5000 }),
      onStatus: (c) => changes.push(c),
    });
  }

  function deliver(a: ServiceActor, text: string): { result?: SettledResult; detail?: string } {
    const out: { result?: SettledResult; detail?: string } = {};
    a.deliver(createDelivery(Buffer.from(text), scheduler.now(), (result, detail) => Object.assign(out, { result, detail })));
    return out;
  }

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
    sockets = [];
    opens = [];
    changes = [];
  });

  it('reopens (resolving again) with backoff after a failed open, then sends what waited within its max age', async () => {
    const a = actor(['fail', 'fail', 'ok']);
    const started = a.start();
    await settle();
    expect(await started).to.equal(false);
    expect(a.status()).to.equal('backoff');
    const early = deliver(a, '/a');
    scheduler.flush(); // retry at 100
    await settle();
    scheduler.flush(); // retry at 300
    await settle();
    await settle();
    expect(opens).to.deep.equal([0, 100, 300]);
    expect(sockets[0].sent).to.deep.equal(['/a']);
    expect(early.result).to.equal('written');
    expect(a.status()).to.equal('connected');
    expect(changes.map((c) => c.status)).to.deep.equal(['backoff', 'connecting', 'backoff', 'connecting', 'connected']);
  });

  it('shows an ECONNREFUSED from the socket as backoff and keeps sending', async () => {
    const a = actor(['ok']);
    expect(await a.start()).to.equal(true);
    sockets[0].emit('error', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    expect(a.status()).to.equal('backoff');
    expect(a.detail()).to.match(/refused a datagram \(ECONNREFUSED\)/);
    const next = deliver(a, '/b');
    await settle();
    expect(sockets[0].sent).to.deep.equal(['/b']);
    expect(next.result).to.equal('written');
    scheduler.flush(); // 5 s without a refusal, with a datagram sent since
    expect(a.status()).to.equal('connected');
  });

  it('stop while the socket still opens fails what waits and resolves once the socket is closed', async () => {
    let answer!: () => void;
    const a = actor([() => new Promise<'ok'>((resolve) => (answer = () => resolve('ok')))]);
    void a.start();
    const waiting = deliver(a, '/c');
    let stopped = false;
    const stopping = a.stop().then(() => (stopped = true));
    await settle();
    expect(waiting).to.deep.equal({ result: 'failed', detail: 'service stopped' });
    expect(stopped).to.equal(false);
    answer();
    await stopping;
    expect(sockets[0].closed).to.equal(true);
    expect(sockets[0].sent).to.deep.equal([]);
    expect(a.status()).to.equal('closed');
  });

  it('stop while an open is pending that then fails still resolves', async () => {
    let answer!: () => void;
    const a = actor([() => new Promise<'fail'>((resolve) => (answer = () => resolve('fail')))]);
    void a.start();
    const stopping = a.stop();
    answer();
    await stopping;
    expect(a.status()).to.equal('closed');
  });
});
