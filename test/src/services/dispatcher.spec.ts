import { expect } from 'chai';
import * as net from 'node:net';
import { asyncScheduler } from 'rxjs';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import type { Store } from '../../../src/storage/store';
import { createServiceDispatcher, REGISTRATIONS, type ServiceDispatcher, type ServiceDispatcherDeps } from '../../../src/services/dispatcher';
import type { Registration } from '../../../src/services/registration';
import type { StatusChange } from '../../../src/services/serviceStatus';
import { FAST_BACKOFF, createCapturingLogger, createShiftableScheduler, event, freePort, onCleanup, runCleanups, startService, waitFor } from './helpers';

const UTC = '2026-01-11T18:30:00';

describe('services/dispatcher', () => {
  let store: Store;
  let logged: string[];

  function dispatcher(overrides: Partial<ServiceDispatcherDeps> = {}): ServiceDispatcher {
    const { log, lines } = createCapturingLogger();
    logged = lines;
    const d = createServiceDispatcher({
      store,
      log,
      scheduler: asyncScheduler,
      utcNow: () => UTC,
      ...overrides,
      config: { connectTimeoutMs: 1000, backoff: FAST_BACKOFF, ...overrides.config },
    });
    onCleanup(() => d.stop());
    return d;
  }

  beforeEach(() => {
    store = createSqliteStore(':memory:');
  });

  afterEach(async function () {
    await runCleanups();
    store.close();
    if (this.currentTest?.state === 'failed') console.log(logged.join('\n'));
  });

  it('writes the seed line, byte for byte, to a TCP_SOCKET and a TCP_CONNECT service', async () => {
    const persistent = await startService();
    const perEvent = await startService();
    const d = dispatcher();
    const a = await d.register({ name: 'FlameServer', port: persistent.port, host: '127.0.0.1' });
    const b = await d.register({ name: 'Sound', port: perEvent.port, host: '127.0.0.1', protocol: 'TCP_CONNECT', fields: ['source', 'seq'] });
    expect(a).to.deep.equal({
      ok: true,
      registration: { name: 'FlameServer', port: persistent.port, host: '127.0.0.1', protocol: 'TCP_SOCKET', registered_at: UTC, socket_status: 'connected' },
    });
    expect(b.ok && b.registration.socket_status).to.equal('not_applicable');

    const e = event({ id: 12345 });
    d.dispatch(e);
    const outcomes = await d.delivery(e.seq, 5000);

    expect(outcomes).to.deep.equal([
      { service: 'FlameServer', protocol: 'TCP_SOCKET', result: 'written' },
      { service: 'Sound', protocol: 'TCP_CONNECT', result: 'written' },
    ]);
    const seedLine = '{"name":"RedTelephone.Button_1","value":"On","id":12345,"timestamp":"2026-01-11T18:35:00"}\n';
    await waitFor(() => persistent.bytes().length >= seedLine.length && perEvent.bytes().length > seedLine.length, 'both lines');
    expect(persistent.bytes().toString('latin1')).to.equal(seedLine);
    expect(perEvent.bytes().toString('latin1')).to.equal(`${seedLine.slice(0, -2)},"seq":${e.seq},"source":"HTTP"}\n`);
    await waitFor(() => perEvent.sockets.size === 0, 'the TCP_CONNECT connection to end');
    expect(logged.some((l) => l.includes('[Service FlameServer] connected'))).to.equal(true);
  });

  it('says through which seq every dispatched event has settled with every service (the dispatch mark)', async () => {
    const d = dispatcher();
    const none = event();
    d.dispatch(none);
    // No service: dispatched is settled.
    expect(d.settledThrough()).to.equal(none.seq);
    const service = await startService();
    await d.register({ name: 'FlameServer', port: service.port, host: '127.0.0.1' });
    const a = event();
    const b = event();
    d.dispatch(a);
    d.dispatch(b);
    // Handed to the actor, not yet written: a crash now could lose them.
    expect(d.settledThrough()).to.equal(none.seq);
    await d.delivery(b.seq, 5000);
    expect(d.settledThrough()).to.equal(b.seq);
  });

  it('answers the seed 500 when nothing listens, and keeps nothing', async () => {
    const port = await freePort();
    const d = dispatcher();
    const result = await d.register({ name: 'FlameServer', port, host: '127.0.0.1' });
    expect(result).to.deep.equal({ ok: false, status: 500, error: `Failed to establish socket connection to 127.0.0.1:${port}` });
    expect(d.list()).to.deep.equal([]);
    expect(store.collection(REGISTRATIONS).entries()).to.deep.equal([]);
  });

  it('lists registrations in the seed shape and forgets them on unregister', async () => {
    const service = await startService();
    const d = dispatcher();
    await d.register({ name: 'FlameServer', port: service.port, host: '127.0.0.1', max_age_ms: 500 });
    expect(d.list()).to.deep.equal([
      {
        name: 'FlameServer',
        port: service.port,
        host: '127.0.0.1',
        protocol: 'TCP_SOCKET',
        registered_at: UTC,
        socket_connected: true,
        status: 'connected',
        max_age_ms: 500,
      },
    ]);
    expect(store.collection<Registration>(REGISTRATIONS).get('FlameServer')?.max_age_ms).to.equal(500);

    expect(await d.unregister('FlameServer')).to.equal(true);
    expect(await d.unregister('FlameServer')).to.equal(false);
    expect(d.list()).to.deep.equal([]);
    expect(store.collection(REGISTRATIONS).entries()).to.deep.equal([]);
    await waitFor(() => service.sockets.size === 0, 'the connection to close');
  });

  it('replaces a registration of the same name and closes the old connection', async () => {
    const first = await startService();
    const second = await startService();
    const d = dispatcher();
    await d.register({ name: 'FlameServer', port: first.port, host: '127.0.0.1' });
    await waitFor(() => first.sockets.size === 1, 'the first connection');
    await d.register({ name: 'FlameServer', port: second.port, host: '127.0.0.1' });
    await waitFor(() => first.sockets.size === 0, 'the old connection to close');

    const e = event();
    d.dispatch(e);
    expect((await d.delivery(e.seq, 5000)).map((o) => o.result)).to.deep.equal(['written']);
    await waitFor(() => second.lines().length === 1, 'the line at the new address');
    expect(first.lines()).to.deep.equal([]);
    expect(d.list().map((r) => r.port)).to.deep.equal([second.port]);
  });

  it('reconnects to a TCP_SOCKET service that died and came back on the same port', async () => {
    const service = await startService();
    const d = dispatcher();
    const changes: StatusChange[] = [];
    d.status$.subscribe((c) => changes.push(c));
    await d.register({ name: 'FlameServer', port: service.port, host: '127.0.0.1', max_age_ms: 60_000 });
    const before = event({ id: 1 });
    d.dispatch(before);
    await waitFor(() => service.lines().length === 1, 'the first line');

    await service.kill();
    await waitFor(() => d.list()[0].status !== 'connected', 'the actor to notice');
    const whileDown = event({ id: 2 });
    d.dispatch(whileDown);
    const restarted = await startService(service.port);
    await waitFor(() => restarted.lines().length === 1, 'the waiting line after reconnect');
    const after = event({ id: 3 });
    d.dispatch(after);
    await waitFor(() => restarted.lines().length === 2, 'a later line');

    expect(restarted.lines().map((l) => JSON.parse(l).id)).to.deep.equal([2, 3]);
    expect((await d.delivery(whileDown.seq, 5000))[0].result).to.equal('written');
    expect(changes.map((c) => c.status)).to.include.members(['connected', 'backoff']);
    expect(changes.at(-1)?.status).to.equal('connected');
    expect(d.list()[0].socket_connected).to.equal(true);
  });

  it('never delivers an event that waited longer than max age, and delivers a fresher one', async () => {
    const clock = createShiftableScheduler();
    const service = await startService();
    const d = dispatcher({ scheduler: clock.scheduler });
    await d.register({ name: 'FlameServer', port: service.port, host: '127.0.0.1', max_age_ms: 2000 });
    await service.kill();
    await waitFor(() => d.list()[0].status !== 'connected', 'the actor to notice');

    const stale = event({ id: 10 });
    d.dispatch(stale);
    clock.advance(2500);
    const fresh = event({ id: 11 });
    d.dispatch(fresh);
    const restarted = await startService(service.port);

    expect(await d.delivery(fresh.seq, 5000)).to.deep.equal([{ service: 'FlameServer', protocol: 'TCP_SOCKET', result: 'written' }]);
    expect((await d.delivery(stale.seq, 5000))[0]).to.include({ result: 'expired' });
    await waitFor(() => restarted.lines().length === 1, 'the fresh line');
    expect(restarted.lines().map((l) => JSON.parse(l).id)).to.deep.equal([11]);
  });

  it('expires what waited past max age when the connection comes back', async () => {
    const clock = createShiftableScheduler();
    const service = await startService();
    const d = dispatcher({ scheduler: clock.scheduler });
    await d.register({ name: 'FlameServer', port: service.port, host: '127.0.0.1' }); // config default: 2000 ms
    await service.kill();
    await waitFor(() => d.list()[0].status !== 'connected', 'the actor to notice');
    const stale = event({ id: 20 });
    d.dispatch(stale);
    clock.advance(2001);
    const restarted = await startService(service.port);

    expect((await d.delivery(stale.seq, 5000))[0]).to.include({ result: 'expired' });
    await waitFor(() => d.list()[0].status === 'connected', 'the reconnect');
    const next = event({ id: 21 });
    d.dispatch(next);
    await waitFor(() => restarted.lines().length === 1, 'the next line');
    expect(restarted.lines().map((l) => JSON.parse(l).id)).to.deep.equal([21]);
  });

  it('drops the oldest waiting events when the mailbox overflows', async () => {
    const service = await startService();
    const d = dispatcher({ config: { mailboxSize: 3 } });
    await d.register({ name: 'FlameServer', port: service.port, host: '127.0.0.1', max_age_ms: 60_000 });
    await service.kill();
    await waitFor(() => d.list()[0].status !== 'connected', 'the actor to notice');

    const events = [1, 2, 3, 4, 5].map((id) => event({ id }));
    for (const e of events) d.dispatch(e);
    expect((await d.delivery(events[0].seq, 0))[0]).to.include({ result: 'overflow' });
    expect((await d.delivery(events[1].seq, 0))[0]).to.include({ result: 'overflow' });
    expect((await d.delivery(events[2].seq, 0))[0]).to.include({ result: 'queued' });

    const restarted = await startService(service.port);
    await waitFor(() => restarted.lines().length === 3, 'the three that waited');
    expect(restarted.lines().map((l) => JSON.parse(l).id)).to.deep.equal([3, 4, 5]);
    expect(logged.some((l) => l.includes('[Service FlameServer] mailbox full'))).to.equal(true);
  });

  it('keeps a line whose write failed and sends it after reconnecting', async () => {
    const service = await startService();
    let opened = 0;
    const d = dispatcher({
      config: { maxAgeMs: 60_000 },
      connect: (options) => {
        const socket = net.connect(options);
        if (++opened === 1) {
          // The first connection's writes fail, as on a peer that vanished (EPIPE).
          socket.write = ((_chunk: unknown, cb?: (error?: Error | null) => void) => {
            process.nextTick(() => cb?.(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
            return true;
          }) as typeof socket.write;
        }
        return socket;
      },
    });
    await d.register({ name: 'FlameServer', port: service.port, host: '127.0.0.1' });
    const e = event({ id: 7 });
    d.dispatch(e);

    await waitFor(() => service.lines().length === 1, 'the retried line');
    expect(JSON.parse(service.lines()[0]).id).to.equal(7);
    expect(opened).to.equal(2);
    expect((await d.delivery(e.seq, 5000))[0].result).to.equal('written');
  });

  it('does not let a service that never reads delay another one or delivery()', async () => {
    // Never reads: once the kernel buffers are full, writes to it stop completing.
    const stuck = await startService(0, { pauseOnConnect: true });
    const healthy = await startService();
    const d = dispatcher({ config: { maxAgeMs: 60_000, mailboxSize: 100_000 } });
    await d.register({ name: 'Stuck', port: stuck.port, host: '127.0.0.1' });

    const big = 'x'.repeat(1 << 20);
    let filled = false;
    for (let i = 0; i < 200 && !filled; i++) {
      const e = event({ name: big });
      d.dispatch(e);
      filled = (await d.delivery(e.seq, 100))[0].result === 'queued';
    }
    expect(filled, 'the stuck service pushes back').to.equal(true);
    await d.register({ name: 'Healthy', port: healthy.port, host: '127.0.0.1', protocol: 'TCP_CONNECT' });

    const e = event({ id: 99 });
    const startedAt = Date.now();
    d.dispatch(e);
    const outcomes = await d.delivery(e.seq, 300);
    const waited = Date.now() - startedAt;

    expect(outcomes).to.deep.equal([
      { service: 'Stuck', protocol: 'TCP_SOCKET', result: 'queued' },
      { service: 'Healthy', protocol: 'TCP_CONNECT', result: 'written' },
    ]);
    expect(waited, 'answered by its bound (generous margin)').to.be.below(2000);
    await waitFor(() => healthy.lines().some((l) => JSON.parse(l).id === 99), 'the healthy service to get its line');
  });

  it('answers delivery() asked before or after the dispatch', async () => {
    const service = await startService();
    const d = dispatcher();
    await d.register({ name: 'FlameServer', port: service.port, host: '127.0.0.1' });
    const e = event();
    const early = d.delivery(e.seq, 5000);
    d.dispatch(e);
    const late = d.delivery(e.seq, 5000);
    const expected = [{ service: 'FlameServer', protocol: 'TCP_SOCKET', result: 'written' }];
    expect(await early).to.deep.equal(expected);
    expect(await late).to.deep.equal(expected);
    expect(await d.delivery(e.seq, 5000)).to.deep.equal(expected);
  });

  it('registers OPC as the seed placeholder: unsupported, and says so once', async () => {
    const d = dispatcher();
    const result = await d.register({ name: 'Plc', port: 4840, host: '127.0.0.1', protocol: 'OPC' });
    expect(result.ok && result.registration.socket_status).to.equal('unsupported');
    const e1 = event();
    const e2 = event();
    d.dispatch(e1);
    d.dispatch(e2);
    expect(await d.delivery(e1.seq, 1000)).to.deep.equal([{ service: 'Plc', protocol: 'OPC', result: 'unsupported', detail: 'OPC is not yet supported' }]);
    expect(d.list()[0]).to.include({ status: 'unsupported', socket_connected: false });
    expect(d.health().parts?.[0]).to.include({ name: 'Plc', state: 'degraded' });
    expect(logged.filter((l) => l.includes('OPC is not yet supported'))).to.have.length(1);
  });

  it('counts the services a restore left with an open connection or socket, OSC targets included, not the connect-per-event ones', async () => {
    const service = await startService();
    const docs = store.collection<Registration>(REGISTRATIONS);
    docs.put('FlameServer', { name: 'FlameServer', port: service.port, host: '127.0.0.1', protocol: 'TCP_SOCKET', registered_at: UTC });
    docs.put('Touch', { name: 'Touch', port: await freePort(), host: '127.0.0.1', protocol: 'OSC_UDP', registered_at: UTC });
    docs.put('Relay', { name: 'Relay', port: service.port, host: '127.0.0.1', protocol: 'TCP_CONNECT', registered_at: UTC });
    const d = dispatcher();
    expect(await d.restore()).to.deep.equal({ restored: 3, imported: 0, connected: 2 });
  });

  it('restores registrations from the store and keeps retrying the unreachable ones', async () => {
    const service = await startService();
    const downPort = await freePort();
    const docs = store.collection<Registration>(REGISTRATIONS);
    docs.put('FlameServer', { name: 'FlameServer', port: service.port, host: '127.0.0.1', protocol: 'TCP_SOCKET', registered_at: UTC });
    docs.put('Lights', { name: 'Lights', port: downPort, host: '127.0.0.1', protocol: 'TCP_SOCKET', registered_at: UTC, max_age_ms: 60_000 });
    const d = dispatcher();

    expect(await d.restore()).to.deep.equal({ restored: 2, imported: 0, connected: 1 });
    expect(d.list().map((r) => [r.name, r.socket_connected])).to.deep.equal([
      ['FlameServer', true],
      ['Lights', false],
    ]);
    expect(d.health()).to.include({ state: 'degraded' });
    const e = event();
    d.dispatch(e);
    const lights = await startService(downPort);
    await waitFor(() => lights.lines().length === 1 && service.lines().length === 1, 'both services to get the line');
    await waitFor(() => d.health().state === 'ok', 'every service ready');
  });
});
