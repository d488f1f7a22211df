/** One socket as configured (`config/schemas/power.schema.json`), defaults filled in. */
export interface SocketConfig {
  readonly name: string;
  readonly driver: 'simulated' | 'shelly' | 'tasmota';
  readonly address?: string;
  readonly channel: number;
  readonly timeout_ms: number;
  readonly sampling_interval_ms: number;
  readonly organization: string;
  readonly username?: string;
  /** Secret: never logged. */
  readonly password?: string;
  readonly load_watts: number;
  readonly voltage: number;
}

/** A trigger that starts and stops an instance (`power.bindings[]`). */
export interface BindingConfig {
  readonly trigger: string;
  readonly socket?: string;
  readonly on: string | number;
  readonly off: string | number;
  readonly emergency_stop_timeout_ms: number;
}

/** The `power` section of the haven config. */
export interface PowerConfig {
  readonly enabled: boolean;
  readonly sockets: readonly SocketConfig[];
  readonly max_emergency_stop_timeout_ms: number;
  readonly emergency_retry_ms: number;
  readonly max_wait_s: number;
  readonly max_samples_per_instance: number;
  readonly bindings: readonly BindingConfig[];
}
