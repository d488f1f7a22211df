import type { Observable } from 'rxjs';

/** Topics on the bus. `events`: accepted TriggerEvents; `power`: power socket events; `services`: service status changes. */
export type BusTopic = 'events' | 'power' | 'services' | (string & {});

/** `up`: messages flow between hub processes (or in-process only, which is always up); `down`: Redis is unreachable. */
export type BusState = 'up' | 'down';

/**
 * Pub/sub between the pipeline and the transports. In-process by default; with `bus.redis_url`
 * several hub processes share it through Redis (one subscriber per process). Local subscribers
 * always get local messages at once, whatever Redis does.
 */
export interface Bus {
  publish<T>(topic: BusTopic, payload: T): void;
  /** Every payload published on `topic`, here or (with Redis) by another process. Hot; never errors. */
  messages$<T>(topic: BusTopic): Observable<T>;
  /** The current state first, then every change. */
  readonly state$: Observable<BusState>;
  close(): Promise<void>;
}
