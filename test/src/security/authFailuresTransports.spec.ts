import { expect } from 'chai';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { createApiKeys } from '../../../src/keys/apiKeys';
import { startHub, type TestHub } from '../../helpers/hub';

/** Sends `auth` with `token` on a fresh connection; resolves with the close code and reason. */
function closeOf(url: string, token: string): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    const timer = setTimeout(() => (ws.terminate(), reject(new Error('no close'))), 5000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('close', (code, reason) => (clearTimeout(timer), resolve({ code, reason: String(reason) })));
    ws.on('error', () => undefined);
  });
}

/** The HTTP answer to an upgrade request, when the hub refuses it before the upgrade. */
function upgradeRefusal(url: string): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/ws`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('response', (res) => (res.resume(), resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined })));
    req.on('upgrade', (_res, socket) => (socket.destroy(), reject(new Error('upgraded'))));
    req.on('error', reject);
    req.end();
  });
}

describe('failed-authentication limit across WebSocket and SSE (one count per address)', () => {
  let hub: TestHub;
  afterEach(() => hub?.stop());

  it('bad WebSocket tokens count; then the upgrade is 429 with Retry-After and SSE is 429 too', async () => {
    hub = await startHub({ security: { auth_failures: { max: 3, window_ms: 60_000 } }, websocket: { rate_limit: { max: 100 } } });
    for (let i = 0; i < 3; i++) expect(await closeOf(hub.url, `hvn_not_a_token_${i}`)).to.deep.equal({ code: 4401, reason: 'invalid token' });
    const refused = await upgradeRefusal(hub.url);
    expect(refused.status).to.equal(429);
    expect(Number(refused.retryAfter)).to.be.within(1, 60);
    const viewer = (createApiKeys({ store: hub.runtime.store }).create({ organization: 'default' }) as { key: string }).key;
    const sse = await fetch(`${hub.url}/api/events/stream/stats`, { headers: { 'x-api-key': viewer } });
    expect(sse.status, 'even a valid key waits').to.equal(429);
    expect(sse.headers.get('retry-after')).to.match(/^\d+$/);
  });

  it('bad SSE keys count; a connection already open is then closed 4029 with the wait in its reason', async () => {
    hub = await startHub({ security: { auth_failures: { max: 2, window_ms: 60_000 } } });
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/ws`);
    await new Promise((resolve) => ws.on('open', resolve));
    for (let i = 0; i < 2; i++) expect((await fetch(`${hub.url}/api/events/stream?apiKey=hvn_wrong_${i}`)).status).to.equal(401);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.send(JSON.stringify({ type: 'auth', token: 'hvn_anything' }));
    const { code, reason } = await closed;
    expect(code).to.equal(4029);
    expect(reason).to.match(/^too many failed authentications; retry in \d+ s$/);
  });
});
