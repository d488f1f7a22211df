import type { ModbusMapConfig } from '../../streams/sources/modbusMap';
import type { MqttMapEntry } from '../../streams/sources/mqttInput';
import type { OscMapEntry } from '../../streams/sources/oscInput';
import type { LogConfig } from '../log';
import type { PowerConfig } from '../power/powerConfig';

/**
 * The haven config after validation, every default filled in (defaults live in the schemas,
 * `config/schemas/*.schema.json`). Each feature owns one top-level section and its schema file.
 */
/** When the event log asks the disk to persist what the kernel holds (Redis AOF's choices). */
export type FsyncPolicy = 'always' | 'everysec' | 'no';

/** `sources.osc` (config/schemas/sources.schema.json). */
export interface OscSourceConfig {
  /** Which messages the sender is answered: every decision, only the refusals, or nothing. */
  readonly reply: 'all' | 'errors' | 'none';
  readonly max_packet_bytes: number;
  /** How long a TCP connection's owed replies may stay unwritable before it is cut; 0: never. */
  readonly reply_timeout_ms: number;
  /** Messages of one TCP connection (each of a bundle) whose replies are owed before the connection is no longer read. */
  readonly max_in_flight: number;
  readonly map: readonly OscMapEntry[];
}

/** `mqtt` (config/schemas/mqtt.schema.json). */
export interface MqttConfig {
  readonly enabled: boolean;
  readonly broker: {
    /** null: the embedded broker on `listen`; otherwise the broker Haven connects to. */
    readonly url: string | null;
    readonly listen: ListenerConfig;
    readonly client_id: string;
    readonly username: string | null;
    readonly password_env: string;
    readonly session_expiry_s: number;
    readonly reconnect_ms: number;
    readonly connect_timeout_ms: number;
  };
  readonly topics: { readonly trigger: string; readonly status: string; readonly event: string; readonly state: string; readonly error: string };
  readonly publish: { readonly events: boolean; readonly state: boolean; readonly payload: 'json' | 'value'; readonly max_age_ms: number | null };
  readonly max_payload_bytes: number;
  readonly map: readonly MqttMapEntry[];
}

export interface ListenerConfig {
  readonly host: string;
  readonly port: number;
}

export interface SourceConfig {
  readonly enabled: boolean;
  /** Higher wins the cooldown rule. */
  readonly priority: number;
  readonly poll_interval_ms?: number;
  readonly [option: string]: unknown;
}

export interface HavenConfig {
  readonly comm: { readonly http: ListenerConfig; readonly tcp: ListenerConfig; readonly modbus: ListenerConfig; readonly osc: ListenerConfig };
  readonly trigger: {
    readonly config_file: string;
    readonly sources: Readonly<Record<string, SourceConfig>>;
    readonly gating: {
      readonly min_interval_ms: number;
      readonly min_interval_scope: 'trigger' | 'global';
      readonly cooldown_ms: number;
      readonly whitelist: Readonly<Record<string, readonly string[]>>;
      readonly max_pending: number;
    };
  };
  readonly services: {
    readonly max_age_ms: number;
    /** Where registrations may point (CIDRs, addresses, host names); null: loopback plus this machine's subnets. */
    readonly allowed_hosts: readonly string[] | null;
    readonly mailbox_size: number;
    readonly connect_timeout_ms: number;
    readonly keepalive_ms: number;
    readonly response_bound_ms: number;
    readonly backoff: { readonly base_ms: number; readonly factor: number; readonly cap_ms: number; readonly jitter: number };
  };
  readonly storage: { readonly data_dir: string };
  /** The event log (`src/eventLog/`): the durable history every consumer reads. */
  readonly journal: {
    readonly capacity: number;
    readonly fsync: FsyncPolicy;
    readonly segment_bytes: number;
    readonly snapshot_every: number;
    readonly replay_limit: number;
    readonly retain: { readonly segments: number; readonly max_age_hours: number; readonly bytes: number };
  };
  readonly bus: { readonly redis_url: string | null; readonly channel_prefix: string };
  readonly shutdown: { readonly reconnect_after_ms: number; readonly grace_ms: number };
  /** Server-Sent Events stream (`config/schemas/sse.schema.json`). */
  readonly sse: {
    readonly enabled: boolean;
    readonly heartbeat_ms: number;
    readonly retry_ms: number;
    readonly max_connections_per_key: number;
    readonly max_buffered_bytes: number;
    readonly allow_query_api_key: boolean;
    readonly close_timeout_ms: number;
  };
  /** WebSocket clients (`config/schemas/websocket.schema.json`). */
  readonly websocket: {
    readonly enabled: boolean;
    readonly path: string;
    readonly auth_timeout_ms: number;
    readonly heartbeat_ms: number;
    readonly sweep_ms: number;
    readonly max_payload_bytes: number;
    readonly max_buffered_bytes: number;
    readonly flush_interval_ms: number;
    readonly max_pending_messages: number;
    readonly slow_consumer_ms: number;
    readonly pairing_ttl_ms: number;
    readonly rate_limit: { readonly max: number; readonly window_ms: number };
    readonly admin_token_env: string;
  };
  /** Protocol details of the TCP and Modbus sources (`config/schemas/sources.schema.json`). */
  readonly sources: {
    readonly tcp: { readonly max_line_length: number; readonly idle_timeout_ms: number; readonly reply_timeout_ms: number; readonly max_in_flight: number };
    readonly modbus: ModbusMapConfig & { readonly unit_id: number };
    readonly osc: OscSourceConfig;
  };
  /** MQTT in and out (`config/schemas/mqtt.schema.json`). */
  readonly mqtt: MqttConfig;
  /** Smart power sockets (`config/schemas/power.schema.json`). */
  readonly power: PowerConfig;
  /** The hub's log (`config/schemas/log.schema.json`); `HAVEN_LOG_LEVEL` wins over `level`. */
  readonly log: LogConfig;
  /** Protected mode, device keys, the failed-authentication limit (`config/schemas/security.schema.json`). */
  readonly security: {
    readonly protected_mode: boolean;
    readonly device_keys: ReadonlyArray<'HTTP' | 'TCP' | 'WEB' | 'OSC' | 'MQTT'>;
    readonly auth_failures: { readonly max: number; readonly window_ms: number };
  };
  /** Prometheus metrics (`config/schemas/metrics.schema.json`). */
  readonly metrics: { readonly enabled: boolean; readonly path: string };
}
