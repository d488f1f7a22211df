import { expect } from 'chai';
import { asyncScheduler } from 'rxjs';
import { createServiceDispatcher, type ServiceDispatcher } from '../../../src/services/dispatcher';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import type { Store } from '../../../src/storage/store';
import { createCapturingLogger, event, freePort, onCleanup, runCleanups, startService, waitFor } from './helpers';

describe('services TCP_CONNECT and stop', () => {
  let store: Store;

  beforeEach(() => {
    store = createSqliteStore(':memory:');
  });

  afterEach(async () => {
    await runCleanups();
    store.close();
  });

  function dispatcher(connectConcurrency = 8): ServiceDispatcher {
    const d = createServiceDispatcher({
      store,
      log: createCapturingLogger().log,
      scheduler: asyncScheduler,
      utcNow: () => 'now',
      config: { connectTimeoutMs: 1000, connectConcurrency, maxAgeMs: 60_000 },
    });
    onCleanup(() => d.stop());
    return d;
  }

  it('opens one connection per event, at most connectConcurrency at a time, in order', async () => {
    const service = await startService();
    const d = dispatcher(2);
    await d.register({ name: 'Sound', port: service.port, host: '127.0.0.1', protocol: 'TCP_CONNECT' });
    const events = Array.from({ length: 10 }, (_, i) => event({ id: i + 1 }));
    for (const e of events) d.dispatch(e);
    const outcomes = await Promise.all(events.map((e) => d.delivery(e.seq, 5000)));

    expect(outcomes.flat().map((o) => o.result)).to.deep.equal(Array(10).fill('written'));
    await waitFor(() => service.lines().length === 10, 'ten lines');
    expect(service.connections()).to.equal(10);
    expect(service.lines().map((l) => JSON.parse(l).id)).to.have.members(events.map((e) => e.id));
  });

  it('reports failed with the reason when nothing listens, and recovers when the service is back', async () => {
    const port = await freePort();
    const d = dispatcher();
    const reg = await d.register({ name: 'Sound', port, host: '127.0.0.1', protocol: 'TCP_CONNECT' });
    expect(reg.ok).to.equal(true); // TCP_CONNECT registers without connecting
    const e = event();
    d.dispatch(e);
    expect(await d.delivery(e.seq, 5000)).to.deep.equal([{ service: 'Sound', protocol: 'TCP_CONNECT', result: 'failed', detail: 'ECONNREFUSED' }]);
    expect(d.list()[0]).to.include({ status: 'backoff', socket_connected: false });
    expect(d.health()).to.include({ state: 'degraded' });

    const service = await startService(port);
    const next = event();
    d.dispatch(next);
    expect((await d.delivery(next.seq, 5000))[0].result).to.equal('written');
    expect(d.list()[0].status).to.equal('connected');
    await waitFor(() => service.lines().length === 1, 'the line');
  });

  it('stop() closes every connection cleanly and completes status$; a second stop waits for the first', async () => {
    const service = await startService();
    const d = dispatcher();
    let completed = false;
    d.status$.subscribe({ complete: () => (completed = true) });
    await d.register({ name: 'Flame', port: service.port, host: '127.0.0.1' });
    await waitFor(() => service.sockets.size === 1, 'the connection');

    const first = d.stop();
    const second = d.stop();
    expect(second).to.equal(first);
    await first;
    await waitFor(() => service.sockets.size === 0, 'the service to see the connection close');
    expect(completed).to.equal(true);
    expect(d.health()).to.include({ state: 'stopped' });
    expect(await d.register({ name: 'Late', port: service.port, host: '127.0.0.1' })).to.include({ ok: false });
  });
});
