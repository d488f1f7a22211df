import type { Socket } from 'node:net';
import type { Subscription } from 'rxjs';
import type { Delivery } from './delivery';
import { createLoggingMailbox } from './mailbox';
import { registrationOutbox } from './outbox';
import type { Registration } from './registration';
import type { ActorDeps, ServiceActor } from './serviceActor';
import { createStatusCell, describeError } from './serviceStatus';

type Message =
  | { readonly type: 'start' }
  | { readonly type: 'deliver'; readonly delivery: Delivery }
  /** One delivery's connection wrote its line (no `error`) or gave up. */
  | { readonly type: 'done'; readonly delivery: Delivery; readonly error?: string }
  | { readonly type: 'closed'; readonly socket: Socket }
  | { readonly type: 'stop' };

/**
 * TCP_CONNECT: a new connection per event (connect, write the line, end), as the seed's server
 * did. At most `connectConcurrency` connections are in flight; more events wait in the bounded,
 * aged outbox, so a service that stopped answering costs a few sockets, never a pile of them.
 * `connected` means the last connection worked, `backoff` that it failed; every event tries anew.
 */
export function createTcpConnectActor(registration: Registration, deps: ActorDeps): ServiceActor {
  const { scheduler, log, config } = deps;
  const { name, host, port } = registration;
  const status = createStatusCell(name, 'connecting', log, deps.onStatus);
  const outbox = registrationOutbox(registration, config, log);
  const state = { stopping: false, busy: 0, sockets: new Set<Socket>() };
  let resolveStop!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStop = resolve));

  const send = createLoggingMailbox<Message>(handle, log);

  function handle(message: Message): void {
    switch (message.type) {
      case 'start':
        if (!state.stopping) status.set('connected', 'a new connection per event');
        return;
      case 'deliver':
        return deliver(message.delivery);
      case 'done':
        return onDone(message.delivery, message.error);
      case 'closed':
        state.sockets.delete(message.socket);
        if (state.stopping && state.sockets.size === 0) resolveStop();
        return;
      case 'stop':
        return stop();
    }
  }

  function deliver(delivery: Delivery): void {
    const now = scheduler.now();
    delivery.enqueuedAt = now;
    if (state.stopping) return delivery.settle('failed', 'service stopped');
    if (state.busy < config.connectConcurrency && outbox.size === 0) open(delivery);
    else outbox.push(delivery, now);
  }

  function open(delivery: Delivery): void {
    state.busy += 1;
    let socket: Socket;
    try {
      socket = deps.connect({ host, port });
    } catch (error) {
      return send({ type: 'done', delivery, error: describeError(error) });
    }
    state.sockets.add(socket);
    let finished = false;
    let grace: Subscription | undefined;
    const finish = (error?: string): void => {
      if (finished) return;
      finished = true;
      timeout.unsubscribe();
      send({ type: 'done', delivery, error });
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
      send({ type: 'closed', socket });
    });
  }

  function onDone(delivery: Delivery, error?: string): void {
    state.busy -= 1;
    if (error === undefined) {
      delivery.settle('written');
      if (!state.stopping) status.set('connected', 'a new connection per event');
    } else {
      delivery.settle('failed', error);
      if (!state.stopping) status.set('backoff', `${host}:${port}: ${error}`);
    }
    const now = scheduler.now();
    while (!state.stopping && state.busy < config.connectConcurrency) {
      const next = outbox.shift(now);
      if (!next) break;
      open(next);
    }
  }

  function stop(): void {
    if (state.stopping) return;
    state.stopping = true;
    outbox.failAll('service stopped');
    status.set('closed', 'stopped');
    // Connections in flight finish their line (or time out); stop waits for them to close.
    if (state.sockets.size === 0) resolveStop();
  }

  return {
    registration,
    status: () => status.get(),
    detail: () => status.detail(),
    start: () => {
      send({ type: 'start' });
      return Promise.resolve(true);
    },
    deliver: (delivery) => send({ type: 'deliver', delivery }),
    stop: () => {
      send({ type: 'stop' });
      return stopped;
    },
  };
}
