import type { Observable } from 'rxjs';

/** The payloads of the `power` and `services` topics; the pure envelope builders in streams/ name them too. */
export type { PowerEvent, ServiceStatusChange } from '../../streams/busMessages';

/** Topics on the bus. `events`: accepted TriggerEvents; `power`: power socket events; `services`: service status changes. */
export type BusTopic = 'events' | 'power' | 'services' | (string & {});

/** `up`: messages flow between hub processes (or in-process only, which is always up); `down`: Redis is unreachable. */
export type BusState = 'up' | 'down';

/** One message with the hub process that published it (`Bus.origin` of that process). */
export interface BusMessage<T> {
  readonly topic: BusTopic;
  readonly origin: string;
  readonly payload: T;
}

/**
 * Pub/sub between the pipeline and the transports. In-process by default; with `bus.redis_url`
 * several hub processes share it through Redis (one subscriber per process). Local subscribers
 * always get local messages at once, whatever Redis does.
 */
export interface Bus {
  publish<T>(topic: BusTopic, payload: T): void;
  /** Every payload published on `topic`, here or (with Redis) by another process. Hot; never errors. */
  messages$<T>(topic: BusTopic): Observable<T>;
  /** This process's id on the bus: its messages carry it, so it can drop its own echoes. Optional: fakes may omit it. */
  readonly origin?: string;
  /**
   * Like `messages$`, each message with its origin, so a consumer tells this process's messages
   * (origin === `origin`) from other processes' (their `seq` is their own). Optional: fakes may omit it.
   */
  messagesWithOrigin$?<T>(topic: BusTopic): Observable<BusMessage<T>>;
  /** The current state first, then every change. */
  readonly state$: Observable<BusState>;
  close(): Promise<void>;
}
