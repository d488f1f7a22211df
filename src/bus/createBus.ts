import { map } from 'rxjs';
import { randomUUID } from 'node:crypto';
import type { HavenConfig } from '../config/havenConfig';
import type { Logger } from '../log';
import type { Bus, BusTopic } from './bus';
import { createLocalBus } from './localBus';

/** The in-process bus with an origin: every message on it is this process's own. */
function withOwnOrigin(bus: Bus, origin = randomUUID()): Bus {
  return {
    ...bus,
    origin,
    messagesWithOrigin$: <T>(topic: BusTopic) => bus.messages$<T>(topic).pipe(map((payload) => ({ topic, origin, payload }))),
  };
}

/**
 * The bus the config asks for: Redis pub/sub when `bus.redis_url` is set (several hub processes),
 * in-process otherwise. The runtime's default.
 */
export function createBus(config: HavenConfig, log: Logger): Bus {
  const { redis_url, channel_prefix } = config.bus;
  if (redis_url) {
    // Loaded only when Redis is asked for: ioredis takes ~80 ms of a start-up that should stay under a second.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createRedisBus } = require('./redisBus') as typeof import('./redisBus');
    return createRedisBus({ url: redis_url, channelPrefix: channel_prefix, log: log.child('Redis Client') });
  }
  return withOwnOrigin(createLocalBus());
}
