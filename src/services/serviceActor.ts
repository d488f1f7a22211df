import type { ActorDeps, ServiceActor } from './actorContracts';
import { createOpcActor } from './opcActor';
import { createOscTcpActor } from './oscTcpActor';
import { createOscUdpActor } from './oscUdpActor';
import type { Registration } from './registration';
import { createTcpConnectActor } from './tcpConnectActor';
import { createTcpSocketActor } from './tcpSocketActor';

/** The actor for a registration's protocol. */
export function createServiceActor(registration: Registration, deps: ActorDeps): ServiceActor {
  switch (registration.protocol) {
    case 'TCP_SOCKET':
      return createTcpSocketActor(registration, deps);
    case 'TCP_CONNECT':
      return createTcpConnectActor(registration, deps);
    case 'OPC':
      return createOpcActor(registration, deps);
    case 'OSC_UDP':
      return createOscUdpActor(registration, deps);
    case 'OSC_TCP':
      return createOscTcpActor(registration, deps);
  }
}
