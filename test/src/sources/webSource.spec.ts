import { expect } from 'chai';
import { wireWebSource } from '../../../src/runtime/components';
import { startHub, type TestHub } from '../../helpers/hub';
import { startLineServer, type LineServer } from '../../helpers/lineServer';

type Overrides = Parameters<typeof startHub>[0];

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function post(hub: TestHub, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(hub.url + path, json(body));
  return { status: res.status, body: await res.json() };
}

describe('WEB source (HMI / dashboard) over real HTTP', () => {
  let hub: TestHub | undefined;
  let service: LineServer | undefined;

  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
    await service?.close();
    service = undefined;
  });

  const start = async (overrides: Overrides = {}) => (hub = await startHub(overrides, { components: (config, deps) => [wireWebSource(config, deps)] }));

  it('reports an event as source WEB, answers like the HTTP API, and the service receives it', async () => {
    await start();
    service = await startLineServer();
    expect((await post(hub!, '/api/register', { name: 'Panel', port: service.port, host: '127.0.0.1', fields: ['source'] })).status).to.equal(200);
    const res = await post(hub!, '/api/web/trigger-event', { name: 'Stage.Mode', value: 'finale', id: 4 });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ message: 'Trigger event received and dispatched', dispatched_to: 1, trigger_seq: 1 });
    expect(res.body.event).to.include({ name: 'Stage.Mode', value: 'finale', id: 4 });
    const [line] = await service.waitForLines(1);
    expect(JSON.parse(line)).to.include({ name: 'Stage.Mode', value: 'finale', source: 'WEB' });
  });

  it('updates the cache with a status, without dispatching', async () => {
    await start();
    const res = await post(hub!, '/api/web/trigger-status', { name: 'Door.Sensor', value: 'On', id: 2 });
    expect(res).to.deep.equal({ status: 200, body: { message: 'Trigger status updated', trigger: 'Door.Sensor', value: 'On', id: 2, trigger_seq: 1 } });
    const cache = (await (await fetch(`${hub!.url}/api/trigger-status`)).json()) as any;
    expect(cache.triggers['Door.Sensor']).to.include({ value: 'On', id: 2 });
  });

  it('answers bad input in HTTP terms: 400 with every problem, 404 for an unknown trigger', async () => {
    await start();
    const bad = await post(hub!, '/api/web/trigger-event', { value: 1, extra: true });
    expect(bad.status).to.equal(400);
    expect(bad.body.details).to.deep.equal(["(body) must have required property 'name'", "(body) has unknown field 'extra'"]);
    const unknown = await post(hub!, '/api/web/trigger-event', { name: 'No.Such' });
    expect(unknown).to.deep.equal({ status: 404, body: { error: "Trigger 'No.Such' not found in configuration" } });
  });

  it('goes through the WEB whitelist, not HTTP’s', async () => {
    await start({ trigger: { gating: { whitelist: { WEB: ['10.0.0.0/8'] } } } });
    const web = await post(hub!, '/api/web/trigger-event', { name: 'Fog.Burst' });
    expect(web.status).to.equal(403);
    expect(web.body).to.deep.equal({ error: 'Address 127.0.0.1 is not whitelisted for source WEB', reason: 'not_whitelisted' });
    expect((await post(hub!, '/api/trigger-event', { name: 'Fog.Burst' })).status).to.equal(200);
  });

  it('answers 403 source_disabled when switched off, and says so in /readyz', async () => {
    await start({ trigger: { sources: { WEB: { enabled: false } } } } as Overrides);
    const res = await post(hub!, '/api/web/trigger-event', { name: 'Fog.Burst' });
    expect(res).to.deep.equal({ status: 403, body: { error: 'Source WEB is disabled in config', reason: 'source_disabled' } });
    const ready = (await (await fetch(`${hub!.url}/readyz`)).json()) as any;
    expect(ready.components.find((c: { name: string }) => c.name === 'WEB')).to.deep.equal({
      name: 'WEB',
      state: 'stopped',
      detail: 'disabled in config (trigger.sources.WEB.enabled)',
    });
  });

  it('is ok in /readyz while serving, stopped after a re-entrant stop', async () => {
    await start();
    const ready = (await (await fetch(`${hub!.url}/readyz`)).json()) as any;
    expect(ready.components.find((c: { name: string }) => c.name === 'WEB')).to.deep.equal({
      name: 'WEB',
      state: 'ok',
      detail: 'listening on the HTTP API at /api/web',
    });
    const web = hub!.component('WEB');
    const [a, b] = [web.stop(), web.stop()];
    expect(a).to.equal(b);
    await a;
    expect(web.health()).to.deep.equal({ name: 'WEB', state: 'stopped' });
  });
});
