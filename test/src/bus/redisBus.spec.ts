import { expect } from 'chai';
import { waitFor } from '../../helpers/waitFor';
import Redis from 'ioredis';
import { filter, firstValueFrom, timeout, toArray, take } from 'rxjs';
import type { Bus, BusMessage } from '../../../src/bus/bus';
import { createRedisBus } from '../../../src/bus/redisBus';
import { createLogger } from '../../../src/log';
import { freePort } from '../../helpers/lineServer';
import { requirePeers } from '../../helpers/peers';
import { startRedis, type RedisServer } from './redisServer';

const log = createLogger('Redis Client', 'silent');

/** Resolves when `bus` reaches `state`; fails after `ms`. */
const stateOf = (bus: Bus, state: 'up' | 'down', ms = 10000) =>
  firstValueFrom(
    bus.state$.pipe(
      filter((s) => s === state),
      timeout(ms),
    ),
  );

const until = (check: () => Promise<boolean>, ms = 5000): Promise<void> => waitFor(check, 'the bus to settle', ms);

describe('redisBus', () => {
  requirePeers('redis-server');
  let redis: RedisServer;
  const buses: Bus[] = [];
  const bus = (origin: string, url = redis.url) => {
    const b = createRedisBus({ url, channelPrefix: 'test', log, origin, backoff: () => 50 });
    buses.push(b);
    return b;
  };

  before(async () => (redis = await startRedis()));
  after(async () => redis?.kill()); // unset when the server never started
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await redis.restart();
  });

  it('delivers local messages at once, synchronously, even when Redis is unreachable', async () => {
    const b = bus('solo', `redis://127.0.0.1:${await freePort()}`);
    const got: unknown[] = [];
    const s = b.messages$('events').subscribe((m) => got.push(m));
    b.publish('events', { seq: 1 });
    expect(got).to.deep.equal([{ seq: 1 }]);
    expect(await firstValueFrom(b.state$)).to.equal('down');
    s.unsubscribe();
  });

  it('carries a message to another process with its origin and drops its own echo', async () => {
    const a = bus('hub-a');
    const b = bus('hub-b');
    const atA: BusMessage<unknown>[] = [];
    const sa = a.messagesWithOrigin$!('events').subscribe((m) => atA.push(m));
    const fromA = firstValueFrom(b.messagesWithOrigin$!('events').pipe(take(1), timeout(5000)));
    await Promise.all([stateOf(a, 'up'), stateOf(b, 'up')]);
    a.publish('events', { seq: 1 });
    expect(await fromA).to.deep.equal({ topic: 'events', origin: 'hub-a', payload: { seq: 1 } });
    // Redis delivers in publish order: had A's echo come back, it would arrive before B's reply.
    const reply = firstValueFrom(
      a.messagesWithOrigin$!('events').pipe(
        filter((m) => m.origin === 'hub-b'),
        timeout(5000),
      ),
    );
    b.publish('events', { seq: 7 });
    await reply;
    expect(atA).to.deep.equal([
      { topic: 'events', origin: 'hub-a', payload: { seq: 1 } },
      { topic: 'events', origin: 'hub-b', payload: { seq: 7 } },
    ]);
    sa.unsubscribe();
  });

  it('keeps topics apart', async () => {
    const a = bus('hub-a');
    const b = bus('hub-b');
    const services = firstValueFrom(b.messages$('services').pipe(take(2), toArray(), timeout(5000)));
    await Promise.all([stateOf(a, 'up'), stateOf(b, 'up')]);
    a.publish('power', { socket: 'x' });
    a.publish('services', { service: 's1' });
    a.publish('services', { service: 's2' });
    expect(await services).to.deep.equal([{ service: 's1' }, { service: 's2' }]);
  });

  it('subscribes a channel while someone listens to its topic, one connection for all', async () => {
    const a = bus('hub-a');
    await stateOf(a, 'up');
    const probe = new Redis(redis.url);
    try {
      const channels = async () => ((await probe.pubsub('CHANNELS', 'test:*')) as string[]).sort();
      const s1 = a.messages$('events').subscribe();
      const s2 = a.messages$('events').subscribe();
      const s3 = a.messages$('power').subscribe();
      await until(async () => (await channels()).join() === 'test:events,test:power');
      expect(await probe.pubsub('NUMSUB', 'test:events')).to.deep.equal(['test:events', 1]);
      s1.unsubscribe();
      s3.unsubscribe();
      await until(async () => (await channels()).join() === 'test:events');
      s2.unsubscribe();
      await until(async () => (await channels()).length === 0);
    } finally {
      probe.disconnect();
    }
  });

  it('goes down when Redis dies and up when it is back, with subscriptions restored', async () => {
    const a = bus('hub-a');
    const b = bus('hub-b');
    const atB: unknown[] = [];
    const s = b.messages$('events').subscribe((m) => atB.push(m));
    await Promise.all([stateOf(a, 'up'), stateOf(b, 'up')]);
    const downA = stateOf(a, 'down');
    const downB = stateOf(b, 'down');
    await redis.kill();
    await Promise.all([downA, downB]);
    // While down, local delivery goes on and nothing is queued for later.
    const local: unknown[] = [];
    const sl = a.messages$('events').subscribe((m) => local.push(m));
    a.publish('events', { seq: 'during outage' });
    expect(local).to.deep.equal([{ seq: 'during outage' }]);
    await redis.restart();
    await Promise.all([stateOf(a, 'up'), stateOf(b, 'up')]);
    const after = firstValueFrom(b.messages$('events').pipe(take(1), timeout(5000)));
    a.publish('events', { seq: 'after' });
    expect(await after).to.deep.equal({ seq: 'after' });
    expect(atB).to.deep.equal([{ seq: 'after' }]);
    s.unsubscribe();
    sl.unsubscribe();
  });
});
