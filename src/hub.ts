import type { Server } from 'node:http';
import type Router from '@koa/router';
import type { Decision, RawTrigger } from '../streams/contracts';

/** What a source hands to the gateway; the ingress adds the ticket and the receive time. */
export type TriggerReport = Omit<RawTrigger, 'ticket' | 'receivedAt'>;

/** The one door into the gateway: hands one input over and resolves with its one decision. Never rejects. */
export type Report = (input: TriggerReport) => Promise<Decision>;

/** What a component reports to `GET /readyz`. */
export interface ComponentHealth {
  readonly name: string;
  /** `ok` serving; `degraded` serving with a problem (a service reconnecting); `failed` not serving; `stopped` by request. */
  readonly state: 'starting' | 'ok' | 'degraded' | 'failed' | 'stopped';
  readonly detail?: string;
  /** Sub-parts, for example one entry per registered service. */
  readonly parts?: readonly ComponentHealth[];
}

/** One power socket as /metrics shows it. */
export interface SocketLoad {
  readonly socket: string;
  /** Switched on; false when off or not known. */
  readonly on: boolean;
  readonly runningInstances: number;
  /** From the power monitor's last sample; null before the first. */
  readonly currentA: number | null;
  readonly powerW: number | null;
}

/** What a component carries right now. Read when /metrics is scraped, never on an event's path. */
export interface ComponentLoad {
  /** Connected clients (WebSocket connections, SSE streams). */
  readonly clients?: number;
  /** Bytes written to those clients that their sockets have not taken yet. */
  readonly backlogBytes?: number;
  /** Messages held for backed-up clients, not written yet. */
  readonly backlogMessages?: number;
  readonly sockets?: readonly SocketLoad[];
}

/**
 * A part of the hub with a lifecycle: a source plugin (TCP, Modbus …), a transport (WebSocket,
 * SSE) or a service (power sockets). Built complete with the few dependencies it reads (see
 * src/runtime/components.ts); the runtime starts them in order and stops them in reverse.
 */
export interface Component {
  readonly name: string;
  /** Brings the component up; resolves once it serves (a listener is bound). */
  start(): Promise<void>;
  /** Re-entrant: a second call waits for the first and does nothing more. */
  stop(): Promise<void>;
  /** The seed's `raise_if_failed`, as a value. */
  health(): ComponentHealth;
  /** Koa routers to mount on the API (read after `start`). */
  routers?(): Router[];
  /** Called once the HTTP server exists, for components that take upgrades (WebSocket). */
  attach?(server: Server): void;
  /** Called before `stop` on a graceful shutdown, so clients can be told when to come back. */
  notifyShutdown?(reconnectAfterMs: number): Promise<void>;
  /** What it carries now, for /metrics. */
  load?(): ComponentLoad;
}
