import { expect } from 'chai';
import type { TestHub } from '../../helpers/hub';
import { requirePeers } from '../../helpers/peers';
import { startRedis, type RedisServer } from '../bus/redisServer';
import { openStream, type TestStream } from './sseClient';
import { createKey, startSseHub } from './sseFixtures';

describe('SSE stream across hub processes sharing Redis', () => {
  requirePeers('redis-server');
  let redis: RedisServer;
  const hubs: TestHub[] = [];
  const streams: TestStream[] = [];
  const hubOnRedis = async () => {
    const hub = await startSseHub({ bus: { redis_url: redis.url, channel_prefix: 'haven-test' } });
    hubs.push(hub);
    return hub;
  };
  const stream = async (hub: TestHub, organization = 'acme') => {
    const s = await openStream(`${hub.url}/api/events/stream`, { apiKey: createKey(hub, organization).key });
    streams.push(s);
    return s;
  };
  /** Waits until the hub's bus says `state` (a condition with a failure timeout). */
  const busIs = (hub: TestHub, state: 'up' | 'down') =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bus not ${state}`)), 10000);
      const s = hub.runtime.bus.state$.subscribe((now) => {
        if (now !== state) return;
        clearTimeout(timer);
        queueMicrotask(() => s.unsubscribe());
        resolve();
      });
    });
  const post = (hub: TestHub, name: string, value: unknown) =>
    fetch(`${hub.url}/api/trigger-event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, value }) }).then(
      async (r) => {
        expect(r.status, await r.text()).to.equal(200);
      },
    );

  before(async () => (redis = await startRedis()));
  after(async () => redis?.kill()); // unset when the server never started
  afterEach(async () => {
    streams.splice(0).forEach((s) => s.close());
    await Promise.all(hubs.splice(0).map((h) => h.stop()));
    await redis.restart();
  });

  it('delivers an event accepted by one process to a stream on the other, marked relayed, without an id', async () => {
    const a = await hubOnRedis();
    const b = await hubOnRedis();
    await Promise.all([busIs(a, 'up'), busIs(b, 'up')]);
    const atB = await stream(b);
    const atBGlobex = await stream(b, 'globex');
    const atA = await stream(a);
    await atB.waitFor((m) => m.event === 'connection');
    await atA.waitFor((m) => m.event === 'connection');
    await post(a, 'Phone.Button', 'On');
    const relayed = await atB.waitFor((m) => m.event === 'event');
    const local = await atA.waitFor((m) => m.event === 'event');
    expect(relayed.id).to.equal(undefined);
    expect(local.id).to.equal('1');
    expect(relayed.data.relayedFrom).to.equal(a.runtime.bus.origin);
    expect(local.data).not.to.have.property('relayedFrom');
    // The same event has the same uuid in every process.
    expect(relayed.data.eventUuid).to.equal(local.data.eventUuid);
    const { relayedFrom: _r, ...sameAsLocal } = relayed.data;
    expect(sameAsLocal).to.deep.equal(local.data);
    // B's own event comes with B's seq as id; the other organization saw neither.
    await post(b, 'Phone.Button', 'Off');
    const own = await atB.waitFor((m) => m.event === 'event' && m.data.relayedFrom === undefined);
    expect(own.id).to.equal('1');
    await post(b, 'Globex.Door', 'On');
    await atBGlobex.waitFor((m) => m.event === 'event');
    expect(atBGlobex.events().map((m) => m.data.triggerName)).to.deep.equal(['Globex.Door']);
    await atA.waitFor((m) => m.event === 'event' && m.data.relayedFrom !== undefined);
    expect(atA.events().map((m) => [m.data.value, m.id])).to.deep.equal([
      ['On', '1'],
      ['Off', undefined],
    ]);
  });

  it('tells streams "Redis connection lost" when Redis dies and "Redis connection restored" when it is back', async () => {
    const a = await hubOnRedis();
    const b = await hubOnRedis();
    await Promise.all([busIs(a, 'up'), busIs(b, 'up')]);
    const atB = await stream(b);
    expect((await atB.waitFor((m) => m.event === 'connection')).data.bus).to.equal('up');
    await redis.kill();
    const lost = await atB.waitFor((m) => m.event === 'system', { ms: 10000 });
    expect(lost.data).to.deep.include({ type: 'system', code: 'bus_down', message: 'Redis connection lost' });
    // Local events still flow while Redis is down.
    await post(b, 'Phone.Button', 'On');
    expect((await atB.waitFor((m) => m.event === 'event')).id).to.equal('1');
    await redis.restart();
    const restored = await atB.waitFor((m) => m.event === 'system' && m.data.code === 'bus_up', { ms: 10000 });
    expect(restored.data.message).to.equal('Redis connection restored');
    await busIs(a, 'up');
    await post(a, 'Dial.Number', 7);
    const relayed = await atB.waitFor((m) => m.event === 'event' && m.data.relayedFrom !== undefined, { ms: 10000 });
    expect(relayed.data).to.deep.include({ triggerName: 'Dial.Number', value: 7 });
  });
});
