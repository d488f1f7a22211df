import type { TriggerType } from '../../streams/contracts';

/** How Haven talks to a registered service (seed 000). */
export type ServiceProtocol = 'TCP_SOCKET' | 'TCP_CONNECT' | 'OPC' | 'OSC_UDP' | 'OSC_TCP';

export const SERVICE_PROTOCOLS: readonly ServiceProtocol[] = ['TCP_SOCKET', 'TCP_CONNECT', 'OPC', 'OSC_UDP', 'OSC_TCP'];

/** An OSC target's arguments: one list for every event, or a list per trigger type (the others take the default). */
export type OscArgsField = readonly string[] | { readonly [type in TriggerType]?: readonly string[] };

/** How OSC_TCP frames its packets: SLIP (OSC 1.1, the default) or an int32 length prefix (OSC 1.0). */
export type OscFraming = 'slip' | 'length';

/** Extra fields a registration may ask for on its wire lines, beyond the seed's four. */
export type ExtraField = 'seq' | 'type' | 'category' | 'source';

/** A registered service, as stored and as `GET /api/registrations` shows it (minus live status). */
export interface Registration {
  readonly name: string;
  readonly port: number;
  /** Defaults to "localhost". */
  readonly host: string;
  readonly protocol: ServiceProtocol;
  /** UTC ISO 8601. */
  readonly registered_at: string;
  /** Events older than this when the service can take them are dropped, not replayed (default from config, 2 s). */
  readonly max_age_ms?: number;
  /** Extra fields appended to each wire line, only when asked for. */
  readonly fields?: readonly ExtraField[];
  /** OSC_UDP / OSC_TCP: the address pattern (`/cue/{control}/start`); default `/haven/event/{device}/{control}`. */
  readonly address?: string;
  /** OSC_UDP / OSC_TCP: the arguments, `"source"` or `"source:type"` (`["value", "id:i"]`), or such lists by trigger type; default by trigger type. */
  readonly args?: OscArgsField;
  /** OSC_TCP only; default `slip`. */
  readonly framing?: OscFraming;
}

/** OSC_UDP and OSC_TCP: targets that get OSC messages, not JSON lines. */
export function isOsc(registration: Pick<Registration, 'protocol'>): boolean {
  return registration.protocol === 'OSC_UDP' || registration.protocol === 'OSC_TCP';
}
