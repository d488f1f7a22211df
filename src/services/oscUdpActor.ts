import type { Socket } from 'node:dgram';
import type { Subscription } from 'rxjs';
import { createBackoff } from '../../streams/backoff';
import { createOscUdpTransition, initialOscUdpState, type OscUdpEffect, type OscUdpTimer } from '../../streams/services/oscUdpTransition';
import { defaultDatagramFactory, type ActorDeps, type ServiceActor } from './actorContracts';
import { actorStatus, createSettler, runServiceMachine, settleOnce } from './actorShell';
import type { Delivery } from './delivery';
import type { Registration } from './registration';
import { describeError } from './serviceStatus';

/** Datagrams handed to the socket at once; more wait (and age) in the outbox. */
const WINDOW = 64;

/**
 * OSC_UDP: one connected datagram socket per target, its logic the pure
 * {@link createOscUdpTransition}; this shell opens it (resolving the host once, allowed addresses
 * only), sends each delivery's bytes (one OSC message, encoded by the dispatcher) as one
 * datagram, and turns the socket's ECONNREFUSED (ICMP port unreachable) into a refusal.
 */
export function createOscUdpActor(registration: Registration, deps: ActorDeps): ServiceActor {
  const { scheduler, config, openDatagram = defaultDatagramFactory } = deps;
  const { name, host, port } = registration;
  const rules = {
    host,
    port,
    backoff: createBackoff(config.backoff),
    stableAfterMs: config.stableAfterMs,
    mailboxSize: config.mailboxSize,
    maxAgeMs: registration.max_age_ms ?? config.maxAgeMs,
    window: Math.max(1, Math.min(WINDOW, config.mailboxSize)),
  };
  const status = actorStatus(name, deps);
  const settle = createSettler(deps.log, config.mailboxSize);
  const started = settleOnce<boolean>();
  const stopped = settleOnce<void>();
  const timers: Partial<Record<OscUdpTimer, Subscription>> = {};
  /** Open sockets by gen, with the deliveries each still has to answer for. */
  const sockets = new Map<number, { socket?: Socket; pending: Set<Delivery>; closing: boolean }>();

  const initial = initialOscUdpState<Delivery>(rules);
  const { outbox } = initial.waiting;
  const post = runServiceMachine(createOscUdpTransition<Delivery>(rules), initial, perform, deps);

  function perform(effect: OscUdpEffect<Delivery>): void {
    switch (effect.type) {
      case 'open':
        return open(effect.gen);
      case 'send':
        return send(effect.gen, effect.delivery);
      case 'close':
        return close(effect.gen);
      case 'schedule': {
        const { message } = effect;
        timers[effect.timer]?.unsubscribe();
        timers[effect.timer] = scheduler.schedule(() => post(message), effect.delayMs);
        return;
      }
      case 'cancel':
        for (const timer of effect.timers) timers[timer]?.unsubscribe();
        return;
      case 'started':
        return started.resolve(effect.ok);
      case 'settle':
        return settle(effect);
      case 'status':
        return status.set(effect.status, effect.detail);
      case 'stopped':
        return stopped.resolve();
    }
  }

  function open(gen: number): void {
    const entry: { socket?: Socket; pending: Set<Delivery>; closing: boolean } = { pending: new Set(), closing: false };
    sockets.set(gen, entry);
    openDatagram({ host, port }).then(
      ({ socket, target }) => {
        entry.socket = socket;
        socket.on('error', (error) => {
          const reason = describeError(error);
          post(reason === 'ECONNREFUSED' ? { type: 'refused', gen, reason } : { type: 'failed', gen, reason });
        });
        // Replies (QLab answers some messages) are not read: a target only receives.
        socket.on('message', () => undefined);
        socket.on('close', () => finish(gen));
        if (entry.closing) return socket.close();
        post({ type: 'opened', gen, target });
      },
      (error: unknown) => {
        post({ type: 'failed', gen, reason: describeError(error) });
        if (entry.closing) finish(gen);
      },
    );
  }

  function send(gen: number, delivery: Delivery): void {
    const entry = sockets.get(gen);
    if (!entry?.socket || entry.closing) return post({ type: 'sent', gen, delivery, error: 'socket closed' });
    entry.pending.add(delivery);
    entry.socket.send(delivery.line, (error) => {
      if (!entry.pending.delete(delivery)) return;
      post({ type: 'sent', gen, delivery, error: error ? describeError(error) : undefined });
    });
  }

  function close(gen: number): void {
    const entry = sockets.get(gen);
    if (!entry || entry.closing) return;
    entry.closing = true;
    // Still opening: closed as soon as the open answers.
    if (entry.socket) entry.socket.close();
  }

  /** A socket is gone: what it held is answered, then the transition hears `closed`. */
  function finish(gen: number): void {
    const entry = sockets.get(gen);
    if (!entry) return;
    sockets.delete(gen);
    for (const delivery of entry.pending) post({ type: 'sent', gen, delivery, error: 'socket closed' });
    entry.pending.clear();
    post({ type: 'closed', gen });
  }

  return {
    registration,
    status: () => status.get(),
    detail: () => status.detail(),
    mailboxDepth: () => outbox.size,
    start: () => {
      post({ type: 'start' });
      return started.promise;
    },
    deliver: (delivery) => post({ type: 'deliver', delivery }),
    stop: () => {
      post({ type: 'stop' });
      return stopped.promise;
    },
  };
}
