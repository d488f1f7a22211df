/**
 * How registered services look from outside: `GET /api/registrations` items, the registration
 * answer's `socket_status`, and `/readyz` health. Read-only views of the actors.
 */
import type { ComponentHealth } from '../hub';
import type { Registration } from './registration';
import type { ServiceActor } from './actorContracts';
import type { ServiceStatus } from './serviceStatus';

/** The seed's `socket_status` in a registration answer. */
export type SocketStatus = ServiceStatus | 'not_applicable';

/** One item of `GET /api/registrations`: the seed's fields, then ours. */
export interface RegistrationView {
  readonly name: string;
  readonly port: number;
  readonly host: string;
  readonly protocol: Registration['protocol'];
  readonly registered_at: string;
  /** True only for a TCP_SOCKET (or OSC_TCP) service whose connection is up (the seed's meaning). */
  readonly socket_connected: boolean;
  readonly status: ServiceStatus;
  readonly max_age_ms?: number;
  readonly fields?: Registration['fields'];
  readonly address?: string;
  readonly args?: Registration['args'];
  readonly framing?: Registration['framing'];
}

/** The list item of one actor. */
export function registrationView(actor: ServiceActor): RegistrationView {
  const r = actor.registration;
  const status = actor.status();
  return {
    name: r.name,
    port: r.port,
    host: r.host,
    protocol: r.protocol,
    registered_at: r.registered_at,
    socket_connected: (r.protocol === 'TCP_SOCKET' || r.protocol === 'OSC_TCP') && status === 'connected',
    status,
    ...(r.max_age_ms !== undefined && { max_age_ms: r.max_age_ms }),
    ...(r.fields !== undefined && { fields: r.fields }),
    ...(r.address !== undefined && { address: r.address }),
    ...(r.args !== undefined && { args: r.args }),
    ...(r.framing !== undefined && { framing: r.framing }),
  };
}

/** TCP_SOCKET: its status (`connected` right after a successful registration); TCP_CONNECT: `not_applicable`; OPC: `unsupported`. */
export function socketStatus(actor: ServiceActor): SocketStatus {
  return actor.registration.protocol === 'TCP_CONNECT' ? 'not_applicable' : actor.status();
}

/** `name (PROTOCOL host:port)`, for logs. */
export function describe(r: Registration): string {
  return `${r.name} (${r.protocol} ${r.host}:${r.port})`;
}

const PART_STATE: Record<ServiceStatus, ComponentHealth['state']> = {
  connected: 'ok',
  connecting: 'starting',
  backoff: 'degraded',
  closed: 'stopped',
  unsupported: 'degraded',
};

/**
 * The services component for `/readyz`, one part per service. Never `failed`: a service that is
 * down makes the hub `degraded`, not unready (events keep flowing to the others); `starting`
 * only while restore runs.
 */
export function servicesHealth(actors: readonly ServiceActor[], phase: 'new' | 'restoring' | 'running' | 'stopped'): ComponentHealth {
  const parts = actors.map(partHealth);
  if (phase === 'stopped') return { name: 'services', state: 'stopped', parts };
  if (phase === 'restoring') return { name: 'services', state: 'starting', detail: 'restoring registrations', parts };
  const ready = parts.filter((p) => p.state === 'ok').length;
  return { name: 'services', state: ready === parts.length ? 'ok' : 'degraded', detail: `${ready}/${parts.length} services ready`, parts };
}

function partHealth(actor: ServiceActor): ComponentHealth {
  const status = actor.status();
  const detail = actor.detail();
  return { name: actor.registration.name, state: PART_STATE[status], detail: `${describe(actor.registration)} ${status}${detail ? `: ${detail}` : ''}` };
}
