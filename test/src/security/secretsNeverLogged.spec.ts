import { expect } from 'chai';
import { WebSocket } from 'ws';
import { createApiKeys } from '../../../src/keys/apiKeys';
import { createLogger } from '../../../src/log';
import type { WebSocketComponent } from '../../../src/websocket/websocketComponent';
import { startHub, type TestHub } from '../../helpers/hub';

/** Opens a WebSocket, sends `auth` with `token`, and resolves with the first message or the close. */
function wsAuth(url: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    const timer = setTimeout(() => (ws.terminate(), reject(new Error('no answer'))), 5000);
    const done = (what: string) => {
      clearTimeout(timer);
      ws.close();
      resolve(what);
    };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data) => done(String(data)));
    ws.on('close', (code) => done(`close ${code}`));
    ws.on('error', reject);
  });
}

describe('secrets are never logged', () => {
  let hub: TestHub;
  const lines: string[] = [];
  afterEach(() => hub?.stop());

  it('no log line of a whole run, at debug level, holds a key or token it made or was sent', async () => {
    hub = await startHub({ security: { device_keys: ['HTTP'] } }, { log: createLogger('Haven', 'debug', (line) => lines.push(line)) });
    const keys = createApiKeys({ store: hub.runtime.store });
    const made = (role: 'admin' | 'viewer' | 'device', organization: string | null) => (keys.create({ organization, role }) as { key: string }).key;
    const admin = made('admin', null);
    const viewer = made('viewer', 'default');
    const device = made('device', null);
    const ws = hub.component<WebSocketComponent>('websocket');
    const adminToken = (ws.admin.createClient('ops', 'admin', []) as { value: { token: string } }).value.token;
    const secrets = [admin, viewer, device, adminToken];
    const J = { 'content-type': 'application/json' };
    const post = (path: string, headers: Record<string, string>, body: unknown) =>
      fetch(hub.url + path, { method: 'POST', headers: { ...J, ...headers }, body: JSON.stringify(body) });

    const client = (await (await post('/api/clients', { 'x-api-key': admin }, { name: 'Panel' })).json()) as { token: string; client: { id: string } };
    secrets.push(client.token);
    const rotated = (await (await post(`/api/clients/${client.client.id}/token`, { authorization: `Bearer ${adminToken}` }, {})).json()) as { token: string };
    secrets.push(rotated.token);
    const pairing = (await (await post('/api/pairing', { authorization: `Bearer ${adminToken}` }, { name: 'Lobby' })).json()) as { code: string };
    const paired = (await (await post('/api/pairing/complete', {}, { code: pairing.code })).json()) as { token: string };
    secrets.push(pairing.code, paired.token);
    // Guesses that look like the real ones: a wrong secret behind a real key id, a made-up token.
    const wrongKey = admin.slice(0, -4) + 'ffff';
    const wrongToken = `${adminToken.slice(0, -3)}xyz`;
    secrets.push(wrongKey, wrongToken);

    expect((await post('/api/trigger-event', { 'x-api-key': device }, { name: 'Stage.Mode', value: 'intro', id: 1 })).status).to.equal(200);
    expect((await post('/api/trigger-event', { 'x-api-key': wrongKey }, { name: 'Stage.Mode', value: 'intro', id: 2 })).status).to.equal(401);
    expect((await post('/api/trigger-event', { authorization: `Bearer ${viewer}` }, { name: 'Stage.Mode', value: 'intro', id: 3 })).status).to.equal(403);
    expect((await post('/api/web/trigger-event', { authorization: `Bearer ${wrongToken}` }, { name: 'Stage.Mode', value: 'finale' })).status).to.equal(401);
    expect((await fetch(`${hub.url}/api/registrations`, { headers: { 'x-api-key': wrongKey } })).status).to.equal(401);
    expect((await fetch(`${hub.url}/api/status`, { headers: { authorization: `Bearer ${adminToken}` } })).status).to.equal(200);
    expect((await fetch(`${hub.url}/api/events/stream/stats?apiKey=${encodeURIComponent(viewer)}`)).status).to.equal(200);
    expect((await fetch(`${hub.url}/api/events/stream/stats?apiKey=${encodeURIComponent(wrongKey)}`)).status).to.equal(401);
    expect(await wsAuth(hub.url, client.token)).to.equal('close 4401'); // rotated away
    expect(await wsAuth(hub.url, rotated.token)).to.include('"connected"');
    expect(await wsAuth(hub.url, wrongToken)).to.equal('close 4401');
    await hub.stop();

    expect(lines.length, 'the run logged at debug level').to.be.above(20);
    for (const secret of secrets) {
      const leaks = lines.filter((line) => line.includes(secret));
      expect(leaks, `a log line holds ${secret.slice(0, 8)}…`).to.deep.equal([]);
    }
  });
});
