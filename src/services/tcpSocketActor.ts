import type { Socket } from 'node:net';
import type { Subscription } from 'rxjs';
import { createBackoff } from '../../streams/backoff';
import {
  createTcpSocketTransition,
  initialTcpSocketState,
  type TcpSocketEffect,
  type TcpSocketMessage,
  type TcpSocketTimer,
} from '../../streams/services/tcpSocketTransition';
import type { ActorDeps, ServiceActor } from './actorContracts';
import { actorStatus, createSettler, runServiceMachine, settleOnce } from './actorShell';
import type { Delivery } from './delivery';
import type { Registration } from './registration';
import { describeError } from './serviceStatus';

/**
 * The keepalive delay Node is given: the kernel counts it in whole seconds and Node rounds down, so
 * 500 ms would be 0 s, which the kernel refuses, leaving its default of two hours. Rounded up instead.
 * (0 turns keepalive off; `setKeepAlive(true, 0)` would also keep that default.)
 */
const keepaliveDelayMs = (ms: number): number => Math.ceil(ms / 1000) * 1000;

/** Most deliveries one write waits for within a turn (bounded further by the mailbox size). */
const BATCH_LINES = 256;

/**
 * TCP_SOCKET: one persistent connection (keepalive, no Nagle), its logic the pure
 * {@link createTcpSocketTransition}; this shell owns the socket and the timers and performs the
 * effects. Everything waiting leaves in one write with one callback per turn of the event loop,
 * so the cost per event is an append, not a write (under HTTP load every request is its own tick,
 * and a write per event per service was the largest cost of dispatching).
 */
export function createTcpSocketActor(registration: Registration, deps: ActorDeps): ServiceActor {
  const { scheduler, config, defer = setImmediate } = deps;
  const { name, host, port } = registration;
  const rules = {
    host,
    port,
    backoff: createBackoff(config.backoff),
    connectTimeoutMs: config.connectTimeoutMs,
    stableAfterMs: config.stableAfterMs,
    closeGraceMs: config.closeGraceMs,
    mailboxSize: config.mailboxSize,
    maxAgeMs: registration.max_age_ms ?? config.maxAgeMs,
    batchLines: Math.max(1, Math.min(BATCH_LINES, config.mailboxSize)),
  };
  const status = actorStatus(name, deps);
  const settle = createSettler(deps.log, config.mailboxSize);
  const started = settleOnce<boolean>();
  const stopped = settleOnce<void>();
  const timers: Partial<Record<TcpSocketTimer, Subscription>> = {};
  let socket: Socket | undefined;

  /** What the current socket takes before pushing back: 0 while it waits for 'drain'. */
  const room = (): number => (!socket || socket.writableNeedDrain ? 0 : Math.max(1, socket.writableHighWaterMark - socket.writableLength));
  const flush = (): void => post({ type: 'flush', room: room() });

  const initial = initialTcpSocketState<Delivery>(rules);
  // The transition updates this outbox in place for the actor's whole life, so its size is the depth without a message.
  const { outbox } = initial.waiting;
  const post = runServiceMachine(createTcpSocketTransition<Delivery>(rules), initial, perform, deps);

  function perform(effect: TcpSocketEffect<Delivery>): void {
    switch (effect.type) {
      case 'connect':
        return open(effect.gen);
      case 'ready':
        socket?.setKeepAlive(config.keepaliveMs > 0, keepaliveDelayMs(config.keepaliveMs));
        socket?.setNoDelay(true);
        return;
      case 'write': {
        const { gen, batch } = effect;
        const data = batch.length === 1 ? batch[0].line : Buffer.concat(batch.map((d) => d.line));
        socket!.write(data, (error) => post({ type: 'written', gen, batch, error: error ? describeError(error) : undefined }));
        return;
      }
      case 'end':
        socket?.end();
        return;
      case 'destroy':
        socket?.destroy();
        return;
      case 'schedule': {
        const { message } = effect;
        // The effect replaces the timer of that name (the transition's gen checks make a stale one harmless, but it must not linger).
        timers[effect.timer]?.unsubscribe();
        timers[effect.timer] = scheduler.schedule(() => post(message), effect.delayMs);
        return;
      }
      case 'cancel':
        for (const timer of effect.timers) timers[timer]?.unsubscribe();
        return;
      case 'defer':
        return defer(flush);
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
    let next: Socket;
    try {
      next = deps.connect({ host, port });
    } catch (error) {
      return post({ type: 'lost', gen, reason: describeError(error) });
    }
    socket = next;
    next.on('connect', () => post({ type: 'connected', gen, room: room() }));
    next.on('error', (error) => post({ type: 'lost', gen, reason: describeError(error) }));
    next.on('end', () => post({ type: 'lost', gen, reason: 'peer closed the connection' }));
    next.on('close', () => post({ type: 'lost', gen, reason: 'connection closed', closed: true }));
    next.on('drain', () => post({ type: 'drain', gen, room: room() }));
  }

  const stop = (): Promise<void> => {
    post({ type: 'stop' });
    return stopped.promise;
  };
  return {
    registration,
    status: () => status.get(),
    detail: () => status.detail(),
    mailboxDepth: () => outbox.size,
    start: () => {
      post({ type: 'start' });
      return started.promise;
    },
    deliver: (delivery) => {
      post({ type: 'deliver', delivery, room: room() } satisfies TcpSocketMessage<Delivery>);
    },
    stop,
  };
}
