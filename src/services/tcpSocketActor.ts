import type { Socket } from 'node:net';
import type { Subscription } from 'rxjs';
import { createBackoff } from '../../streams/backoff';
import type { Delivery } from './delivery';
import { createLoggingMailbox } from './mailbox';
import { registrationOutbox } from './outbox';
import type { Registration } from './registration';
import type { ActorDeps, ServiceActor } from './serviceActor';
import { createStatusCell, describeError } from './serviceStatus';

/** Everything that can happen to a TCP_SOCKET actor; `gen` names the connection a message is about. */
type Message =
  | { readonly type: 'start' }
  | { readonly type: 'deliver'; readonly delivery: Delivery }
  | { readonly type: 'connected'; readonly gen: number }
  /** The connection failed or ended (`closed`: the socket's 'close', the last word on it). */
  | { readonly type: 'lost'; readonly gen: number; readonly reason: string; readonly closed?: boolean }
  /** One write, carrying `batch`, completed (or failed with `error`). */
  | { readonly type: 'written'; readonly gen: number; readonly batch: readonly Delivery[]; readonly error?: Error | null }
  | { readonly type: 'drain'; readonly gen: number }
  /** The end of the turn in which deliveries arrived: write them. */
  | { readonly type: 'flush' }
  | { readonly type: 'stable'; readonly gen: number }
  | { readonly type: 'retry' }
  | { readonly type: 'stop' };

/** Most deliveries one write waits for within a turn (bounded further by the mailbox size). */
const BATCH_LINES = 256;

/**
 * TCP_SOCKET: one persistent connection (keepalive, no Nagle) that the actor keeps up for as long
 * as the registration lives. A dead peer shows as 'error', 'end', 'close' or a failed write; the
 * actor then reconnects with exponential backoff and jitter, resetting the attempt counter only
 * once a connection has stayed up `stableAfterMs`. Deliveries wait in the bounded, aged outbox
 * and go out in order: at the end of the turn of the event loop they arrived in, on
 * (re)connect, or when the socket drains after pushing back. Everything waiting leaves in one
 * write with one callback, so the cost per event is an append, not a write (under HTTP load
 * every request is its own tick, and a write per event per service was the largest cost of
 * dispatching). Lines whose write failed go back to the front. A deliberate stop is not a failure.
 */
