import { expect } from 'chai';
import { startWsHub, type WsHub } from './wsHarness';

describe('WebSocket component lifecycle', () => {
  let h: WsHub | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('reports its connections in /readyz', async () => {
    h = await startWsHub();
    await h.login(h.adminToken);
    const ready = await h.api('GET', '/readyz', undefined, null);
    const ws = ready.body.components.find((c: { name: string }) => c.name === 'websocket');
    expect(ws).to.deep.equal({ name: 'websocket', state: 'ok', detail: '0 clients and 1 admins connected on /ws' });
    const stats = await h.api('GET', '/api/websocket/stats');
    expect(stats.body).to.deep.equal({ connections: 1, byStatus: { live: 1 }, clients: 0, admins: 1 });
  });

  it('on a graceful stop tells every client when to come back, then closes with 1001', async () => {
    const hub = (h = await startWsHub());
    const client = await hub.login(hub.adminToken);
    const stopped = hub.hub.runtime.stop();
    expect(await client.closed(2000)).to.deep.equal({ code: 1001, reason: 'server shutting down' });
    const notice = client.ofType('shutdown');
    expect(notice).to.have.length(1);
    expect(notice[0].data).to.include({ reconnectAfterMs: hub.hub.config.shutdown.reconnect_after_ms });
    await stopped;
  });
});
