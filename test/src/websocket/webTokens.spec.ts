import { expect } from 'chai';
import { startWsHub, type WsHub } from './wsHarness';

/** The dashboard's WEB buttons send the signed-in token: the WEB source holds an input to it. */
describe('WEB inputs that carry a WebSocket token', () => {
  let h: WsHub;
  beforeEach(async () => {
    h = await startWsHub();
  });
  afterEach(() => h.stop());

  const fire = async (name: string, authorization?: string, value?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
    const res = await fetch(`${h.hub.url}/api/web/trigger-event`, {
      method: 'POST',
      headers,
      body: JSON.stringify(value === undefined ? { name } : { name, value }),
    });
    return { status: res.status, body: (await res.json()) as { error?: string; trigger_seq?: number } };
  };
  const panelToken = () => {
    const area = h.ws.admin.createArea('Stage', ['Fog.Burst'], true);
    if (!area.ok) throw new Error('no area');
    const client = h.ws.admin.createClient('panel', 'client', [area.value.id]);
    if (!client.ok) throw new Error('no client');
    return client.value.token;
  };

  it("fires a client's own trigger, refuses one outside its areas (403) and changes nothing", async () => {
    const token = panelToken();
    expect((await fire('Fog.Burst', `Bearer ${token}`)).body.trigger_seq).to.equal(1);
    const outside = await fire('Stage.Power', `Bearer ${token}`, 'On');
    expect(outside).to.deep.equal({ status: 403, body: { error: "Trigger 'Stage.Power' is not in this client's areas" } });
    expect(h.hub.runtime.lastSeq()).to.equal(1);
  });

  it('lets an admin fire any trigger, refuses an unknown or malformed token (401), and keeps the seed panel without a token', async () => {
    expect((await fire('Stage.Power', `Bearer ${h.adminToken}`, 'On')).status).to.equal(200);
    expect(await fire('Stage.Power', 'Bearer hvn_not_a_token', 'On')).to.deep.equal({ status: 401, body: { error: 'Invalid or revoked token' } });
    expect((await fire('Stage.Power', 'Basic abc', 'On')).status).to.equal(401);
    expect((await fire('Fog.Burst')).status).to.equal(200);
    expect(h.hub.runtime.lastSeq()).to.equal(2);
  });
});
