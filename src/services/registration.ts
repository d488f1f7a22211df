/** How Haven talks to a registered service (seed 000). */
export type ServiceProtocol = 'TCP_SOCKET' | 'TCP_CONNECT' | 'OPC';

export const SERVICE_PROTOCOLS: readonly ServiceProtocol[] = ['TCP_SOCKET', 'TCP_CONNECT', 'OPC'];

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
}
