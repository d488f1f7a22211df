import { expect } from 'chai';
import { startHub, type TestHub } from '../../helpers/hub';
import { freePort, startLineServer, type LineServer } from '../../helpers/lineServer';

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function call(hub: TestHub, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(hub.url + path, init);
  return { status: res.status, body: await res.json() };
}

describe('trigger dispatch API (seed 000) over real HTTP and TCP', () => {
  let hub: TestHub;
  let services: LineServer[] = [];

  afterEach(async () => {
    await hub?.stop();
    await Promise.all(services.map((s) => s.close()));
    services = [];
  });

  async function service(): Promise<LineServer> {
    const s = await startLineServer();
    services.push(s);
    return s;
  }

  it('answers the seed examples and dispatches to a TCP_SOCKET and a TCP_CONNECT service', async () => {
    hub = await startHub();
    const flame = await service();
    const sound = await service();

    const reg = await call(hub, '/api/register', json({ name: 'FlameServer', port: flame.port, protocol: 'TCP_SOCKET' }));
    expect(reg.status).to.equal(200);
    expect(reg.body.message).to.equal('Service registered successfully');
    expect(reg.body.registration).to.include({ name: 'FlameServer', port: flame.port, host: 'localhost', protocol: 'TCP_SOCKET', socket_status: 'connected' });
    expect(reg.body.registration.registered_at).to.be.a('string');
    const reg2 = await call(hub, '/api/register', json({ name: 'SoundServer', port: sound.port, host: '127.0.0.1', protocol: 'TCP_CONNECT' }));
    expect(reg2.status).to.equal(200);

    const list = await call(hub, '/api/registrations');
    expect(list.body.services.map((s: any) => [s.name, s.protocol])).to.deep.equal([
      ['FlameServer', 'TCP_SOCKET'],
      ['SoundServer', 'TCP_CONNECT'],
    ]);
    expect(list.body.services[0]).to.include({ name: 'FlameServer', port: flame.port, host: 'localhost', socket_connected: true });

    const status = await call(hub, '/api/trigger-status', json({ name: 'RedTelephone.Button_1', value: 'Off', id: 12340 }));
    expect(status.status).to.equal(200);
    expect(status.body).to.include({ message: 'Trigger status updated', trigger: 'RedTelephone.Button_1', value: 'Off', id: 12340 });

    const event = await call(hub, '/api/trigger-event', json({ name: 'RedTelephone.Button_1', value: 'On', id: 12345 }));
    expect(event.status).to.equal(200);
    expect(event.body.message).to.equal('Trigger event received and dispatched');
    expect(event.body.event).to.have.all.keys('name', 'value', 'id', 'timestamp');
    expect(event.body.event).to.include({ name: 'RedTelephone.Button_1', value: 'On', id: 12345 });
    expect(new Date(event.body.event.timestamp).toISOString()).to.equal(event.body.event.timestamp);
    expect(event.body.dispatched_to).to.equal(2);

    const expected = JSON.stringify({ name: 'RedTelephone.Button_1', value: 'On', id: 12345, timestamp: event.body.event.timestamp });
    expect(await flame.waitForLines(1)).to.deep.equal([expected]);
    expect(await sound.waitForLines(1)).to.deep.equal([expected]);

    // Status updates only touch the cache: services got exactly one line each.
    expect(flame.lines).to.have.length(1);

    await call(hub, '/api/trigger-event', json({ name: 'Dial.Number', value: 5, id: 12346 }));
    const cache = await call(hub, '/api/trigger-status');
    expect(cache.body.count).to.equal(2);
    expect(cache.body.triggers['RedTelephone.Button_1']).to.include({ value: 'On', id: 12345, type: 'On/Off' });
    expect(cache.body.triggers['Dial.Number']).to.include({ value: 5, id: 12346, type: 'Discrete' });
    expect(cache.body.triggers['Dial.Number']).to.have.all.keys('value', 'id', 'timestamp', 'type');

    const gone = await call(hub, '/api/register/SoundServer', { method: 'DELETE' });
    expect(gone).to.deep.equal({ status: 200, body: { message: 'Service unregistered successfully' } });
    expect((await call(hub, '/api/registrations')).body.services).to.have.length(1);
  });

  it('answers the seed error bodies: unknown trigger 404, unreachable service 500', async () => {
    hub = await startHub();
    const unknown = await call(hub, '/api/trigger-event', json({ name: 'UnknownTrigger', value: 'On' }));
    expect(unknown).to.deep.equal({ status: 404, body: { error: "Trigger 'UnknownTrigger' not found in configuration" } });

    const port = await freePort();
    const failed = await call(hub, '/api/register', json({ name: 'FlameServer', port, host: '127.0.0.1' }));
    expect(failed).to.deep.equal({ status: 500, body: { error: `Failed to establish socket connection to 127.0.0.1:${port}` } });
    expect((await call(hub, '/api/registrations')).body.services).to.deep.equal([]);

    const missing = await call(hub, '/api/register/Nobody', { method: 'DELETE' });
    expect(missing.status).to.equal(404);
    expect(missing.body.error).to.match(/Nobody/);
  });

  it('rejects bad bodies with 400 and says what is wrong, then keeps serving', async () => {
    hub = await startHub();
    const notJson = await call(hub, '/api/trigger-event', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' });
    expect(notJson.status).to.equal(400);
    expect(notJson.body.error).to.equal('Invalid JSON body');

    // Too large a body is a 413 that says the limit, on the fast path and through Koa alike.
    const huge = JSON.stringify({ name: 'Dial.Number', value: 4, pad: 'x'.repeat(70 * 1024) });
    for (const path of ['/api/trigger-event', '/api/trigger-status']) {
      const tooLarge = await call(hub, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: huge });
      expect(tooLarge, path).to.deep.equal({ status: 413, body: { error: 'Request body too large (limit 65536 bytes)' } });
    }

    const noName = await call(hub, '/api/trigger-event', json({ value: 'On' }));
    expect(noName.status).to.equal(400);
    expect(noName.body.error).to.match(/must have required property 'name'/);

    const badId = await call(hub, '/api/trigger-event', json({ name: 'RedTelephone.Button_1', value: 'On', id: 'x' }));
    expect(badId.status).to.equal(400);
    expect(badId.body.error).to.match(/\/id must be integer/);

    const badPort = await call(hub, '/api/register', json({ name: 'X', port: 70000, protocol: 'UDP' }));
    expect(badPort.status).to.equal(400);
    expect(badPort.body.details).to.have.length(2);

    const badValue = await call(hub, '/api/trigger-event', json({ name: 'Dial.Number', value: 42 }));
    expect(badValue.status).to.equal(400);
    expect(badValue.body.reason).to.equal('invalid_value');

    const ok = await call(hub, '/api/trigger-event', json({ name: 'Dial.Number', value: 4 }));
    expect(ok.status).to.equal(200);
    expect(ok.body.trigger_seq).to.equal(1);
  });

  it('answers gated events with a clear status and reason, and dispatches a retry only once', async () => {
    hub = await startHub({ trigger: { gating: { min_interval_ms: 60_000, whitelist: { WEB: ['10.0.0.0/8'] } } } });
    const flame = await service();
    await call(hub, '/api/register', json({ name: 'FlameServer', port: flame.port, host: '127.0.0.1' }));

    const first = await call(hub, '/api/trigger-event', json({ name: 'RedTelephone.Button_1', value: 'On', id: 10 }));
    expect(first.status).to.equal(200);
    const retry = await call(hub, '/api/trigger-event', json({ name: 'RedTelephone.Button_1', value: 'On', id: 10 }));
    expect(retry.status).to.equal(200);
    expect(retry.body).to.include({ reason: 'duplicate', dispatched_to: 0 });
    const tooSoon = await call(hub, '/api/trigger-event', json({ name: 'RedTelephone.Button_1', value: 'Off', id: 11 }));
    expect(tooSoon.status).to.equal(429);
    expect(tooSoon.body.reason).to.equal('min_interval');
    const stale = await call(hub, '/api/trigger-status', json({ name: 'RedTelephone.Button_1', value: 'Off', id: 9 }));
    expect(stale.status).to.equal(409);
    expect(stale.body.reason).to.equal('stale');
    expect(stale.body.error).to.match(/10/);

    // The rejected inputs changed nothing: the cache still holds id 10, the next accepted seq is 2.
    expect((await call(hub, '/api/trigger-status')).body.triggers['RedTelephone.Button_1']).to.include({ value: 'On', id: 10 });
    const other = await call(hub, '/api/trigger-event', json({ name: 'Dial.Number', value: 3 }));
    expect(other.body.trigger_seq).to.equal(2);
    await flame.waitForLines(2);
    expect(flame.lines.map((l) => JSON.parse(l).name)).to.deep.equal(['RedTelephone.Button_1', 'Dial.Number']);
  });

  it('gives 1,000 concurrent POSTs unique, strictly increasing sequence numbers with no gaps', async () => {
    hub = await startHub();
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => call(hub, '/api/trigger-event', json({ name: i % 2 ? 'Fog.Burst' : 'Flame.Intensity', value: i % 100 }))),
    );
    expect(answers.every((a) => a.status === 200)).to.equal(true);
    const seqs = answers.map((a) => a.body.trigger_seq as number).sort((a, b) => a - b);
    expect(new Set(seqs).size).to.equal(1000);
    expect(seqs[0]).to.equal(1);
    expect(seqs[999]).to.equal(1000);
    expect(hub.runtime.lastSeq()).to.equal(1000);
  });

  it('keeps registrations, cache and sequence across a restart and reconnects the service', async () => {
    hub = await startHub();
    const dataDir = hub.config.storage.data_dir;
    const flame = await service();
    await call(hub, '/api/register', json({ name: 'FlameServer', port: flame.port, host: '127.0.0.1' }));
    await call(hub, '/api/trigger-event', json({ name: 'RedTelephone.Button_1', value: 'On', id: 7 }));
    await call(hub, '/api/trigger-event', json({ name: 'Dial.Number', value: 2, id: 8 }));
    await flame.waitForLines(2);
    await hub.stop({ keepData: true });

    hub = await startHub({}, { dataDir });
    expect((await call(hub, '/api/registrations')).body.services.map((s: any) => s.name)).to.deep.equal(['FlameServer']);
    const cache = (await call(hub, '/api/trigger-status')).body;
    expect(cache.triggers['RedTelephone.Button_1']).to.include({ value: 'On', id: 7 });
    expect(cache.triggers['Dial.Number']).to.include({ value: 2, id: 8 });
    // The id order survives too: an old id is stale after the restart.
    expect((await call(hub, '/api/trigger-event', json({ name: 'RedTelephone.Button_1', value: 'Off', id: 6 }))).status).to.equal(409);
    const next = await call(hub, '/api/trigger-event', json({ name: 'RedTelephone.Button_1', value: 'Off', id: 9 }));
    expect(next.body.trigger_seq).to.equal(3);
    await flame.waitForLines(3);
    expect(JSON.parse(flame.lines[2])).to.include({ value: 'Off', id: 9 });
  });

  it('answers /healthz and lists every part in /readyz', async () => {
    hub = await startHub();
    expect(await call(hub, '/healthz')).to.deep.equal({ status: 200, body: { status: 'ok' } });
    const ready = await call(hub, '/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.body.components.map((c: any) => c.name)).to.include.members(['gateway']);
  });
});
