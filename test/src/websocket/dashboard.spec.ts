import { expect } from 'chai';
import { startWsHub, type WsHub } from './wsHarness';

describe('WebSocket dashboard feed (subscribe_dashboard)', () => {
  let h: WsHub;

  beforeEach(async () => {
    h = await startWsHub();
  });
  afterEach(async () => {
    await h.stop();
  });

  const clientOf = (entities: string[]) => {
    const area = h.ws.admin.createArea('Stage', entities, true);
    if (!area.ok) throw new Error('no area');
    const client = h.ws.admin.createClient('panel', 'client', [area.value.id]);
    if (!client.ok) throw new Error('no client');
    return client.value.token;
  };
  const reject = (name: string, value: unknown) => h.hub.runtime.report({ source: 'HTTP', kind: 'event', name, value, remote: '127.0.0.1' });

  it('answers an admin with the whole catalog and its state, the services, the sources and the event rate', async () => {
    await h.fire('Stage.Mode', 'intro', 3);
    const admin = await h.login(h.adminToken);
    const { success, result } = await admin.request({ type: 'subscribe_dashboard' });
    expect(success).to.equal(true);
    expect(result.role).to.equal('admin');
    expect(result.triggers).to.have.length(8);
    const stage = result.triggers.find((t: { name: string }) => t.name === 'Stage.Mode');
    expect(stage).to.include({ type: 'Discrete', category: 'show' });
    expect(stage.state).to.include({ value: 'intro', id: 3 });
    expect(result.services).to.deep.equal([]);
    expect(result.sources.map((s: { name: string }) => s.name)).to.deep.equal(['WEB', 'TCP', 'MODBUS', 'OSC', 'MQTT']);
    expect(result.rate).to.deep.equal({ periodMs: 1000, counts: [] });
    expect(result.seq).to.equal(1);
  });

  it('gives a client only the triggers and sockets of its areas, and no services', async () => {
    const panel = await h.login(clientOf(['Stage.Mode']));
    const { result } = await panel.request({ type: 'subscribe_dashboard' });
    expect(result.role).to.equal('client');
    expect(result.triggers.map((t: { name: string }) => t.name)).to.deep.equal(['Stage.Mode']);
    expect(result).not.to.have.property('services');
    expect(result.power).to.deep.equal([]);
  });

  it('sends rejected inputs with their reasons to the dashboards that may see the trigger, and to nobody else', async () => {
    const admin = await h.login(h.adminToken);
    const panel = await h.login(clientOf(['Stage.Mode']));
    const bystander = await h.login(h.adminToken);
    await admin.request({ type: 'subscribe_dashboard' });
    await panel.request({ type: 'subscribe_dashboard' });

    expect((await reject('Flame.Intensity', 500)).accepted).to.equal(false);
    expect((await reject('Stage.Mode', 'nope')).accepted).to.equal(false);
    const flame = await admin.waitFor((m) => m.type === 'answer' && m.data.name === 'Flame.Intensity', 'the Flame rejection');
    expect(flame.data).to.include({ accepted: false, source: 'HTTP', kind: 'event', value: 500, reason: 'invalid_value' });
    expect(flame.data.message).to.match(/between 0 and 100/);
    await admin.waitFor((m) => m.type === 'answer' && m.data.name === 'Stage.Mode', 'the Stage rejection (admin)');
    await panel.waitFor((m) => m.type === 'answer' && m.data.name === 'Stage.Mode', 'the Stage rejection (panel)');
    await Promise.all([panel.sync(), bystander.sync()]);
    expect(panel.ofType('answer').map((m) => m.data.name)).to.deep.equal(['Stage.Mode']);
    expect(bystander.ofType('answer')).to.deep.equal([]);
  });

  it('sends a dashboard update every second, on the hub scheduler, with the event rate', async () => {
    const admin = await h.login(h.adminToken);
    await admin.request({ type: 'subscribe_dashboard' });
    await h.fire('Stage.Mode', 'finale');
    const first = await admin.waitFor((m) => m.type === 'dashboard', 'a dashboard update', 0, 3000);
    expect(first.data.rate.counts).to.have.length(1);
    expect(first.data.sources).to.have.length(5);
    const second = await admin.waitFor((m) => m.type === 'dashboard' && m !== first, 'a second update', 0, 3000);
    expect(second.data.rate.counts).to.have.length(2);
    expect(first.data.rate.counts[0] + second.data.rate.counts[1]).to.equal(1);
  });

  it('answers subscribe_dashboard before authentication with a close, like any other request', async () => {
    const anonymous = await h.connect();
    anonymous.send({ type: 'subscribe_dashboard' });
    expect((await anonymous.closed()).code).to.equal(4401);
  });
});
