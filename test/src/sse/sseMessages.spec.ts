import { expect } from 'chai';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import type { TestHub } from '../../helpers/hub';
import type { PowerEvent } from '../../../src/bus/bus';
import { createVirtualTime } from '../../helpers/virtualTime';
import { openStream, type TestStream } from './sseClient';
import { createKey, fire, startSseHub } from './sseFixtures';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('SSE stream: messages, filters and organizations', () => {
  let hub: TestHub;
  let service: LineServer | undefined;
  const streams: TestStream[] = [];
  const stream = async (query = '', key?: string) => {
    const s = await openStream(`${hub.url}/api/events/stream${query}`, { apiKey: key ?? createKey(hub, 'acme').key });
    streams.push(s);
    await s.waitFor((m) => m.event === 'connection');
    return s;
  };
  afterEach(async () => {
    streams.splice(0).forEach((s) => s.close());
    await hub?.stop();
    await service?.close();
    service = undefined;
  });

  it('opens with headers for a live stream and a connection message carrying retry:', async () => {
    hub = await startSseHub({ sse: { retry_ms: 1234 } });
    // A client that accepts compression still gets the stream uncompressed, message by message.
    const s = await openStream(`${hub.url}/api/events/stream`, { apiKey: createKey(hub, 'acme').key, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    streams.push(s);
    await s.waitFor((m) => m.event === 'connection');
    expect(s.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).to.equal('no-cache, no-transform');
    expect(s.headers['content-encoding']).to.equal(undefined);
    const [first] = s.received;
    expect(first.event).to.equal('connection');
    expect(first.retry).to.equal(1234);
    expect(first.data).to.deep.include({
      type: 'connection',
      message: 'Connected to event stream',
      organizationId: 'acme',
      bus: 'up',
      resumeAfter: null,
      latestSeq: 0,
      heartbeatMs: 60000,
    });
    expect(first.data.connectionId).to.match(UUID);
  });

  it('sends each accepted event with its seq as id and the seed envelope adapted to triggers', async () => {
    hub = await startSseHub();
    const s = await stream();
    const seq = await fire(hub, 'Phone.Button', 'on');
    const m = await s.waitFor((x) => x.event === 'event');
    expect(m.id).to.equal(String(seq));
    const { timestamp, eventUuid, rawEvent, ...rest } = m.data;
    expect(eventUuid).to.match(UUID);
    expect(timestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(rest).to.deep.equal({
      seq,
      organizationId: 'acme',
      triggerName: 'Phone.Button',
      triggerDisplayName: 'Red button',
      value: 'On',
      id: null,
      deviceId: 'Phone',
      deviceName: 'Red Telephone',
      locationId: null,
      locationName: null,
      spaceId: null,
      spaceName: null,
      areaNames: [],
      source: 'HTTP',
      kind: 'event',
      event: {
        category: 'buttons',
        categoryDisplayName: 'Buttons',
        type: 'STATE_CHANGED',
        typeDisplayName: 'State Changed',
        subtype: 'ON',
        subtypeDisplayName: 'On',
        triggerType: 'On/Off',
        displayState: 'On',
      },
    });
    expect(rawEvent).to.deep.include({ seq, name: 'Phone.Button', value: 'On', organization: 'acme', timestamp });
  });

  it("carries the seed's device, location and space fields from the trigger config, and its category names", async () => {
    hub = await startSseHub();
    const s = await stream('', createKey(hub, 'globex').key);
    await fire(hub, 'Globex.Door', 'Off');
    const m = await s.waitFor((x) => x.event === 'event');
    expect(m.data).to.deep.include({
      organizationId: 'globex',
      deviceId: 'device_123',
      deviceName: 'Front Door',
      locationId: 'loc_789',
      locationName: 'Main Building',
      spaceId: null,
      spaceName: 'Lobby',
    });
    expect(m.data.event).to.deep.include({
      category: 'access',
      categoryDisplayName: 'Access Control',
      type: 'STATE_CHANGED',
      typeDisplayName: 'State Changed',
    });
  });

  it('names VALUE_CHANGED, FIRED and STATUS_UPDATED events, in seq order', async () => {
    hub = await startSseHub();
    const s = await stream();
    await fire(hub, 'Dial.Number', 4);
    await fire(hub, 'Fog.Burst', null);
    await fire(hub, 'Phone.Button', 'Off', 'status');
    const last = await fire(hub, 'Dial.Level', 55);
    await s.waitFor((m) => m.data.seq === last);
    expect(s.events().map((m) => [m.data.triggerName, m.data.event.type, m.data.event.displayState])).to.deep.equal([
      ['Dial.Number', 'VALUE_CHANGED', '4'],
      ['Fog.Burst', 'FIRED', 'Fired'],
      ['Phone.Button', 'STATUS_UPDATED', 'Off'],
      ['Dial.Level', 'VALUE_CHANGED', '55'],
    ]);
    expect(s.events().map((m) => Number(m.id))).to.deep.equal([1, 2, 3, 4]);
  });

  it('keeps organizations apart: a stream sees only its own triggers', async () => {
    hub = await startSseHub();
    const acme = await stream();
    const globex = await stream('', createKey(hub, 'globex').key);
    await fire(hub, 'Globex.Door', 'On');
    const acmeSeq = await fire(hub, 'Phone.Button', 'On');
    const globexSeq = await fire(hub, 'Globex.Door', 'Off');
    // Each stream is in seq order: once its later event is in, the other's earlier one would be too.
    await acme.waitFor((m) => m.data.seq === acmeSeq);
    await globex.waitFor((m) => m.data.seq === globexSeq);
    expect(acme.events().map((m) => m.data.triggerName)).to.deep.equal(['Phone.Button']);
    expect(globex.events().map((m) => [m.data.organizationId, m.data.triggerName, m.data.value])).to.deep.equal([
      ['globex', 'Globex.Door', 'On'],
      ['globex', 'Globex.Door', 'Off'],
    ]);
  });

  it('filters by eventCategories and eventTypes, alone and together', async () => {
    hub = await startSseHub();
    const dials = await stream('?eventCategories=dials');
    const fired = await stream('?eventTypes=FIRED');
    const both = await stream('?eventCategories=buttons,dials&eventTypes=STATE_CHANGED');
    const all = await stream();
    await fire(hub, 'Phone.Button', 'On');
    await fire(hub, 'Dial.Number', 2);
    await fire(hub, 'Fog.Burst', null);
    await fire(hub, 'Dial.Level', 10);
    // Fences: one last event each stream lets through. A stream is in seq order, so once its fence
    // is in, everything before it that it would let through is in too.
    const fences = { fired: await fire(hub, 'Fog.Burst', null), both: await fire(hub, 'Phone.Button', 'Off'), dials: await fire(hub, 'Dial.Number', 9) };
    await fired.waitFor((m) => m.data.seq === fences.fired);
    await both.waitFor((m) => m.data.seq === fences.both);
    await dials.waitFor((m) => m.data.seq === fences.dials);
    await all.waitFor((m) => m.data.seq === fences.dials);
    const names = (s: TestStream) => s.events().map((m) => m.data.triggerName);
    expect(names(dials)).to.deep.equal(['Dial.Number', 'Dial.Level', 'Dial.Number']);
    expect(names(both)).to.deep.equal(['Phone.Button', 'Phone.Button']);
    expect(names(fired)).to.deep.equal(['Fog.Burst', 'Fog.Burst']);
    expect(names(all)).to.have.length(7);
  });

  it('sends heartbeats at the configured interval', async () => {
    const time = createVirtualTime();
    hub = await startSseHub({ sse: { heartbeat_ms: 30 } }, { scheduler: time.scheduler });
    const s = await stream();
    time.advance(29);
    await fire(hub, 'Phone.Button', 'On');
    await s.waitFor((m) => m.event === 'event');
    expect(
      s.received.filter((m) => m.event === 'heartbeat'),
      'a heartbeat before heartbeat_ms',
    ).to.deep.equal([]);
    time.advance(1);
    const first = await s.waitFor((m) => m.event === 'heartbeat');
    expect(first.data).to.have.keys('type', 'timestamp');
    time.advance(30);
    await s.waitFor((m) => m.event === 'heartbeat' && m !== first);
  });

  it('sends service connections as system events to every organization', async () => {
    hub = await startSseHub();
    const acme = await stream('?eventCategories=system');
    const globex = await stream('', createKey(hub, 'globex').key);
    service = await startLineServer();
    const res = await fetch(`${hub.url}/api/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'FlameServer', port: service.port, host: '127.0.0.1', protocol: 'TCP_SOCKET' }),
    });
    expect(res.status, await res.text()).to.equal(200);
    for (const s of [acme, globex]) {
      const m = await s.waitFor((x) => x.data.event?.type === 'SERVICE_CONNECTED');
      expect(m.id).to.equal(undefined);
      expect(m.data).to.deep.include({ seq: null, organizationId: null, serviceName: 'FlameServer', status: 'connected' });
      expect(m.data.event).to.deep.include({ category: 'system', typeDisplayName: 'Service Connected' });
    }
    await service.close();
    await acme.waitFor((x) => x.data.event?.type === 'SERVICE_DISCONNECTED');
  });

  it("sends power socket events to the socket's organization only", async () => {
    hub = await startSseHub();
    const acme = await stream('?eventCategories=power');
    const globex = await stream('', createKey(hub, 'globex').key);
    const power = (organization: string, type: PowerEvent['type']): PowerEvent => ({
      type,
      socket: 'Stage',
      instanceId: 'show-1',
      organization,
      timestamp: new Date().toISOString(),
    });
    hub.runtime.bus.publish('power', power('globex', 'power_on'));
    hub.runtime.bus.publish('power', power('acme', 'emergency_stop'));
    const m = await acme.waitFor((x) => x.event === 'event');
    expect(m.data).to.deep.include({ organizationId: 'acme', socketName: 'Stage', instanceId: 'show-1' });
    expect(m.data.event).to.deep.include({ category: 'power', type: 'EMERGENCY_STOP' });
    await globex.waitFor((x) => x.data.event?.type === 'POWER_ON');
    expect(acme.events()).to.have.length(1);
    expect(globex.events()).to.have.length(1);
  });
});
