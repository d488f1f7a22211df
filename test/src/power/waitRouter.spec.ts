import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { createApp } from '../../../src/api/createApp';
import { createLogger } from '../../../src/log';
import { createWaitRouter } from '../../../src/power/routes/waitRouter';
import { waitFor } from './powerTestKit';

describe('GET /api/wait in virtual time', () => {
  let server: Server;
  let url: string;
  let scheduler: VirtualTimeScheduler;
  let stopping$: Subject<void>;

  beforeEach(async () => {
    scheduler = new VirtualTimeScheduler();
    stopping$ = new Subject<void>();
    const app = createApp({ log: createLogger('test', 'silent'), routers: [createWaitRouter({ scheduler, maxWaitS: 600, stopping$ })] });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A request whose settlement the test can observe without awaiting it. */
  function pending(path: string, signal?: AbortSignal) {
    const state: { settled: boolean; status?: number; body?: unknown } = { settled: false };
    const done = fetch(url + path, { signal })
      .then(async (res) => Object.assign(state, { settled: true, status: res.status, body: await res.json() }))
      .catch(() => Object.assign(state, { settled: true }));
    return { state, done };
  }

  it('answers only when the scheduler has moved past the duration', async () => {
    const req = pending('/api/wait?duration=300');
    await waitFor(() => scheduler.actions.length === 1, 'the wait to be scheduled');
    expect(scheduler.actions[0].delay).to.equal(300_000);
    expect(req.state.settled).to.equal(false);
    scheduler.flush();
    await req.done;
    expect(req.state).to.deep.include({ status: 200, body: { waiting: false, duration: 300 } });
  });

  it('answers 503 at once when the hub shuts down during the wait', async () => {
    const req = pending('/api/wait?duration=300');
    await waitFor(() => scheduler.actions.length === 1, 'the wait to be scheduled');
    stopping$.next();
    await req.done;
    expect(req.state).to.deep.include({ status: 503, body: { error: 'The hub is shutting down; the wait was cut short' } });
  });

  it('frees the timer of a client that hangs up', async () => {
    const abort = new AbortController();
    const req = pending('/api/wait?duration=300', abort.signal);
    await waitFor(() => scheduler.actions.length === 1, 'the wait to be scheduled');
    abort.abort();
    await req.done;
    await waitFor(() => scheduler.actions.length === 0 || scheduler.actions.every((a) => a.closed), 'the timer to be released');
  });
});
