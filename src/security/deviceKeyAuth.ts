import type { AuthFailureLimiter } from './authFailureLimiter';

/**
 * How a source's connection proves it is a device, when `security.device_keys` lists the source:
 * its own place for a key (TCP's `AUTH <key>` line, OSC's `/haven/auth <key>`, MQTT's CONNECT
 * password), checked the same way everywhere, failures counted in the hub's one limiter.
 */
export interface DeviceKeyAuth {
  /** Nothing is reported before a good key. */
  readonly required: boolean;
  /** Is this a device (or admin) API key? */
  readonly verify: (key: string) => boolean;
  readonly failures?: Pick<AuthFailureLimiter, 'blockedForMs' | 'fail'>;
}
