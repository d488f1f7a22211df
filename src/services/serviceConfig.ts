import type { BackoffConfig } from '../../streams/backoff';
import { definedFields } from '../../streams/contracts';
import type { HavenConfig } from '../config/havenConfig';

/** Everything the service actors are tuned with; every field has a default ({@link SERVICE_DEFAULTS}). */
export interface ServiceConfig {
  /** Default max age of a waiting delivery when a registration sets none. */
  readonly maxAgeMs: number;
  /** Deliveries that may wait per service; one more drops the oldest (`overflow`). */
  readonly mailboxSize: number;
  /** How long a TCP connect may take before it counts as failed. */
  readonly connectTimeoutMs: number;
  /** TCP keepalive's idle time before the first probe, rounded up to whole seconds; 0: keepalive off. */
  readonly keepaliveMs: number;
  /** Reconnect policy (exponential with jitter). */
  readonly backoff: BackoffConfig;
  /** A connection that stayed up this long resets the reconnect attempt counter. */
  readonly stableAfterMs: number;
  /** TCP_CONNECT: connections in flight per service; more events wait in the mailbox. */
  readonly connectConcurrency: number;
  /** How long `stop()` lets a socket flush (`end`) before destroying it. */
  readonly closeGraceMs: number;
  /** Events whose outcomes `delivery()` can still report; older ones are forgotten. */
  readonly deliveryHistory: number;
}

/** The defaults, matching `config/schemas/core.schema.json`'s `services` section where it has one. */
export const SERVICE_DEFAULTS: ServiceConfig = {
  maxAgeMs: 2000,
  mailboxSize: 1000,
  connectTimeoutMs: 2000,
  keepaliveMs: 1000,
  backoff: { baseMs: 100, factor: 2, capMs: 5000, jitter: 0.2 },
  stableAfterMs: 5000,
  connectConcurrency: 8,
  closeGraceMs: 1000,
  deliveryHistory: 4096,
};

/** Fills the missing fields of `partial` from {@link SERVICE_DEFAULTS}. */
export function resolveServiceConfig(partial: Partial<ServiceConfig> = {}): ServiceConfig {
  return { ...SERVICE_DEFAULTS, ...definedFields(partial), backoff: { ...SERVICE_DEFAULTS.backoff, ...partial.backoff } };
}

/** The `services` section of the haven config, in the shape the dispatcher takes. */
export function serviceConfigFrom(services: HavenConfig['services']): Partial<ServiceConfig> {
  return {
    maxAgeMs: services.max_age_ms,
    mailboxSize: services.mailbox_size,
    connectTimeoutMs: services.connect_timeout_ms,
    keepaliveMs: services.keepalive_ms,
    backoff: {
      baseMs: services.backoff.base_ms,
      factor: services.backoff.factor,
      capMs: services.backoff.cap_ms,
      jitter: services.backoff.jitter,
    },
  };
}
