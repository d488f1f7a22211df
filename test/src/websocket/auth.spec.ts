import { expect } from 'chai';
import type { SchedulerLike } from 'rxjs';
import { asyncScheduler } from 'rxjs';
import WebSocket from 'ws';
import type { HavenConfig } from '../../../src/config/havenConfig';
import { createComponents, wireWebSocket, type ComponentDeps } from '../../../src/runtime/components';
import type { RuntimeOptions } from '../../../src/runtime/runtime';
import { createVirtualTime } from '../../helpers/virtualTime';
import { startWsHub, type TestClient, type WsHub } from './wsHarness';

/** A limiter clock the test moves by hand: the rate-limit window passes without sleeping. */
function manualClock(): SchedulerLike & { advance(ms: number): void } {
  let now = 0;
  return { now: () => now, schedule: asyncScheduler.schedule.bind(asyncScheduler), advance: (ms) => void (now += ms) } as SchedulerLike & {
    advance(ms: number): void;
  };
}

describe('WebSocket connection and authentication', () => {
  let h: WsHub | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function withPanel(overrides: Record<string, unknown> = {}, options: Partial<RuntimeOptions> = {}) {
    h = await startWsHub(overrides, options);
    const area = await h.api('POST', '/api/areas', { name: 'Stage', entityIds: ['Stage.Mode', 'Stage.Power'] });
    const panel = await h.api('POST', '/api/clients', { name: 'Stage panel', areas: [area.body.area.areaId] });
    return { hub: h, area: area.body.area, clientId: panel.body.client.id as string, token: panel.body.token as string };
  }

  it('authenticates with Authorization: Bearer at the upgrade and welcomes with the client id and its areas', async () => {
    const { hub, area, clientId, token } = await withPanel();
    await hub.fire('Stage.Mode', 'intro');
    const client = await hub.login(token);
    const connected = client.messages[0];
    expect(connected.type).to.equal('connected');
    expect(connected.data).to.include({ clientId, name: 'Stage panel', role: 'client', seq: 1 });
    expect(connected.data.areas).to.deep.equal([{ areaId: area.areaId, name: 'Stage', entityIds: ['Stage.Mode', 'Stage.Power'], isEnabled: true }]);
    expect(connected.data.timestamp).to.match(/^\d{4}-\d\d-\d\dT.*Z$/);
  });

  it('authenticates a browser with a first auth message', async () => {
    const { hub, clientId, token } = await withPanel();
    const client = await hub.connect();
    client.send({ type: 'auth', token });
    const connected = await client.waitFor((m) => m.type === 'connected');
    expect(connected.data.clientId).to.equal(clientId);
  });

  it('stores tokens only as hashes: the store never holds the plaintext', async () => {
    const { hub, token } = await withPanel();
    const docs = hub.hub.runtime.store.collection<unknown>('ws_tokens').entries();
    expect(docs.length).to.be.greaterThan(0);
    expect(JSON.stringify(docs)).not.to.include(token);
    expect(JSON.stringify(docs)).not.to.include(token.slice(4, 20));
  });

  for (const [what, act, code, reason] of [
    ['an unknown token in the header', (h: WsHub) => h.connect({ token: 'hvn_not-a-real-token' }), 4401, 'invalid token'],
    [
      'a malformed Authorization header',
      (h: WsHub) => h.connect({ headers: { authorization: 'Basic abc' } }),
      4401,
      'malformed Authorization header (expected Bearer <token>)',
    ],
    [
      'an unknown token in the auth message',
      async (h: WsHub) => {
        const c = await h.connect();
        c.send({ type: 'auth', token: 'hvn_nope' });
        return c;
      },
      4401,
      'invalid token',
    ],
    [
      'a first message that is not auth',
      async (h: WsHub) => {
        const c = await h.connect();
        c.send({ type: 'ping', id: 1 });
        return c;
      },
      4401,
      'expected an auth message first',
    ],
    [
      'a first message that is not JSON',
      async (h: WsHub) => {
        const c = await h.connect();
        c.send('hello');
        return c;
      },
      4400,
      'Message is not valid JSON',
    ],
    [
      'an auth message without a token',
      async (h: WsHub) => {
        const c = await h.connect();
        c.send({ type: 'auth' });
        return c;
      },
      4400,
      '"auth" needs a "token" string',
    ],
  ] as const) {
    it(`closes ${what} with ${code}`, async () => {
      const { hub } = await withPanel();
      const client = await (act as (h: WsHub) => Promise<TestClient>)(hub);
      expect(await client.closed()).to.deep.equal({ code, reason });
      expect(client.ofType('connected')).to.deep.equal([]);
    });
  }

  it('closes a connection that does not authenticate within the deadline, and only that one', async () => {
    // The deadline runs on virtual time; the fan-out writes at the end of each turn, so frames
    // still reach the clients while the clock stands still.
    const time = createVirtualTime();
    const endOfTurnWrites = (config: HavenConfig, deps: ComponentDeps) => createComponents(config, deps, { websocket: { defer: setImmediate } });
    const { hub, token } = await withPanel({ websocket: { auth_timeout_ms: 150, sweep_ms: 20 } }, { scheduler: time.scheduler, components: endOfTurnWrites });
    const silent = await hub.connect();
    const authed = await hub.login(token);
    time.advance(149);
    await authed.sync();
    expect(silent.closeInfo, 'closed before auth_timeout_ms').to.equal(undefined);
    time.advance(1 + 20);
    expect(await silent.closed()).to.deep.equal({ code: 4401, reason: 'authentication timeout' });
    await authed.sync();
    expect(authed.closeInfo).to.equal(undefined);
  });

  it('refuses other paths with a 404 and a JSON error', async () => {
    h = await startWsHub();
    const err = await h.connect({ path: '/nope' }).catch((e) => e);
    expect(err.status).to.equal(404);
  });

  it('closes a client that sends a frame over max_payload_bytes with 1009, and keeps serving others', async () => {
    const { hub, token } = await withPanel({ websocket: { max_payload_bytes: 1024 } });
    const big = await hub.login(token);
    big.send({ type: 'ping', id: 1, pad: 'x'.repeat(2000) });
    expect((await big.closed()).code).to.equal(1009);
    const next = await hub.login(token);
    await next.sync();
  });

  it('closes a client that sends binary with 1003', async () => {
    const { hub, token } = await withPanel();
    const client = await hub.login(token);
    client.ws.send(Buffer.from([1, 2, 3]));
    expect(await client.closed()).to.deep.equal({ code: 1003, reason: 'binary messages are not supported' });
  });

  it('answers bad requests from an authenticated client with errors and keeps the connection', async () => {
    const { hub, token } = await withPanel();
    const client = await hub.login(token);
    client.send('{oops');
    const error = await client.waitFor((m) => m.type === 'error');
    expect(error.data).to.deep.equal({ code: 'invalid_json', message: 'Message is not valid JSON' });
    const unknown = await client.request({ type: 'fly' });
    expect(unknown).to.deep.include({ success: false, error: { code: 'unknown_type', message: "Unknown message type 'fly'" } });
    const again = await client.request({ type: 'auth', token });
    expect(again.error.code).to.equal('already_authenticated');
    await client.sync();
    expect(client.closeInfo).to.equal(undefined);
  });

  it('limits new connections per IP (10 a minute by default) with 429 and Retry-After, on an injected clock', async () => {
    const clock = manualClock();
    h = await startWsHub({}, { components: (config, deps) => [wireWebSocket(config, deps, { limiterScheduler: clock })] });
    const hub = h;
    for (let i = 0; i < 10; i++) await hub.connect();
    const refused = await hub.connect().catch((e) => e);
    expect(refused.status).to.equal(429);
    expect(refused.headers['retry-after']).to.equal('60');
    // Another address on the loopback is not affected.
    const other = new WebSocket(hub.wsUrl, { localAddress: '127.0.0.2' });
    await new Promise((resolve, reject) => other.once('open', resolve).once('error', reject));
    other.terminate();
    clock.advance(30_000);
    const stillRefused = await hub.connect().catch((e) => e);
    expect(stillRefused.headers['retry-after']).to.equal('30');
    clock.advance(30_000);
    const admitted = await hub.connect();
    admitted.send({ type: 'auth', token: hub.adminToken });
    await admitted.waitFor((m) => m.type === 'connected');
  });

  it('accepts the admin token from the environment variable the config names, stored hashed', async () => {
    const token = 'env-admin-token-0123456789';
    h = await startWsHub({ websocket: { admin_token_env: 'HAVEN_TEST_WS_ADMIN' } }, { env: { HAVEN_TEST_WS_ADMIN: token } });
    const list = await h.api('GET', '/api/clients', undefined, token);
    expect(list.status).to.equal(200);
    expect(list.body.clients.map((c: { id: string; role: string }) => [c.id, c.role])).to.deep.include(['admin', 'admin']);
    const client = await h.login(token);
    expect(client.messages[0].data.role).to.equal('admin');
  });

  it('guards the admin REST: 401 without or with a bad token, 403 for a client token', async () => {
    const { hub, token } = await withPanel();
    const none = await hub.api('GET', '/api/areas', undefined, null);
    expect(none.status).to.equal(401);
    expect(none.body.error).to.equal('Missing credentials: send an admin key (x-api-key) or an admin token (Authorization: Bearer)');
    expect(none.headers.get('www-authenticate')).to.equal('Bearer');
    expect((await hub.api('GET', '/api/areas', undefined, 'hvn_wrong')).status).to.equal(401);
    const client = await hub.api('GET', '/api/clients', undefined, token);
    expect(client.status).to.equal(403);
    expect(client.body).to.deep.equal({ error: 'Admin role required' });
  });
});
