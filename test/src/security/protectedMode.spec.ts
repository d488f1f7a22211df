import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createApiKeys } from '../../../src/keys/apiKeys';
import type { WebSocketComponent } from '../../../src/websocket/websocketComponent';
import { startHub, type TestHub } from '../../helpers/hub';

/** A caller's address as the hub sees it: the test header, else the socket's. Traffic stays on loopback. */
const PEER = 'x-test-peer';
const peerAddress = (req: { headers: Record<string, unknown>; socket: { remoteAddress?: string } }) =>
  (req.headers[PEER] as string | undefined) ?? req.socket.remoteAddress;
const REMOTE = '203.0.113.5';

async function call(hub: TestHub, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(hub.url + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, retryAfter: res.headers.get('retry-after') };
}

describe('security: protected mode, keys with roles, failed-authentication limit (REST)', () => {
  let hub: TestHub;
  let service: Server;
  let port: number;

  beforeEach(async () => {
    service = createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    port = (service.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await hub?.stop();
    await new Promise<void>((resolve) => service.close(() => resolve()));
  });
  const registration = () => ({ name: 'Local', host: '127.0.0.1', port, protocol: 'TCP_CONNECT' });

  describe('no admin credential yet', () => {
    beforeEach(async () => (hub = await startHub({}, { peerAddress: peerAddress as never })));

    it('serves management to loopback callers', async () => {
      expect((await call(hub, 'POST', '/api/register', {}, registration())).status).to.equal(200);
      expect((await call(hub, 'GET', '/api/registrations')).status).to.equal(200);
      expect((await call(hub, 'DELETE', '/api/register/Local')).status).to.equal(200);
    });

    it('refuses management to a remote caller with 403 and how to create a key, in any spelling of the path', async () => {
      for (const [method, path] of [
        ['POST', '/api/register'],
        ['post', '/API/Register'],
        ['POST', '/api//register/'],
        ['POST', '/api/%72egister'],
        ['GET', '/api/registrations'],
        ['DELETE', '/api/register/Local'],
        ['POST', '/api/instance'],
        ['POST', '/api/emergency-stop/x'],
        ['GET', '/api/download'],
        ['GET', '/api/areas'],
        ['POST', '/api/clients'],
        ['POST', '/api/pairing'],
      ]) {
        const r = await call(hub, method.toUpperCase(), path, { [PEER]: REMOTE }, method.startsWith('P') ? registration() : undefined);
        expect(r.status, `${method} ${path}`).to.equal(403);
        expect(r.body.protectedMode).to.equal(true);
        expect(r.body.error).to.include('npx haven keys create --role admin --no-org').and.include('npx haven tokens create-admin');
      }
      expect((await call(hub, 'GET', '/api/registrations')).body.services).to.deep.equal([]);
    });

    it('keeps ingestion, the cache and health open to remote devices', async () => {
      const ev = await call(hub, 'POST', '/api/trigger-event', { [PEER]: REMOTE }, { name: 'Stage.Mode', value: 'intro', id: 1 });
      expect(ev.status).to.equal(200);
      const web = await call(hub, 'POST', '/api/web/trigger-event', { [PEER]: REMOTE }, { name: 'Stage.Mode', value: 'finale', id: 2 });
      expect(web.status).to.equal(200);
      expect((await call(hub, 'GET', '/api/trigger-status', { [PEER]: REMOTE })).status).to.equal(200);
      expect((await call(hub, 'GET', '/healthz', { [PEER]: REMOTE })).status).to.equal(200);
    });

    it('with protected_mode false serves management to anyone', async () => {
      await hub.stop();
      hub = await startHub({ security: { protected_mode: false } }, { peerAddress: peerAddress as never });
      expect((await call(hub, 'POST', '/api/register', { [PEER]: REMOTE }, registration())).status).to.equal(200);
    });
  });

  describe('once an admin credential exists', () => {
    let admin: string;
    let viewer: string;
    beforeEach(async () => {
      hub = await startHub({}, { peerAddress: peerAddress as never });
      const keys = createApiKeys({ store: hub.runtime.store });
      admin = (keys.create({ organization: null, role: 'admin', name: 'ops' }) as { key: string }).key;
      viewer = (keys.create({ organization: 'default', role: 'viewer' }) as { key: string }).key;
    });

    it('needs it from every address, loopback included', async () => {
      const none = await call(hub, 'POST', '/api/register', {}, registration());
      expect(none.status).to.equal(401);
      expect(none.body.error).to.match(/admin key/);
      expect((await call(hub, 'POST', '/api/register', { 'x-api-key': viewer }, registration())).status).to.equal(403);
      expect((await call(hub, 'POST', '/api/register', { 'x-api-key': admin }, registration())).status).to.equal(200);
      expect((await call(hub, 'GET', '/api/registrations', { [PEER]: REMOTE, authorization: `Bearer ${admin}` })).status).to.equal(200);
    });

    it('an admin key reaches the admin routes that took only tokens', async () => {
      const area = await call(hub, 'POST', '/api/areas', { 'x-api-key': admin, [PEER]: REMOTE }, { name: 'Stage', entityIds: ['Stage.Mode'] });
      expect(area.status).to.equal(201);
    });

    it('an admin WebSocket token counts as well', async () => {
      await hub.stop();
      hub = await startHub({}, { peerAddress: peerAddress as never });
      const ws = hub.component<WebSocketComponent>('websocket');
      const created = ws.admin.createClient('ops', 'admin', []);
      if (!created.ok) throw new Error('no admin');
      const token = created.value.token;
      expect((await call(hub, 'GET', '/api/registrations', { [PEER]: REMOTE })).status).to.equal(401);
      expect((await call(hub, 'GET', '/api/registrations', { [PEER]: REMOTE, authorization: `Bearer ${token}` })).status).to.equal(200);
    });
  });

  describe('the admin token from the environment', () => {
    it('is taken with the WebSocket transport off too: management needs it, and it opens management', async () => {
      const token = 'env-admin-token-0123456789';
      hub = await startHub({ websocket: { enabled: false } }, { peerAddress: peerAddress as never, env: { HAVEN_ADMIN_TOKEN: token } });
      expect(hub.runtime.components.map((c) => c.name)).not.to.include('websocket');
      // An admin exists now, so protected mode asks loopback callers for it as well.
      expect((await call(hub, 'POST', '/api/register', {}, registration())).status).to.equal(401);
      expect((await call(hub, 'POST', '/api/register', { authorization: `Bearer ${token}` }, registration())).status).to.equal(200);
      expect((await call(hub, 'GET', '/api/registrations', { [PEER]: REMOTE, authorization: `Bearer ${token}` })).status).to.equal(200);
    });
  });

  describe('device keys', () => {
    it('HTTP inputs need a device (or admin) key when security.device_keys lists HTTP', async () => {
      hub = await startHub({ security: { device_keys: ['HTTP'] } }, { peerAddress: peerAddress as never });
      const keys = createApiKeys({ store: hub.runtime.store });
      const device = (keys.create({ organization: null, role: 'device' }) as { key: string }).key;
      const viewer = (keys.create({ organization: 'default', role: 'viewer' }) as { key: string }).key;
      const input = (id: number) => ({ name: 'Stage.Mode', value: 'intro', id });
      expect((await call(hub, 'POST', '/api/trigger-event', {}, input(1))).status).to.equal(401);
      expect((await call(hub, 'POST', '/api/trigger-event', { 'x-api-key': viewer }, input(2))).status).to.equal(403);
      expect((await call(hub, 'POST', '/api/trigger-event', { 'x-api-key': device }, input(3))).status).to.equal(200);
      expect((await call(hub, 'POST', '/api/trigger-status', { authorization: `Bearer ${device}` }, input(4))).status).to.equal(200);
      // WEB is not listed: it stays open.
      expect((await call(hub, 'POST', '/api/web/trigger-event', {}, input(5))).status).to.equal(200);
    });
  });

  describe('failed authentications', () => {
    it('after max failures in the window an address gets 429 with Retry-After, on every guarded route; others are not affected', async () => {
      hub = await startHub({ security: { auth_failures: { max: 3, window_ms: 60_000 } } }, { peerAddress: peerAddress as never });
      createApiKeys({ store: hub.runtime.store }).create({ organization: null, role: 'admin' });
      const bad = { 'x-api-key': `hvn_${'0'.repeat(16)}_${'0'.repeat(64)}`, [PEER]: REMOTE };
      for (let i = 0; i < 3; i++) expect((await call(hub, 'GET', '/api/registrations', bad)).status).to.equal(401);
      const refused = await call(hub, 'GET', '/api/registrations', bad);
      expect(refused.status).to.equal(429);
      expect(Number(refused.retryAfter)).to.be.within(1, 60);
      expect(refused.body.error).to.match(/Too many failed authentications/);
      expect((await call(hub, 'GET', '/api/events/stream', { [PEER]: REMOTE })).status).to.equal(429);
      // Open ingestion from that address is not held to it; another address is not either.
      expect((await call(hub, 'POST', '/api/trigger-status', { [PEER]: REMOTE }, { name: 'Stage.Mode', value: 'intro', id: 9 })).status).to.equal(200);
      expect((await call(hub, 'GET', '/api/registrations', { ...bad, [PEER]: '203.0.113.6' })).status).to.equal(401);
    });
  });
});
