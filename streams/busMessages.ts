/** Payloads on the bus besides TriggerEvents (topic `events`). Pure types, shared by src/ and streams/. */

/** Topic `services`: a registered service's connection changed. */
export interface ServiceStatusChange {
  readonly service: string;
  readonly protocol: string;
  readonly status: string;
  readonly previous: string;
  /** Why, when the actor said (a connect error, a close). */
  readonly detail?: string;
  readonly timestamp: string;
}

/** Topic `power`: something happened to a power socket or one of its instances. */
export interface PowerEvent {
  readonly type: 'power_on' | 'power_off' | 'instance_started' | 'instance_stopped' | 'emergency_stop' | 'fault' | 'sample';
  /** Socket name from config. */
  readonly socket: string;
  readonly instanceId?: string;
  /** UTC ISO 8601. */
  readonly timestamp: string;
  readonly organization: string;
  /** Type-specific details (amperage, error text, energy …). */
  readonly data?: Readonly<Record<string, unknown>>;
}
