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
}
