/**
 * The words Haven uses everywhere: what a trigger is, what a source reports, what the gateway
 * decides and what an accepted event carries. Pure types, no behaviour.
 */

/** The four trigger types of the dispatch API. */
export type TriggerType = 'On/Off' | 'Discrete' | 'Continuous' | 'OneShot';

/** A trigger as declared in `config/trigger_config.json`. */
export interface TriggerDef {
  /** Dotted name, `Device.Control` (for example `RedTelephone.Button_1`). */
  readonly name: string;
  readonly type: TriggerType;
  /** Free-form grouping used by filters (SSE `eventCategories`, WebSocket category subscriptions). */
  readonly category: string;
  /** Discrete: the values the trigger may take. */
  readonly values?: readonly (string | number)[];
  /** Continuous: inclusive range. */
  readonly min?: number;
  readonly max?: number;
  /** Organization that owns the trigger (SSE isolation); the config's default when absent. */
  readonly organization?: string;
  /** Human names for dashboards and stream envelopes. */
  readonly displayName?: string;
  /**
   * The seed's identity fields of a stream envelope (`deviceId`/`deviceName`, `locationId`/
   * `locationName`, `spaceId`/`spaceName`): a name, or an id and a name. A device's id defaults to
   * the `Device` part of the trigger's name.
   */
  readonly device?: string | Place;
  readonly location?: string | Place;
  readonly space?: string | Place;
}

/** A device, location or space in the trigger config: an id, a name, or both. */
export interface Place {
  readonly id?: string;
  readonly name?: string;
}

/** `event` is dispatched to services; `status` only updates the cache. */
export type TriggerKind = 'event' | 'status';

/** Sources known to the gateway. Plugins may add their own names. */
export type SourceName = 'HTTP' | 'TCP' | 'MODBUS' | 'WEB' | (string & {});

/** What a source reports, before any gating. */
export interface RawTrigger {
  /** Correlates the input with its decision; assigned by the ingress, unique per process. */
  readonly ticket: number;
  readonly source: SourceName;
  readonly kind: TriggerKind;
  readonly name: string;
  /** As the device sent it; validation decides whether it fits the trigger's type. */
  readonly value?: unknown;
  /** The device's own ordering key; orders a trigger's history instead of the clock. */
  readonly id?: number | null;
  /** Remote address as the transport saw it (IPv4, IPv6, or IPv4-mapped IPv6). */
  readonly remote?: string;
  /** Monotonic receive time in ms (the scheduler's clock), for latency figures. */
  readonly receivedAt: number;
}

/** Why an input was not accepted. */
export type RejectReason =
  | 'unknown_trigger'
  | 'invalid_value'
  | 'not_whitelisted'
  | 'cooldown'
  | 'min_interval'
  /** A Continuous value replaced by a newer one inside the same throttle window. */
  | 'superseded'
  /** The id equals the last accepted id of that trigger: a retry, already handled. */
  | 'duplicate'
  /** The id is lower than the last accepted id of that trigger: out of date. */
  | 'stale'
  | 'overflow'
  /** The event log could not store it (disk full, an I/O error): nothing was accepted; retry. */
  | 'not_stored'
  /**
   * fsync `always`: the event log wrote it but the disk did not confirm it (an fsync error). It
   * holds its seq and was sent on like any accepted event, but a power cut may lose it: the answer
   * says so instead of "accepted", and a resend would be a second event.
   */
  | 'not_durable'
  | 'source_disabled';

/** An accepted input, as it travels to the cache, the services and the clients. */
export interface TriggerEvent {
  /** `trigger_seq`: strictly increasing, assigned only on acceptance. */
  readonly seq: number;
  readonly kind: TriggerKind;
  readonly name: string;
  /** Normalized value: "On"/"Off", a listed Discrete value, a number, or null for OneShot. */
  readonly value: string | number | null;
  readonly id: number | null;
  readonly type: TriggerType;
  readonly category: string;
  readonly organization: string;
  readonly source: SourceName;
  /** UTC ISO 8601, for people; ordering uses `seq` and `id`. */
  readonly timestamp: string;
  /** Monotonic ms at which the source received the input (copied from the RawTrigger). */
  readonly receivedAt: number;
}

export interface Accepted {
  readonly accepted: true;
  readonly input: RawTrigger;
  readonly event: TriggerEvent;
}

export interface Rejected {
  readonly accepted: false;
  readonly input: RawTrigger;
  readonly reason: RejectReason;
  /** A sentence a person can act on, safe to return to the device. */
  readonly message: string;
}

/** Exactly one per input. */
export type Decision = Accepted | Rejected;

/** One trigger's last known state (the seed's cache fields plus bookkeeping). */
export interface CacheEntry {
  readonly value: string | number | null;
  readonly id: number | null;
  readonly timestamp: string;
  readonly type: TriggerType;
  readonly seq: number;
}

/** The cache: trigger name to its last known state. OneShot triggers never appear. */
export type CacheState = Readonly<Record<string, CacheEntry>>;

/** A rejection before it is tied to its input: what every gating rule and check returns. */
export type Rejection = Pick<Rejected, 'reason' | 'message'>;

/** A seq or a device id: a safe integer, zero or more. */
export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A seq as a client writes it in a header or a query parameter: decimal digits only, as a safe
 * integer; undefined for anything else (`Number` would read '' as 0, a resume from the start, and
 * '0x2' as 2).
 */
export function seqFromText(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `partial` without its `undefined` fields: `{ ...defaults, ...partial }` would let an explicit `undefined` erase a default. */
export function definedFields<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}
