import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { TriggerDef, TriggerEvent } from '../../../streams/contracts';
import { createComponents } from '../../../src/runtime/components';
import { createClock } from '../../../src/runtime/clock';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import { startHub, type TestHub } from '../../helpers/hub';
import { createVirtualTime, type VirtualTime } from '../../helpers/virtualTime';
import { waitFor } from '../../helpers/waitFor';

const EPOCH = Date.UTC(2026, 0, 1);
const catalog: TriggerDef[] = [
  { name: 'Stage.Mode', type: 'Discrete', category: 'show', values: ['idle', 'intro', 'finale'], organization: 'default' },
  { name: 'Flame.Intensity', type: 'Continuous', category: 'flame', min: 0, max: 100, organization: 'default' },
];

/**
 * The whole hub (gateway, cache, services, components, HTTP) on a TestScheduler, an in-memory
 * store, an injected catalog and a wall clock that follows virtual time: gating windows are
 * crossed by advancing the clock, never by sleeping.
 */
describe('the whole hub on virtual time', () => {
  let hub: TestHub | undefined;
  let time: VirtualTime;
  /** Every event the gateway accepted, with the virtual time its input reached the ingress. */
  let accepted: TriggerEvent[];
  /** Each POST's path and the virtual time the hub had read all of it, in order. */
  let arrivals: Array<{ path: string; at: number }>;
  /** Resolves each POST's `received` once the hub has read it. */
  const onArrival: Array<() => void> = [];
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  async function start(gating: Record<string, unknown>, more: Record<string, unknown> = {}): Promise<TestHub> {
    time = createVirtualTime();
    accepted = [];
    onArrival.length = 0;
    arrivals = [];
    hub = await startHub(
      { storage: { data_dir: ':memory:' }, trigger: { gating }, ...more },
      {
        scheduler: time.scheduler,
        clock: createClock(() => EPOCH + time.scheduler.now()),
        store: () => createSqliteStore(':memory:'),
        triggers: () => ({ triggers: new Map(catalog.map((t) => [t.name, t])), defaultOrganization: 'default' }),
        components: (config, deps) => {
          deps.committed$.subscribe((e) => accepted.push(e));
          return createComponents(config, deps);
        },
      },
    );
    // The route reports a request once its body is read: after this listener's 'end' and one turn.
    hub.runtime.server.on('request', (req: IncomingMessage) => {
      if (req.method !== 'POST') return;
      req.once('end', () =>
        setImmediate(() => {
          arrivals.push({ path: req.url ?? '', at: time.scheduler.now() });
          onArrival.shift()?.();
        }),
      );
    });
    return hub;
  }

  /**
   * Posts through the real HTTP listener; `received` resolves once the hub has the input (so the
   * test moves the clock only after it), `settled` says whether the answer came yet.
   */
  function post(path: string, body: unknown) {
    const answer = {
      settled: false,
      received: new Promise<void>((resolve) => onArrival.push(resolve)),
      done: undefined as unknown as Promise<{ status: number; body: any }>,
    };
    answer.done = fetch(hub!.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (res) => {
      answer.settled = true;
      return { status: res.status, body: await res.json() };
    });
    return answer;
  }
  const answerOf = async (path: string, body: unknown) => await post(path, body).done;

  it('rejects a trigger inside min_interval_ms (t+99) and accepts it at t+100, stamped with the virtual wall clock', async () => {
    await start({ min_interval_ms: 100 });
    time.advance(1000);
    const first = await answerOf('/api/trigger-event', { name: 'Stage.Mode', value: 'intro' });
    expect(first.status).to.equal(200);
    expect(first.body.event.timestamp).to.equal('2026-01-01T00:00:01.000Z');
    time.advance(99);
    const early = await answerOf('/api/trigger-event', { name: 'Stage.Mode', value: 'finale' });
    expect(early.status).to.equal(429);
    expect(early.body.reason).to.equal('min_interval');
    time.advance(1);
    const onTime = await answerOf('/api/trigger-event', { name: 'Stage.Mode', value: 'finale' });
    expect(onTime.status).to.equal(200);
    expect(onTime.body).to.include({ trigger_seq: 2 });
    expect(onTime.body.event.timestamp).to.equal('2026-01-01T00:00:01.100Z');
  });

  it('holds a lower priority source for cooldown_ms after a higher one (WEB blocks HTTP until t+500)', async () => {
    await start({ cooldown_ms: 500 });
    expect((await answerOf('/api/web/trigger-event', { name: 'Stage.Mode', value: 'intro' })).status).to.equal(200);
    time.advance(499);
    const blocked = await answerOf('/api/trigger-event', { name: 'Stage.Mode', value: 'finale' });
    expect(blocked.status).to.equal(429);
    expect(blocked.body.reason).to.equal('cooldown');
    time.advance(1);
    expect((await answerOf('/api/trigger-event', { name: 'Stage.Mode', value: 'finale' })).status).to.equal(200);
  });

  it('throttles a Continuous trigger: the newest value in the window is answered at its end, the replaced one 202', async () => {
    await start({ min_interval_ms: 100 });
    expect((await answerOf('/api/trigger-event', { name: 'Flame.Intensity', value: 10 })).status).to.equal(200);
    time.advance(10);
    const replaced = post('/api/trigger-event', { name: 'Flame.Intensity', value: 20 });
    await replaced.received;
    time.advance(10);
    const newest = post('/api/trigger-event', { name: 'Flame.Intensity', value: 30 });
    await newest.received;
    const superseded = await replaced.done;
    expect(superseded.status).to.equal(202);
    expect(superseded.body.reason).to.equal('superseded');
    // An answer that comes after the newest was received: the newest still waits for its window.
    expect((await answerOf('/api/trigger-event', { name: 'Stage.Mode', value: 'intro' })).status).to.equal(200);
    expect(newest.settled).to.equal(false);
    time.advance(79);
    expect((await answerOf('/api/trigger-event', { name: 'Stage.Mode', value: 'finale' })).status).to.equal(429);
    expect(newest.settled).to.equal(false);
    time.advance(1);
    const released = await newest.done;
    expect(released.status).to.equal(200);
    expect(released.body.event).to.include({ name: 'Flame.Intensity', value: 30, timestamp: '2026-01-01T00:00:00.100Z' });
    const state = (await (await fetch(hub!.url + '/api/trigger-status')).json()) as { triggers: Record<string, { value: unknown }> };
    expect(state.triggers['Flame.Intensity'].value).to.equal(30);
    // Each post reached the hub at the virtual time it names, and the newest was taken in at t+20.
    expect(arrivals.map((a) => a.at)).to.deep.equal([0, 10, 20, 20, 99]);
    expect(accepted.filter((e) => e.name === 'Flame.Intensity').map((e) => [e.value, e.receivedAt])).to.deep.equal([
      [10, 0],
      [30, 20],
    ]);
  });
  it('cuts a request still open at shutdown once shutdown.grace_ms has passed on the virtual clock', async () => {
    const running = await start({}, { shutdown: { grace_ms: 5000 } });
    const headers = new Promise<void>((resolve) => running.runtime.server.once('request', () => resolve()));
    const socket = connect(running.runtime.address().port, '127.0.0.1');
    let cut = false;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    void closed.then(() => (cut = true));
    socket.on('error', () => undefined);
    // Headers and the start of a body that never ends: a request in flight, not an idle connection.
    socket.write('POST /api/trigger-event HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name"');
    await headers;
    hub = undefined;
    const stopped = running.stop();
    await waitFor(() => !running.runtime.server.listening, 'the listener to close');
    const turns = async () => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    time.advance(4999);
    await turns();
    expect(cut, 'cut before the grace ran out').to.equal(false);
    time.advance(1);
    await closed;
    await stopped;
  });
});
