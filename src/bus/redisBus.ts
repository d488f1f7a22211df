import { randomUUID } from 'node:crypto';
import Redis, { type RedisOptions } from 'ioredis';
import { BehaviorSubject, distinctUntilChanged, filter, map, merge, Observable, Subject } from 'rxjs';
import { createBackoff, type Backoff } from '../../streams/backoff';
import { urlForLog, type Logger } from '../log';
import type { Bus, BusMessage, BusState, BusTopic } from './bus';

/** Where one of the two Redis connections stands. */
export type RedisLinkStatus = 'connecting' | 'ready' | 'reconnecting' | 'closed';

export interface RedisBusDeps {
  /** `redis://[:password@]host:port[/db]` */
  readonly url: string;
  /** Channels are `<prefix>:<topic>`. */
  readonly channelPrefix: string;
  readonly log: Logger;
  /** This process's id on the bus; default a random UUID. */
  readonly origin?: string;
  /** Delay before reconnect attempt n; default 100 ms doubling up to 2 s with jitter. */
  readonly backoff?: Backoff;
  readonly connectTimeoutMs?: number;
}

/** What travels on a channel: the publisher's origin and the payload. */
interface Wire {
  readonly o: string;
  readonly p: unknown;
}

/**
 * The bus shared by several hub processes through Redis pub/sub. Local subscribers get local
 * messages at once, synchronously, whatever Redis does: they never round-trip through Redis, and
 * the echo of a process's own message (same origin) is dropped. One subscriber connection per
 * process carries every channel; a channel is subscribed while someone listens to its topic.
 * While Redis is unreachable the state is `down` and messages for other processes are dropped
 * (not queued: a late event is worse than a missing one, and the clients are told).
 */
export function createRedisBus({
  url,
  channelPrefix,
  log,
  origin = randomUUID(),
  backoff = createBackoff({ baseMs: 100, capMs: 2000 }),
  connectTimeoutMs = 2000,
}: RedisBusDeps): Bus {
  const local$ = new Subject<BusMessage<unknown>>();
  const remote$ = new Subject<BusMessage<unknown>>();
  const state$ = new BehaviorSubject<BusState>('down');
  const channel = (topic: BusTopic) => `${channelPrefix}:${topic}`;
  const options: RedisOptions = {
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => backoff(attempt),
    lazyConnect: false,
  };
  // The publisher never queues (publish fails fast while down); the subscriber keeps its few
  // SUBSCRIBE commands until Redis is back, however long that takes.
  const pub = new Redis(url, { ...options, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  const sub = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  const status: Record<'publisher' | 'subscriber', RedisLinkStatus> = { publisher: 'connecting', subscriber: 'connecting' };
  let closed = false;
  let dropped = 0;

  /** The one place a link's status changes: logs the transition and recomputes the bus state. */
  const setStatus = (link: 'publisher' | 'subscriber', next: RedisLinkStatus, detail?: string): void => {
    if (status[link] === next) return;
    status[link] = next;
    const line = `${link} ${next}${detail ? ` (${detail})` : ''}`;
    if (next === 'reconnecting') log.warn(line);
    else log.info(line);
    const up = status.publisher === 'ready' && status.subscriber === 'ready';
    if (!closed && (state$.value === 'up') !== up) {
      if (up)
        log.info(`Redis connection restored${dropped > 0 ? `; ${dropped} messages were not sent to other processes while down` : ''}`, { url: urlForLog(url) });
      else log.warn('Redis connection lost: events reach this process only until it is back', { url: urlForLog(url) });
      dropped = 0;
      state$.next(up ? 'up' : 'down');
    }
  };

  for (const [link, client] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    client.on('close', () => setStatus(link, closed ? 'closed' : 'reconnecting'));
    client.on('end', () => setStatus(link, 'closed'));
    // Without a listener ioredis prints every failed attempt; the status line says enough.
    client.on('error', (err: Error) => log.debug(`${link} error`, { error: err.message }));
  }
  pub.on('ready', () => setStatus('publisher', 'ready'));
  // The subscriber counts as ready once a PING, sent after ioredis re-subscribed, comes back:
  // Redis answers in order, so every channel is subscribed again by then.
  sub.on('ready', () =>
    setImmediate(() =>
      sub.ping().then(
        () => sub.status === 'ready' && setStatus('subscriber', 'ready'),
        () => undefined,
      ),
    ),
  );
  sub.on('message', (ch: string, text: string) => {
    if (!ch.startsWith(`${channelPrefix}:`)) return;
    let wire: Wire;
    try {
      wire = JSON.parse(text) as Wire;
    } catch {
      log.warn('dropped a message that is not JSON', { channel: ch });
      return;
    }
    if (typeof wire?.o !== 'string' || wire.o === origin) return;
    remote$.next({ topic: ch.slice(channelPrefix.length + 1), origin: wire.o, payload: wire.p });
  });
  log.info('connecting', { url: urlForLog(url), origin });

  const listeners = new Map<BusTopic, number>();
  const listen = (topic: BusTopic): void => {
    const n = (listeners.get(topic) ?? 0) + 1;
    listeners.set(topic, n);
    if (n === 1) sub.subscribe(channel(topic)).catch((err: Error) => log.warn(`subscribe ${channel(topic)} failed`, { error: err.message }));
  };
  const unlisten = (topic: BusTopic): void => {
    const n = (listeners.get(topic) ?? 1) - 1;
    if (n > 0) {
      listeners.set(topic, n);
      return;
    }
    listeners.delete(topic);
    if (!closed) sub.unsubscribe(channel(topic)).catch(() => undefined);
  };

  const withOrigin$ = <T>(topic: BusTopic): Observable<BusMessage<T>> =>
    new Observable<BusMessage<T>>((subscriber) => {
      listen(topic);
      const s = merge(local$, remote$)
        .pipe(filter((m) => m.topic === topic))
        .subscribe({ next: (m) => subscriber.next(m as BusMessage<T>), complete: () => subscriber.complete() });
      return () => {
        s.unsubscribe();
        unlisten(topic);
      };
    });

  return {
    origin,
    publish(topic, payload) {
      local$.next({ topic, origin, payload });
      if (closed) return;
      if (pub.status !== 'ready') {
        dropped++;
        return;
      }
      pub.publish(channel(topic), JSON.stringify({ o: origin, p: payload } satisfies Wire)).catch(() => dropped++);
    },
    messages$: <T>(topic: BusTopic) => withOrigin$<T>(topic).pipe(map((m) => m.payload)),
    messagesWithOrigin$: withOrigin$,
    state$: state$.pipe(distinctUntilChanged()),
    async close() {
      if (closed) return;
      closed = true;
      sub.disconnect();
      pub.disconnect();
      local$.complete();
      remote$.complete();
      state$.complete();
    },
  };
}
