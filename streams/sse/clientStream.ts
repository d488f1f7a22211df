import { asyncScheduler, concat, interval, map, merge, of, take, takeWhile, type Observable, type SchedulerLike } from 'rxjs';
import { busNotices, type BusHealth } from './busNotices';
import type { EventEnvelope } from './envelope';
import { resumeThenLive, type ResumeOptions } from './resumeThenLive';
import { systemMessage, type ConnectionNotice, type SseMessage } from './sseMessage';

export interface ClientStreamOptions extends ResumeOptions {
  /** The opening message's data. */
  readonly connection: ConnectionNotice;
  /** `retry:` sent with the opening message: how long a client waits before reconnecting after a drop. */
  readonly retryMs: number;
  readonly heartbeatMs: number;
  /** The bus state, current value first. */
  readonly busState$: Observable<BusHealth>;
  /** Emits the reconnect delay (ms) when the hub shuts down gracefully. */
  readonly shutdown$: Observable<number>;
  /** Asked at every heartbeat: false once the stream's API key is revoked. */
  readonly stillAuthorized: () => boolean;
}

/** The last message of a stream: the stream completes after writing it. */
function isFinal(m: SseMessage): boolean {
  return m.event === 'system' && (m.data.code === 'shutdown' || m.data.code === 'key_revoked');
}

/**
 * Everything one SSE client receives, in order: `connection` first, then replayed and live
 * `event`s, `heartbeat`s every `heartbeatMs`, `system` messages when the bus is lost or restored.
 * It completes after a shutdown notice (with `retry:` set to the reconnect delay) or when a
 * heartbeat finds the API key revoked. Never errors.
 *
 * ```
 * live$:     ---e---e----------
 * busState$: u--------d--------
 * shutdown$: -------------5----
 * result:    c--e-h-e-Lh--(S|)     (heartbeatMs = 4)
 * ```
 */
export function clientStream$(
  live$: Observable<EventEnvelope>,
  options: ClientStreamOptions,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<SseMessage> {
  const { connection, retryMs, heartbeatMs, busState$, shutdown$, stillAuthorized, utcNow } = options;
  const heartbeats$ = interval(heartbeatMs, scheduler).pipe(
    map((): SseMessage =>
      stillAuthorized()
        ? { event: 'heartbeat', data: { type: 'heartbeat', timestamp: utcNow() } }
        : systemMessage({ code: 'key_revoked', message: 'API key revoked; this stream is closed', timestamp: utcNow() }),
    ),
  );
  const shutdownNotice$ = shutdown$.pipe(
    take(1),
    map((ms) => systemMessage({ code: 'shutdown', message: `Server shutting down; reconnect in ${ms} ms`, reconnectAfterMs: ms, timestamp: utcNow() }, ms)),
  );
  return concat(
    of<SseMessage>({ event: 'connection', data: connection, retry: retryMs }),
    merge(resumeThenLive(live$, options), heartbeats$, busNotices(busState$, utcNow), shutdownNotice$),
  ).pipe(takeWhile((m) => !isFinal(m), true));
}
