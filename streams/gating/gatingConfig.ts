import type { IpWhitelists } from './ipWhitelist';

/** What the minimum interval counts against: each trigger separately, or every trigger together. */
export type MinIntervalScope = 'trigger' | 'global';

/** The gateway's filtering parameters (the seed's `trigger.gating` section). */
export interface GatingConfig {
  /** Events of the same scope closer than this are rejected `min_interval`; Continuous ones are throttled. 0 disables. */
  readonly minIntervalMs: number;
  readonly minIntervalScope: MinIntervalScope;
  /** After an accepted event, events from lower-priority sources are rejected `cooldown` for this long. 0 disables. */
  readonly cooldownMs: number;
  /** Who may report for which source, compiled from the config's CIDR blocks. Default: everybody. */
  readonly whitelist: IpWhitelists;
  /** Source name to priority, higher wins; a source not listed has priority 0. */
  readonly priorities: Readonly<Record<string, number>>;
}

/** Every rule off, the seed's source priorities. */
export const DEFAULT_GATING: GatingConfig = {
  minIntervalMs: 0,
  minIntervalScope: 'trigger',
  cooldownMs: 0,
  whitelist: {},
  priorities: { HTTP: 1, TCP: 1, MODBUS: 2, WEB: 3 },
};

/** The gating parameters as the rules read them: priorities as a lookup that ignores `Object.prototype`. */
export interface GateContext {
  /** Monotonic ms (the scheduler's clock) at which the input is decided. */
  readonly now: number;
  readonly minIntervalMs: number;
  readonly minIntervalScope: MinIntervalScope;
  readonly cooldownMs: number;
  priorityOf(source: string): number;
}

/** Builds the rules' view of a config once (the gateway then only updates `now` per input). */
export function createGateContext(config: GatingConfig, now = 0): Omit<GateContext, 'now'> & { now: number } {
  const priorities = new Map(Object.entries(config.priorities));
  return {
    now,
    minIntervalMs: config.minIntervalMs,
    minIntervalScope: config.minIntervalScope,
    cooldownMs: config.cooldownMs,
    priorityOf: (source) => priorities.get(source) ?? 0,
  };
}
