import { expect } from 'chai';
import { createUtcNow } from '../../../../src/runtime/utcNow';
import { issueClient } from '../../../../src/websocket/adminService';
import { createDirectory } from '../../../../src/websocket/directory';
import { createTokenStore } from '../../../../src/websocket/tokenStore';
import { startHub, type TestHub } from '../../../helpers/hub';
import { startLineServer, type LineServer } from '../../../helpers/lineServer';

describe('GET /api/status', () => {
  let hub: TestHub | undefined;
  let service: LineServer | undefined;
  afterEach(async () => {
    await hub?.stop();
    await service?.close();
    hub = service = undefined;
  });

  /** A token of `role`, issued in the hub's own store, as `haven tokens` or the admin REST would. */
  const tokenOf = (h: TestHub, role: 'admin' | 'client'): string => {
    const utcNow = createUtcNow();
    return issueClient({ directory: createDirectory(h.runtime.store), tokens: createTokenStore(h.runtime.store, utcNow), utcNow }, role, role, []).token;
  };
  const get = async (h: TestHub, token?: string) => {
    const res = await fetch(`${h.url}/api/status`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('answers an admin with seq, every trigger with its last value and age, services, sources, clients and the journal', async () => {
    hub = await startHub();
    service = await startLineServer();
    await fetch(`${hub.url}/api/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Flame', host: '127.0.0.1', port: service.port }),
    });
    await fetch(`${hub.url}/api/trigger-event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Stage.Mode', value: 'intro', id: 4 }),
    });

    const { status, body } = await get(hub, tokenOf(hub, 'admin'));
    expect(status).to.equal(200);
    expect(body.seq).to.equal(1);
    const mode = body.triggers.find((t: { name: string }) => t.name === 'Stage.Mode');
    expect(mode).to.deep.include({ type: 'Discrete', category: 'show', value: 'intro', id: 4, seq: 1 });
    expect(mode.age_ms).to.be.within(0, 5000);
    expect(body.triggers.find((t: { name: string }) => t.name === 'Fog.Burst')).to.deep.include({ value: null, age_ms: null });
    expect(body.services.map((s: { name: string; protocol: string }) => [s.name, s.protocol])).to.deep.equal([['Flame', 'TCP_SOCKET']]);
    expect(body.services[0]).to.have.property('status');
    expect(body.sources.map((s: { name: string }) => s.name)).to.deep.equal(['WEB', 'TCP', 'MODBUS', 'OSC', 'MQTT']);
    expect(body.clients).to.deep.equal({ websocket: { connections: 0, byStatus: {}, clients: 0, admins: 0 }, sse: 0 });
    expect(body.journal).to.include({ newestSeq: 1 });
  });

  it('is for admins: 401 without or with an unknown token, 403 with a client token', async () => {
    hub = await startHub();
    expect(await get(hub)).to.deep.include({ status: 401 });
    expect((await get(hub, 'nope')).status).to.equal(401);
    expect(await get(hub, tokenOf(hub, 'client'))).to.deep.equal({ status: 403, body: { error: 'Admin role required' } });
  });
});