export function createTcpSocketActor(registration: Registration, deps: ActorDeps): ServiceActor {
  const { scheduler, log, config, defer = setImmediate } = deps;
  const { name, host, port } = registration;
  const status = createStatusCell(name, 'connecting', log, deps.onStatus);
  const backoff = createBackoff(config.backoff);
  const outbox = registrationOutbox(registration, config, log);
  /** Deliveries that make a connected actor write at once instead of at the end of the turn. */
  const batchLines = Math.max(1, Math.min(BATCH_LINES, config.mailboxSize));

  const state = {
    started: false,
    stopping: false,
    gen: 0,
    socket: undefined as Socket | undefined,
    connected: false,
    /** A `flush` is due at the end of this turn of the event loop. */
    flushDue: false,
    attempt: 0,
    /** Batches written to the current socket whose callback is still pending, oldest first. */
    inflight: [] as Array<readonly Delivery[]>,
    timers: {} as Partial<Record<'connect' | 'stable' | 'retry' | 'grace', Subscription>>,
  };

  let resolveStart!: (ok: boolean) => void;
  const started = new Promise<boolean>((resolve) => (resolveStart = resolve));
  let resolveStop!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStop = resolve));

  const send = createLoggingMailbox<Message>(handle, log);

  function handle(message: Message): void {
    switch (message.type) {
      case 'start':
        if (state.started || state.stopping) return;
        state.started = true;
        return connect();
      case 'deliver':
        return deliver(message.delivery);
      case 'connected':
        return onConnected(message.gen);
      case 'lost':
        return state.stopping ? onClosedWhileStopping(message.gen, message.closed) : onLost(message.gen, message.reason);
      case 'written':
        return onWritten(message.gen, message.batch, message.error);
      case 'drain':
        if (message.gen === state.gen) flush();
        return;
      case 'flush':
        state.flushDue = false;
        return flush();
      case 'stable':
        if (message.gen === state.gen && state.connected) state.attempt = 0;
        return;
      case 'retry':
        if (!state.stopping && !state.socket) connect();
        return;
      case 'stop':
        return stop();
    }
  }

  function connect(): void {
    const gen = ++state.gen;
    status.set('connecting', state.attempt > 0 ? `retry ${state.attempt}` : undefined);
    let socket: Socket;
    try {
      socket = deps.connect({ host, port });
    } catch (error) {
      return onFailure(describeError(error));
    }
    state.socket = socket;
    socket.on('connect', () => send({ type: 'connected', gen }));
    socket.on('error', (error) => send({ type: 'lost', gen, reason: describeError(error) }));
    socket.on('end', () => send({ type: 'lost', gen, reason: 'peer closed the connection' }));
    socket.on('close', () => send({ type: 'lost', gen, reason: 'connection closed', closed: true }));
    socket.on('drain', () => send({ type: 'drain', gen }));
    state.timers.connect = scheduler.schedule(
      () => send({ type: 'lost', gen, reason: `connect timeout after ${config.connectTimeoutMs} ms` }),
      config.connectTimeoutMs,
    );
  }

  function onConnected(gen: number): void {
    const socket = state.socket;
    if (gen !== state.gen || !socket || state.stopping) return;
    state.timers.connect?.unsubscribe();
    socket.setKeepAlive(true, config.keepaliveMs);
    socket.setNoDelay(true);
    state.connected = true;
    status.set('connected', `${host}:${port}`);
    resolveStart(true);
    state.timers.stable = scheduler.schedule(() => send({ type: 'stable', gen }), config.stableAfterMs);
    flush();
  }

  function onLost(gen: number, reason: string): void {
    const socket = state.socket;
    if (gen !== state.gen || !socket) return;
    state.socket = undefined;
    state.connected = false;
    state.timers.connect?.unsubscribe();
    state.timers.stable?.unsubscribe();
    socket.destroy();
    // Lines whose write never completed are retried first, still subject to max age.
    outbox.requeue(state.inflight.flat().filter((d) => !d.settled));
    state.inflight = [];
    onFailure(reason);
  }

  function onFailure(reason: string): void {
    resolveStart(false);
    state.attempt += 1;
    const delay = backoff(state.attempt);
    if (delay === null) {
      status.set('closed', `gave up after ${state.attempt} failed attempts: ${reason}`);
      outbox.failAll('service unreachable');
      return;
    }
    status.set('backoff', `${reason}; retry in ${Math.round(delay)} ms`);
    state.timers.retry = scheduler.schedule(() => send({ type: 'retry' }), delay);
  }

  function deliver(delivery: Delivery): void {
    const now = scheduler.now();
    delivery.enqueuedAt = now;
    if (state.stopping || status.get() === 'closed') return delivery.settle('failed', 'service stopped');
    outbox.push(delivery, now);
    if (!state.connected) return;
    // A burst on a healthy connection is written before it could fill the outbox: the bound is
    // for a service that is down or pushing back, not for one turn's worth of events.
    if (outbox.size >= batchLines) flush();
    else flushSoon();
  }

  /** Asks for a `flush` at the end of this turn of the event loop (once). */
  function flushSoon(): void {
    if (state.flushDue) return;
    state.flushDue = true;
    defer(() => send({ type: 'flush' }));
  }

  /**
   * Writes what waits, in order, in one write of at most what the socket takes before pushing
   * back (its high-water mark): the rest stays in the outbox, where max age still applies, and
   * goes at the next turn or on 'drain'.
   */
  function flush(): void {
    const socket = state.socket;
    if (!state.connected || !socket || outbox.size === 0 || socket.writableNeedDrain) return;
    const now = scheduler.now();
    const batch: Delivery[] = [];
    let room = socket.writableHighWaterMark - socket.writableLength;
    while (room > 0 || batch.length === 0) {
      const next = outbox.shift(now);
      if (!next) break;
      batch.push(next);
      room -= next.line.length;
    }
    if (batch.length > 0) write(socket, batch);
    if (outbox.size > 0 && !socket.writableNeedDrain) flushSoon();
  }

  function write(socket: Socket, batch: readonly Delivery[]): void {
    const gen = state.gen;
    state.inflight.push(batch);
    const data = batch.length === 1 ? batch[0].line : Buffer.concat(batch.map((d) => d.line));
    socket.write(data, (error) => send({ type: 'written', gen, batch, error }));
  }

  function onWritten(gen: number, batch: readonly Delivery[], error?: Error | null): void {
    if (!error) {
      removeInflight(batch);
      for (const d of batch) d.settle('written');
      return;
    }
    if (state.stopping) {
      removeInflight(batch);
      for (const d of batch) d.settle('failed', `write failed while stopping: ${describeError(error)}`);
      return;
    }
    // The batch stays in flight: losing the connection puts it back in the outbox.
    if (gen === state.gen) onLost(gen, `write failed: ${describeError(error)}`);
  }

  function removeInflight(batch: readonly Delivery[]): void {
    // Write callbacks come in write order: the head, nearly always.
    if (state.inflight[0] === batch) return void state.inflight.shift();
    const i = state.inflight.indexOf(batch);
    if (i >= 0) state.inflight.splice(i, 1);
  }

  function stop(): void {
    if (state.stopping) return;
    state.stopping = true;
    for (const timer of Object.values(state.timers)) timer?.unsubscribe();
    outbox.failAll('service stopped');
    resolveStart(false);
    status.set('closed', 'stopped');
    const socket = state.socket;
    if (!socket) return resolveStop();
    if (state.connected) {
      socket.end();
      state.timers.grace = scheduler.schedule(() => socket.destroy(), config.closeGraceMs);
    } else socket.destroy();
  }

  function onClosedWhileStopping(gen: number, closed?: boolean): void {
    if (gen !== state.gen || !closed || !state.socket) return;
    state.socket = undefined;
    state.connected = false;
    state.timers.grace?.unsubscribe();
    for (const batch of state.inflight) for (const d of batch) d.settle('failed', 'service stopped');
    state.inflight = [];
    resolveStop();
  }

  return {
    registration,
    status: () => status.get(),
    detail: () => status.detail(),
    start: () => {
      send({ type: 'start' });
      return started;
    },
    deliver: (delivery) => send({ type: 'deliver', delivery }),
    stop: () => {
      send({ type: 'stop' });
      return stopped;
    },
  };
}
