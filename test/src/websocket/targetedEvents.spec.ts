import { expect } from 'chai';
import type { PowerEvent, ServiceStatusChange } from '../../../src/bus/bus';
import { startWsHub, type Msg, type TestClient, type WsHub } from './wsHarness';

/**
 * Four panels and an admin: `stage` has area Stage, `phone` area Phone, `both` both areas,
 * `none` no area. After each action every connection passes a sync barrier, so "did not get it"
 * is as certain as "got it".
 */
describe('WebSocket targeted events (seed 003)', () => {
  let h: WsHub;
  let stageArea: string;
  let phoneArea: string;
  const ids: Record<string, string> = {};
  const c: Record<'stage' | 'phone' | 'both' | 'none' | 'admin', TestClient> = {} as never;
  const marks = new Map<TestClient, number>();

  beforeEach(async () => {
    h = await startWsHub();
    stageArea = (await h.api('POST', '/api/areas', { name: 'Stage', entityIds: ['Stage.Mode', 'Stage.Power', 'StageSocket'] })).body.area.areaId;
    phoneArea = (await h.api('POST', '/api/areas', { name: 'Phone', entityIds: ['Dial.Number', 'Fog.Burst'] })).body.area.areaId;
    for (const [name, areas] of [
      ['stage', [stageArea]],
      ['phone', [phoneArea]],
      ['both', [stageArea, phoneArea]],
      ['none', []],
    ] as const) {
      const created = await h.api('POST', '/api/clients', { name, areas });
      ids[name] = created.body.client.id;
      c[name] = await h.login(created.body.token);
    }
    c.admin = await h.login(h.adminToken);
    await mark();
  });
  afterEach(() => h.stop());

  /** Remembers where each client's log stands. */
  async function mark() {
    for (const client of Object.values(c)) marks.set(client, client.messages.length);
  }

  /** After a barrier, which clients got a message of `type` since the last mark (and what). */
  async function whoGot(type: string): Promise<Record<string, Msg[]>> {
    await Promise.all(Object.values(c).map((client) => client.sync()));
    const got: Record<string, Msg[]> = {};
    for (const [name, client] of Object.entries(c)) {
      const msgs = client.eventsSince(marks.get(client)!).filter((m) => m.type === type);
      if (msgs.length) got[name] = msgs;
    }
    await mark();
    return got;
  }

  it('sends a trigger event to clients whose enabled areas contain it, and to admins', async () => {
    await h.fire('Stage.Mode', 'intro');
    const got = await whoGot('trigger');
    expect(Object.keys(got).sort()).to.deep.equal(['admin', 'both', 'stage']);
    expect(got.stage[0].data).to.include({ name: 'Stage.Mode', value: 'intro', type: 'Discrete', category: 'show', kind: 'event' });
    expect(got.stage[0].seq).to.equal(got.stage[0].data.seq);
    await h.fire('Dial.Number', 4);
    expect(Object.keys(await whoGot('trigger')).sort()).to.deep.equal(['admin', 'both', 'phone']);
    await h.fire('Door.Sensor', 'On');
    expect(Object.keys(await whoGot('trigger'))).to.deep.equal(['admin']);
  });

  it('PUT /api/areas/:id sends area_updated to the clients with that area only', async () => {
    const res = await h.api('PUT', `/api/areas/${stageArea}`, { name: 'Main stage', entityIds: ['Stage.Mode'] });
    expect(res.status).to.equal(200);
    const got = await whoGot('area_updated');
    expect(Object.keys(got).sort()).to.deep.equal(['both', 'stage']);
    expect(got.stage[0].data).to.include({ areaId: stageArea, name: 'Main stage', isEnabled: true, message: 'Area has been updated by admin' });
    expect(got.stage[0].data.entityIds).to.deep.equal(['Stage.Mode']);
    // The new entity list applies at once: Stage.Power left the area.
    await h.fire('Stage.Power', 'On');
    expect(Object.keys(await whoGot('trigger'))).to.deep.equal(['admin']);
  });

  it("PUT /api/areas/:id with only a name renames and keeps the entities, with the seed's area_updated", async () => {
    // The seed's curl: -d '{"name": "Kitchen (Updated)"}', then UPDATE areas SET name = ? WHERE id = ?.
    const res = await h.api('PUT', `/api/areas/${stageArea}`, { name: 'Main stage' });
    expect(res.status).to.equal(200);
    expect(res.body.area).to.deep.equal({ areaId: stageArea, name: 'Main stage', entityIds: ['Stage.Mode', 'Stage.Power', 'StageSocket'], isEnabled: true });
    const got = await whoGot('area_updated');
    expect(Object.keys(got).sort()).to.deep.equal(['both', 'stage']);
    const { timestamp, ...data } = got.stage[0].data;
    expect(data).to.deep.equal({
      areaId: stageArea,
      name: 'Main stage',
      entityIds: ['Stage.Mode', 'Stage.Power', 'StageSocket'],
      isEnabled: true,
      message: 'Area has been updated by admin',
    });
    expect(new Date(timestamp as string).toISOString()).to.equal(timestamp);
    // The panel that followed the seed's example still gets its triggers.
    await h.fire('Stage.Power', 'On');
    expect(Object.keys(await whoGot('trigger')).sort()).to.deep.equal(['admin', 'both', 'stage']);
    expect((await h.api('GET', `/api/areas/${stageArea}`)).body.area.entityIds).to.deep.equal(['Stage.Mode', 'Stage.Power', 'StageSocket']);
  });

  it('PATCH /api/areas/:id sends area_updated for a rename, area_disabled for isEnabled false', async () => {
    await h.api('PATCH', `/api/areas/${phoneArea}`, { name: 'Telephone' });
    const renamed = await whoGot('area_updated');
    expect(Object.keys(renamed).sort()).to.deep.equal(['both', 'phone']);
    expect(renamed.phone[0].data.name).to.equal('Telephone');
    await h.api('PATCH', `/api/areas/${phoneArea}`, { isEnabled: false });
    expect(Object.keys(await whoGot('area_disabled')).sort()).to.deep.equal(['both', 'phone']);
  });

  it('PATCH /api/areas/:id/toggle sends area_disabled then area_enabled, and gates the area events', async () => {
    const off = await h.api('PATCH', `/api/areas/${stageArea}/toggle`);
    expect(off.body.area.isEnabled).to.equal(false);
    const disabled = await whoGot('area_disabled');
    expect(Object.keys(disabled).sort()).to.deep.equal(['both', 'stage']);
    expect(disabled.stage[0].data.message).to.equal('Area has been disabled by admin');
    await h.fire('Stage.Mode', 'finale');
    expect(Object.keys(await whoGot('trigger'))).to.deep.equal(['admin']);
    await h.api('PATCH', `/api/areas/${stageArea}/toggle`, { isEnabled: true });
    expect(Object.keys(await whoGot('area_enabled')).sort()).to.deep.equal(['both', 'stage']);
    await h.fire('Stage.Mode', 'intro');
    expect(Object.keys(await whoGot('trigger')).sort()).to.deep.equal(['admin', 'both', 'stage']);
  });

  it('DELETE /api/areas/:id sends area_removed to its clients and unassigns it everywhere', async () => {
    const res = await h.api('DELETE', `/api/areas/${phoneArea}`);
    expect(res.body).to.deep.equal({ success: true, areaId: phoneArea, clientsAffected: 2 });
    const got = await whoGot('area_removed');
    expect(Object.keys(got).sort()).to.deep.equal(['both', 'phone']);
    expect(got.phone[0].data).to.include({ areaId: phoneArea, name: 'Phone', message: 'Area has been deleted by admin' });
    expect((await h.api('GET', `/api/clients/${ids.both}`)).body.client.areas).to.deep.equal([stageArea]);
    await h.fire('Dial.Number', 1);
    expect(Object.keys(await whoGot('trigger'))).to.deep.equal(['admin']);
  });

  it('assigning an area sends area_added to that client only; unassigning sends area_removed', async () => {
    const added = await h.api('POST', `/api/clients/${ids.none}/areas/${phoneArea}`);
    expect(added.body.client.areas).to.deep.equal([phoneArea]);
    const got = await whoGot('area_added');
    expect(Object.keys(got)).to.deep.equal(['none']);
    expect(got.none[0].data).to.include({ areaId: phoneArea, name: 'Phone', isEnabled: true, message: 'Area has been assigned to you' });
    await h.fire('Dial.Number', 2);
    expect(Object.keys(await whoGot('trigger')).sort()).to.deep.equal(['admin', 'both', 'none', 'phone']);
    await h.api('DELETE', `/api/clients/${ids.both}/areas/${stageArea}`);
    expect(Object.keys(await whoGot('area_removed'))).to.deep.equal(['both']);
    await h.fire('Stage.Mode', 'intro');
    expect(Object.keys(await whoGot('trigger')).sort()).to.deep.equal(['admin', 'stage']);
  });

  it('PUT /api/clients/:id/areas sends area_added and area_removed for the difference', async () => {
    await h.api('PUT', `/api/clients/${ids.stage}/areas`, { areas: [phoneArea] });
    await Promise.all(Object.values(c).map((client) => client.sync()));
    const since = c.stage.eventsSince(marks.get(c.stage)!).map((m) => `${m.type} ${m.data.areaId}`);
    expect(since).to.deep.equal([`area_added ${phoneArea}`, `area_removed ${stageArea}`]);
    for (const name of ['phone', 'both', 'none', 'admin'] as const) expect(c[name].eventsSince(marks.get(c[name])!)).to.deep.equal([]);
  });

  it('answers bad admin requests with a status and {"error"} and changes nothing', async () => {
    expect((await h.api('PUT', '/api/areas/area_missing', { name: 'x', entityIds: [] })).status).to.equal(404);
    const bad = await h.api('POST', '/api/areas', { name: '', entityIds: 'Stage.Mode' });
    expect(bad.status).to.equal(400);
    expect(bad.body.error).to.match(/^Invalid request body: /);
    expect((await h.api('PATCH', `/api/areas/${stageArea}`, {})).status).to.equal(400);
    const unknown = await h.api('PUT', `/api/clients/${ids.none}/areas`, { areas: ['area_missing'] });
    expect(unknown).to.deep.include({ status: 400, body: { error: 'Unknown area: area_missing' } });
    expect((await h.api('DELETE', `/api/clients/${ids.none}/areas/${stageArea}`)).status).to.equal(404);
    expect((await h.api('POST', `/api/clients/client_missing/areas/${stageArea}`)).status).to.equal(404);
    for (const type of ['area_updated', 'area_added', 'area_removed']) expect(await whoGot(type)).to.deep.equal({});
  });

  it('forwards power events to admins and to clients whose areas contain the socket; service status to admins only', async () => {
    const power: PowerEvent = { type: 'power_on', socket: 'StageSocket', timestamp: '2026-01-01T00:00:00.000Z', organization: 'default' };
    h.hub.runtime.bus.publish('power', power);
    const got = await whoGot('power');
    expect(Object.keys(got).sort()).to.deep.equal(['admin', 'both', 'stage']);
    expect(got.stage[0].data).to.deep.equal(power);
    const change: ServiceStatusChange = {
      service: 'Flame',
      protocol: 'TCP_SOCKET',
      status: 'connected',
      previous: 'connecting',
      timestamp: '2026-01-01T00:00:00.000Z',
    };
    h.hub.runtime.bus.publish('services', change);
    const services = await whoGot('service_status');
    expect(Object.keys(services)).to.deep.equal(['admin']);
    expect(services.admin[0].data).to.deep.equal(change);
  });

  it('the fan-out module reaches one client, clients with an area, everyone, and admins', async () => {
    const fan = h.ws.fanOut;
    expect(fan.notifyClient(ids.phone, 'area_updated', { areaId: 'x', message: 'one' })).to.equal(1);
    expect(Object.keys(await whoGot('area_updated'))).to.deep.equal(['phone']);
    expect(fan.notifyClientsWithArea(stageArea, 'area_updated', { areaId: stageArea, message: 'area' })).to.equal(2);
    expect(Object.keys(await whoGot('area_updated')).sort()).to.deep.equal(['both', 'stage']);
    expect(fan.notifyAllClients('area_updated', { message: 'all' })).to.equal(5);
    expect(Object.keys(await whoGot('area_updated')).sort()).to.deep.equal(['admin', 'both', 'none', 'phone', 'stage']);
    fan.notifyAdmins('pairing_completed', { message: 'admins' });
    expect(Object.keys(await whoGot('pairing_completed'))).to.deep.equal(['admin']);
  });

  it('lets a client narrow its events with subscribe/unsubscribe requests that carry ids', async () => {
    const sub = await c.both.request({ type: 'subscribe', triggers: ['Stage.Mode'] });
    expect(sub).to.deep.include({ success: true, result: { all: false, triggers: ['Stage.Mode'], categories: [] } });
    await h.fire('Stage.Power', 'On');
    await h.fire('Stage.Mode', 'intro');
    expect((await whoGot('trigger')).both.map((m) => m.data.name)).to.deep.equal(['Stage.Mode']);
    await c.both.request({ type: 'subscribe', categories: ['telephone'] });
    await h.fire('Dial.Number', 7);
    expect((await whoGot('trigger')).both.map((m) => m.data.name)).to.deep.equal(['Dial.Number']);
    const none = await c.both.request({ type: 'unsubscribe', all: true });
    expect(none.result).to.deep.equal({ all: false, triggers: [], categories: [] });
    await h.fire('Dial.Number', 8);
    expect((await whoGot('trigger')).both).to.equal(undefined);
    expect((await c.both.request({ type: 'subscribe', all: true })).result.all).to.equal(true);
    await h.fire('Dial.Number', 9);
    expect((await whoGot('trigger')).both).to.have.length(1);
  });

  it('refuses subscriptions outside the client areas or to unknown names, with the request id', async () => {
    const outside = await c.stage.request({ type: 'subscribe', triggers: ['Dial.Number'] });
    expect(outside).to.deep.include({ success: false, error: { code: 'not_in_areas', message: "Trigger 'Dial.Number' is not in any of your enabled areas" } });
    // A name outside the areas gets the same answer whether it exists or not: no oracle for what other areas hold.
    expect((await c.stage.request({ type: 'subscribe', triggers: ['Nope.Nothing'] })).error).to.deep.equal({
      code: 'not_in_areas',
      message: "Trigger 'Nope.Nothing' is not in any of your enabled areas",
    });
    expect((await c.admin.request({ type: 'subscribe', triggers: ['Nope.Nothing'] })).error.code).to.equal('unknown_trigger');
    expect((await c.stage.request({ type: 'subscribe', categories: ['nope'] })).error).to.deep.equal({
      code: 'unknown_category',
      message: "Category 'nope' has no triggers in your enabled areas",
    });
    // `telephone` has triggers, in an area the stage panel was not given.
    expect((await c.stage.request({ type: 'subscribe', categories: ['telephone'] })).error).to.deep.equal({
      code: 'unknown_category',
      message: "Category 'telephone' has no triggers in your enabled areas",
    });
    expect((await c.admin.request({ type: 'subscribe', categories: ['nope'] })).error.message).to.equal("Category 'nope' has no triggers");
    expect((await c.stage.request({ type: 'subscribe' })).error.code).to.equal('invalid_message');
    // Nothing changed: the client still gets its whole area.
    await h.fire('Stage.Power', 'On');
    expect(await whoGot('trigger')).to.have.property('stage');
    // Unsubscribing takes any name outside the areas alike, existing or not.
    expect((await c.stage.request({ type: 'unsubscribe', triggers: ['Nope.Nothing'] })).result).to.deep.equal({ all: false, triggers: [], categories: [] });
    expect((await c.stage.request({ type: 'unsubscribe', triggers: ['Dial.Number'] })).result).to.deep.equal({ all: false, triggers: [], categories: [] });
  });

  it('answers get_state with the cached state of the triggers the client may see', async () => {
    await h.fire('Stage.Mode', 'finale', 5);
    await h.fire('Dial.Number', 3);
    const state = await c.stage.request({ type: 'get_state' });
    expect(Object.keys(state.result.state)).to.deep.equal(['Stage.Mode']);
    expect(state.result.state['Stage.Mode']).to.include({ value: 'finale', id: 5 });
    expect(state.result.seq).to.equal(2);
  });

  it('exposes the enabled area names of a trigger for other transports', async () => {
    expect(h.ws.areasOfTrigger('Stage.Mode')).to.deep.equal(['Stage']);
    expect(h.ws.areasOfTrigger('Door.Sensor')).to.deep.equal([]);
    await h.api('PATCH', `/api/areas/${stageArea}/toggle`);
    expect(h.ws.areasOfTrigger('Stage.Mode')).to.deep.equal([]);
  });
});
