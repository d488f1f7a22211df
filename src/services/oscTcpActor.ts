import type { ActorDeps, ServiceActor } from './actorContracts';
import type { Registration } from './registration';
import { createTcpSocketActor } from './tcpSocketActor';

/**
 * OSC_TCP: a TCP_SOCKET actor whose deliveries are framed OSC packets (the dispatcher encodes
 * them): one persistent connection, reconnected with backoff, batched writes, the same outbox,
 * max age and statuses. What the peer sends back (QLab answers some messages) is read and
 * dropped, so replies never fill the receive buffer and the peer's close is always seen.
 */
export function createOscTcpActor(registration: Registration, deps: ActorDeps): ServiceActor {
  return createTcpSocketActor(registration, { ...deps, connect: (options) => deps.connect(options).resume() });
}
