import type { Socket } from 'node:net';
import type { Subscription } from 'rxjs';
import { createTcpConnectTransition, initialTcpConnectState, type TcpConnectEffect } from '../../streams/services/tcpConnectTransition';
import type { ActorDeps, ServiceActor } from './actorContracts';
import { actorStatus, createSettler, runServiceMachine, settleOnce } from './actorShell';
import type { Delivery } from './delivery';
import type { Registration } from './registration';
import { describeError } from './serviceStatus';

/**
 * TCP_CONNECT: a new connection per event, its logic the pure {@link createTcpConnectTransition};
 * this shell opens each connection, writes its one line, ends it, and bounds it by the connect
 * timeout and the close grace.
 */
export function createTcpConnectActor(registration: Registration, deps: ActorDeps): ServiceActor {
  const { scheduler, config } = deps;
  const { name, host, port } = registration;
  const rules = {
    host,
    port,
    connectConcurrency: config.connectConcurrency,
    mailboxSize: config.mailboxSize,
    maxAgeMs: registration.max_age_ms ?? config.maxAgeMs,
  };
  const status = actorStatus(name, deps);
  const settle = createSettler(deps.log, config.mailboxSize);
  const stopped = settleOnce<void>();

  const initial = initialTcpConnectState<Delivery>(rules);
  // Updated in place for the actor's whole life (see tcpSocketActor).
  const { outbox } = initial.waiting;
  const post = runServiceMachine(createTcpConnectTransition<Delivery>(rules), initial, perform, deps);

  function perform(effect: TcpConnectEffect<Delivery>): void {
    switch (effect.type) {
      case 'open':
        return open(effect.delivery);
      case 'settle':
        return settle(effect);
      case 'status':
        return status.set(effect.status, effect.detail);
      case 'stopped':
        return stopped.resolve();
    }
  }

  /** One connection for one line: exactly one `done`, then exactly one `closed`. */
  function open(delivery: Delivery): void {
    let socket: Socket;
    try {
      socket = deps.connect({ host, port });
    } catch (error) {
      post({ type: 'done', delivery, error: describeError(error) });
      return post({ type: 'closed' });
    }
    let finished = false;
    let grace: Subscription | undefined;
    const finish = (error?: string): void => {
      if (finished) return;
      finished = true;
      timeout.unsubscribe();
      post({ type: 'done', delivery, error });
      // A peer that never closes its side must not hold the socket forever.
      grace = scheduler.schedule(() => socket.destroy(), config.closeGraceMs);
    };
    const timeout = scheduler.schedule(() => {
      finish(`connect timeout after ${config.connectTimeoutMs} ms`);
      socket.destroy();
    }, config.connectTimeoutMs);
    socket.on('connect', () => {
      timeout.unsubscribe();
      socket.setNoDelay(true);
      socket.write(delivery.line, (error) => finish(error ? `write failed: ${describeError(error)}` : undefined));
      socket.end();
    });
    socket.on('error', (error) => finish(describeError(error)));
    socket.on('close', () => {
      finish('connection closed before the line was written');
      grace?.unsubscribe();
      post({ type: 'closed' });
    });
  }

  return {
    registration,
    status: () => status.get(),
    detail: () => status.detail(),
    mailboxDepth: () => outbox.size,
    start: () => {
      post({ type: 'start' });
      return Promise.resolve(true);
    },
    deliver: (delivery) => {
      post({ type: 'deliver', delivery });
    },
    stop: () => {
      post({ type: 'stop' });
      return stopped.promise;
    },
  };
}
