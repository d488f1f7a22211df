import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { wireWebSocket } from '../../../src/runtime/components';
import { startWsHub, type WsHub } from './wsHarness';

describe('WebSocket revocation, pairing and persistence', () => {
  let h: WsHub | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  async function panel(hub: WsHub, name = 'panel', areas: string[] = []) {
    const res = await hub.api('POST', '/api/clients', { name, areas });
    return { id: res.body.client.id as string, token: res.body.token as string };
  }

  it('revoking sends token_revoked then closes every connection of that client within a second', async () => {
    h = await startWsHub();
    const victim = await panel(h, 'victim');
    const bystander = await panel(h, 'bystander', []);
    const tab1 = await h.login(victim.token);
    const tab2 = await h.login(victim.token);
    const other = await h.login(bystander.token);
    const admin = await h.login(h.adminToken);

    const started = Date.now();
    const res = await h.api('POST', `/api/clients/${victim.id}/revoke`);
    expect(res.body).to.deep.equal({ success: true, clientId: victim.id, tokensRevoked: 1, connectionsClosed: 2 });
    for (const tab of [tab1, tab2]) {
      expect(await tab.closed(1000)).to.deep.equal({ code: 4403, reason: 'token revoked' });
      const last = tab.messages[tab.messages.length - 1];
      expect(last.type).to.equal('token_revoked');
      expect(last.data).to.include({ clientId: victim.id, reason: 'revoked by admin' });
    }
    expect(Date.now() - started).to.be.below(1000);

    // The token no longer works anywhere; the others carry on.
    const retry = await h.connect({ token: victim.token });
    expect(await retry.closed()).to.deep.equal({ code: 4401, reason: 'invalid token' });
    expect((await h.api('GET', '/api/areas', undefined, victim.token)).status).to.equal(401);
    await h.fire('Door.Sensor', 'On');
    await admin.waitFor((m) => m.type === 'trigger');
    await other.sync();
    expect(other.closeInfo).to.equal(undefined);
    expect(other.ofType('token_revoked')).to.deep.equal([]);
  });

  it('rotating a token closes the old connections and the new token works', async () => {
    h = await startWsHub();
    const p = await panel(h);
    const old = await h.login(p.token);
    const rotated = await h.api('POST', `/api/clients/${p.id}/token`);
    expect(rotated.status).to.equal(201);
    expect((await old.closed(1000)).code).to.equal(4403);
    const fresh = await h.login(rotated.body.token);
    expect(fresh.messages[0].data.clientId).to.equal(p.id);
  });

  it('deleting a client revokes it and forgets it', async () => {
    h = await startWsHub();
    const p = await panel(h);
    const conn = await h.login(p.token);
    expect((await h.api('DELETE', `/api/clients/${p.id}`)).body).to.deep.equal({ success: true, clientId: p.id, connectionsClosed: 1 });
    expect((await conn.closed(1000)).code).to.equal(4403);
    expect((await h.api('GET', `/api/clients/${p.id}`)).status).to.equal(404);
  });

  it('pairs a panel: admin code, panel exchanges it for a token, admins get pairing_completed', async () => {
    h = await startWsHub();
    const area = (await h.api('POST', '/api/areas', { name: 'Lobby', entityIds: ['Door.Sensor'] })).body.area.areaId;
    const admin = await h.login(h.adminToken);
    const bystander = await h.login((await panel(h)).token);
    const created = await h.api('POST', '/api/pairing', { name: 'Lobby panel', areas: [area] });
    expect(created.status).to.equal(201);
    expect(created.body.code).to.match(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);

    const paired = await h.api('POST', '/api/pairing/complete', { code: created.body.code.toLowerCase().replace('-', ' ') }, null);
    expect(paired.status).to.equal(201);
    expect(paired.body).to.include({ name: 'Lobby panel' });
    expect(paired.body.areas).to.deep.equal([area]);
    const done = await admin.waitFor((m) => m.type === 'pairing_completed');
    expect(done.data).to.include({ clientId: paired.body.clientId, name: 'Lobby panel', message: 'Pairing completed' });
    expect(JSON.stringify(done)).not.to.include(paired.body.token);
    await bystander.sync();
    expect(bystander.ofType('pairing_completed')).to.deep.equal([]);

    const lobby = await h.login(paired.body.token);
    expect(lobby.messages[0].data.areas.map((a: { areaId: string }) => a.areaId)).to.deep.equal([area]);
    // A code works once.
    const again = await h.api('POST', '/api/pairing/complete', { code: created.body.code }, null);
    expect(again).to.deep.include({ status: 404, body: { error: 'Unknown or already used pairing code' } });
  });

  it('refuses an expired pairing code with 410, on an injected wall clock', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    h = await startWsHub({ websocket: { pairing_ttl_ms: 60_000 } }, { components: (config, deps) => [wireWebSocket(config, deps, { wallMs: () => now })] });
    const { code, expiresAt } = (await h.api('POST', '/api/pairing', {})).body;
    expect(expiresAt).to.equal('2026-01-01T00:01:00.000Z');
    now += 60_000;
    const res = await h.api('POST', '/api/pairing/complete', { code }, null);
    expect(res).to.deep.include({ status: 410, body: { error: 'Pairing code has expired; ask an admin for a new one' } });
  });

  it('rate limits pairing attempts per IP, so a short code cannot be guessed', async () => {
    h = await startWsHub();
    for (let i = 0; i < 10; i++) expect((await h.api('POST', '/api/pairing/complete', { code: 'AAAA-AAAA' }, null)).status).to.equal(404);
    const res = await h.api('POST', '/api/pairing/complete', { code: 'AAAA-AAAA' }, null);
    expect(res.status).to.equal(429);
    expect(res.headers.get('retry-after')).to.match(/^\d+$/);
  });

  it('keeps clients, areas and tokens across a restart', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'haven-ws-'));
    h = await startWsHub({}, { dataDir });
    const area = (await h.api('POST', '/api/areas', { name: 'Stage', entityIds: ['Stage.Mode'], isEnabled: false })).body.area.areaId;
    const p = await panel(h, 'survivor', [area]);
    const revoked = await panel(h, 'gone');
    await h.api('POST', `/api/clients/${revoked.id}/revoke`);
    await h.stop({ keepData: true });

    h = await startWsHub({}, { dataDir });
    const again = await h.login(p.token);
    expect(again.messages[0].data).to.include({ clientId: p.id, name: 'survivor' });
    expect(again.messages[0].data.areas).to.deep.equal([{ areaId: area, name: 'Stage', entityIds: ['Stage.Mode'], isEnabled: false }]);
    const gone = await h.connect({ token: revoked.token });
    expect((await gone.closed()).code).to.equal(4401);
  });

  it('haven tokens create-admin makes a first admin whose token works on the hub', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'haven-ws-'));
    const out: string[] = [];
    const code = await runCli(['tokens', 'create-admin', '--name', 'ops', '--json'], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      env: { HAVEN_DATA_DIR: dataDir },
    });
    expect(code).to.equal(0);
    const { token, id } = JSON.parse(out[0]);
    h = await startWsHub({}, { dataDir });
    const list = await h.api('GET', '/api/clients', undefined, token);
    expect(list.status).to.equal(200);
    expect(list.body.clients.find((c: { id: string }) => c.id === id)).to.include({ name: 'ops', role: 'admin' });
    // Created while the hub runs, it works at once as well.
    out.length = 0;
    await runCli(['tokens', 'create-admin', '--json'], { out: (t) => out.push(t), err: (t) => out.push(t), env: { HAVEN_DATA_DIR: dataDir } });
    expect((await h.api('GET', '/api/areas', undefined, JSON.parse(out[0]).token)).status).to.equal(200);
  });
});
