import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { createCoalescingOutbox, drainOutbox, offerOutbox, type CoalescingOutbox } from '../../streams/websocket/coalescingOutbox';
import type { Logger } from '../log';
import { CLOSE, type CloseReason } from './closeCodes';
import { canSee, type ClientRecord, type Visibility } from './directory';

/**
 * `authenticating` until a valid token; `live` receives; `backed_up` its socket holds more than
 * the bound, so messages wait in a coalescing outbox; `closing` a close frame was sent; `closed`.
 */
export type ConnectionStatus = 'authenticating' | 'live' | 'backed_up' | 'closing' | 'closed';

/** The actor's mailbox messages: everything that changes a connection besides deliveries. */
export type ConnectionMessage =
  | { readonly type: 'inbound'; readonly data: Buffer; readonly isBinary: boolean }
  | { readonly type: 'pong' }
  | { readonly type: 'drained' }
  | { readonly type: 'sweep'; readonly now: number; readonly heartbeat: boolean }
  | { readonly type: 'close'; readonly close: CloseReason; readonly farewell?: Buffer }
  | { readonly type: 'socket_closed'; readonly code: number };

/** Shared by every connection (one object, so an idle connection costs only its own fields). */
export interface ConnectionDeps {
  /** Monotonic ms. */
  readonly now: () => number;
  readonly log: Logger;
  readonly maxBufferedBytes: number;
  readonly maxPending: number;
  readonly authTimeoutMs: number;
  readonly slowConsumerMs: number;
  /** A closing connection whose peer does not answer the close frame is destroyed after this. */
  readonly closeGraceMs: number;
  /** Asks for one `flush()` at the end of this tick. */
  readonly markDirty: (conn: ClientConnection) => void;
  /**
   * Hands the connection the trigger events logged since the last flush that it has not taken
   * yet (the fan-out's log). Called before anything else is queued for it and before what it
   * sees changes, so its messages keep their order and each event is judged by the view it was
   * published under.
   */
  readonly catchUp: (conn: ClientConnection) => void;
  /** Handles one text message from the client (authentication, requests). */
  readonly onText: (conn: ClientConnection, text: string) => void;
  readonly onClosed: (conn: ClientConnection) => void;
}

/** Trigger names and categories a connection asked for; absent means everything it may see. Never changed in place. */
export interface Subscription {
  readonly triggers: ReadonlySet<string>;
  readonly categories: ReadonlySet<string>;
}

/** Whether a connection with this view gets events of trigger (or socket) `name` in `category`. */
export function sees(visible: Visibility, subscription: Subscription | undefined, name: string, category?: string): boolean {
  if (!canSee(visible, name)) return false;
  return subscription === undefined || subscription.triggers.has(name) || (category !== undefined && subscription.categories.has(category));
}

/**
 * One connected WebSocket as an actor: one status, changed only in `setStatus` (which logs), and
 * a mailbox so a message that arrives while another is handled waits its turn. Deliveries
 * (`offer`) skip the mailbox on purpose: they only append to the outgoing queue, which is the
 * actor's second mailbox, written out once per tick by `flush` so one syscall carries every
 * message of that tick. Frames are shared Buffers built once per fan-out; trigger events reach
 * the queue through the fan-out's log ({@link ConnectionDeps.catchUp}), or skip it entirely when
 * the connection takes the batch it shares with every connection of the same view
 * ({@link takesShared}).
 */
export class ClientConnection {
  status: ConnectionStatus = 'authenticating';
  /** When `status` last changed (monotonic ms): auth deadline, backed-up time, close grace. */
  since: number;
  /** Cleared by each heartbeat ping, set by any sign of life; still clear at the next one: dead. */
  alive = true;
  client: ClientRecord | undefined;
  /** Highest seq delivered or skipped: the fan-out's dedupe mark (resume). */
  lastSeq = 0;
  /** The fan-out's log window this connection last took events from, and how many it took. */
  logWindow = -1;
  logTaken = 0;
  private visibleNow: Visibility = EMPTY;
  private subscriptionNow: Subscription | undefined;
  private pending: Buffer[] | undefined;
  private outbox: CoalescingOutbox<Buffer> | undefined;
  private dirty = false;
  private mailbox: ConnectionMessage[] | undefined;
  private busy = false;

  constructor(readonly id: number, readonly ws: WebSocket, readonly socket: Duplex, readonly ip: string, private readonly deps: ConnectionDeps) {
    this.since = deps.now();
    ws.on('message', (data: Buffer, isBinary: boolean) => this.send({ type: 'inbound', data, isBinary }));
    ws.on('pong', () => this.send({ type: 'pong' }));
    ws.on('close', (code: number) => this.send({ type: 'socket_closed', code }));
    ws.on('error', (err: Error) => deps.log.debug(`connection ${id} error`, { error: err.message }));
  }

  /** What the client may see (its enabled areas' entities; null: everything). */
  get visible(): Visibility {
    return this.visibleNow;
  }

  /** What the client asked for within what it may see (undefined: everything). */
  get subscription(): Subscription | undefined {
    return this.subscriptionNow;
  }

  setVisibility(visible: Visibility): void {
    this.deps.catchUp(this);
    this.visibleNow = visible;
  }

  setSubscription(subscription: Subscription | undefined): void {
    this.deps.catchUp(this);
    this.subscriptionNow = subscription;
  }

  /** Whether this connection gets events of trigger (or socket) `name` in `category`. */
  wants(name: string, category?: string): boolean {
    return sees(this.visibleNow, this.subscriptionNow, name, category);
  }

  /** Queues a frame after the logged events it has not taken; with `key` (a trigger name) it may be coalesced with an older one while backed up. */
  offer(frame: Buffer, key?: string): void {
    this.deps.catchUp(this);
    this.enqueue(frame, key);
  }

  /** Queues a frame as is (the fan-out's catch-up, which keeps the order itself). */
  enqueue(frame: Buffer, key?: string): void {
    if (this.status === 'live') {
      (this.pending ??= []).push(frame);
      if (this.pending.length >= this.deps.maxPending) this.flush();
      else if (!this.dirty) {
        this.dirty = true;
        this.deps.markDirty(this);
      }
    } else if (this.status === 'backed_up') {
      if (offerOutbox(this.outbox!, frame, key) === 'overflow') this.send({ type: 'close', close: CLOSE.slowConsumer });
    }
  }

  /**
   * Writes this tick's messages; a socket left above its bound makes the connection `backed_up`.
   * Connections flushed with the same `memo` that got the same frames write the same Buffer.
   */
  flush(memo?: BatchMemo): void {
    this.dirty = false;
    const frames = this.pending;
    if (this.status !== 'live' || !frames) return;
    this.pending = undefined;
    this.write(frames, memo);
    this.checkBackpressure();
  }

  /**
   * Whether the fan-out may write this window's trigger events as the batch shared by every
   * connection of the same view: live, nothing of its own queued (order), and none of the events
   * already delivered (resume), the first of them being `firstSeq`.
   */
  takesShared(firstSeq: number): boolean {
    return this.status === 'live' && this.pending === undefined && this.lastSeq < firstSeq;
  }

  /** Writes the shared batch (see {@link takesShared}). */
  writeShared(data: Buffer): void {
    this.write([data]);
    this.checkBackpressure();
  }

  private checkBackpressure(): void {
    if (this.socket.writableLength <= this.deps.maxBufferedBytes) return;
    this.outbox = createCoalescingOutbox(this.deps.maxPending);
    this.setStatus('backed_up', `${this.socket.writableLength} bytes queued`);
    this.awaitDrain();
  }

  private awaitDrain(): void {
    this.socket.once('drain', () => this.send({ type: 'drained' }));
  }

  /** Becomes `live` once authenticated (the fan-out has set identity and resume mark). */
  admit(): void {
    if (this.status === 'authenticating') this.setStatus('live', this.client?.id);
  }

  /** Puts a message in the mailbox; handled now unless another one is being handled. */
  send(message: ConnectionMessage): void {
    if (this.busy) {
      (this.mailbox ??= []).push(message);
      return;
    }
    this.busy = true;
    try {
      this.receive(message);
      while (this.mailbox?.length) this.receive(this.mailbox.shift()!);
    } finally {
      this.busy = false;
      this.mailbox = undefined;
    }
  }

  private receive(m: ConnectionMessage): void {
    switch (m.type) {
      case 'inbound':
        this.alive = true;
        if (this.status === 'closing' || this.status === 'closed') return;
        if (m.isBinary) return this.close(CLOSE.unsupportedData);
        return this.deps.onText(this, m.data.toString('utf8'));
      case 'pong':
        this.alive = true;
        return;
      case 'drained':
        return this.drained();
      case 'sweep':
        return this.sweep(m.now, m.heartbeat);
      case 'close':
        return this.close(m.close, m.farewell);
      case 'socket_closed':
        this.pending = this.outbox = undefined;
        this.setStatus('closed', `code ${m.code}`);
        return this.deps.onClosed(this);
    }
  }

  private drained(): void {
    if (this.status !== 'backed_up') return;
    this.write(drainOutbox(this.outbox!));
    if (this.socket.writableLength > this.deps.maxBufferedBytes) return this.awaitDrain();
    this.outbox = undefined;
    this.setStatus('live', 'drained');
  }

  /** Deadlines and heartbeat, driven by the one shared sweep instead of timers per connection. */
  private sweep(now: number, heartbeat: boolean): void {
    const age = now - this.since;
    if (this.status === 'authenticating' && age >= this.deps.authTimeoutMs) return this.close({ code: CLOSE.unauthorized.code, reason: 'authentication timeout' });
    if (this.status === 'backed_up' && age >= this.deps.slowConsumerMs) return this.close(CLOSE.slowConsumer);
    if (this.status === 'closing' && age >= this.deps.closeGraceMs) return this.ws.terminate();
    if (!heartbeat || this.status === 'closing' || this.status === 'closed') return;
    if (!this.alive) {
      this.deps.log.info(`connection ${this.id} missed its heartbeat, terminating`, { clientId: this.client?.id, ip: this.ip });
      return this.ws.terminate();
    }
    this.alive = false;
    this.ws.ping();
  }

  /** Sends the close frame (after `farewell` and what is queued, when there is a farewell). */
  private close(close: CloseReason, farewell?: Buffer): void {
    if (this.status === 'closing' || this.status === 'closed') return;
    if (farewell) {
      this.deps.catchUp(this); // the events before the farewell still go first
      this.write([...(this.pending ?? []), ...(this.outbox ? drainOutbox(this.outbox) : []), farewell]);
    }
    this.pending = this.outbox = undefined;
    const level = close.code === CLOSE.slowConsumer.code ? 'warn' : 'info';
    this.deps.log[level](`closing connection ${this.id}: ${close.code} ${close.reason}`, { clientId: this.client?.id, ip: this.ip });
    this.setStatus('closing', `${close.code} ${close.reason}`);
    this.ws.close(close.code, close.reason);
  }

  private write(frames: readonly Buffer[], memo?: BatchMemo): void {
    const socket = this.socket;
    if (frames.length === 0 || socket.destroyed || !socket.writable) return;
    socket.write(joinFrames(frames, memo));
  }

  private setStatus(next: ConnectionStatus, why?: string): void {
    if (next === this.status) return;
    this.deps.log.debug(`connection ${this.id}: ${this.status} → ${next}${why ? ` (${why})` : ''}`);
    this.status = next;
    this.since = this.deps.now();
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** The batch last joined during one fan-out flush: connections that got the same frames share its Buffer. */
export interface BatchMemo {
  frames?: readonly Buffer[];
  joined?: Buffer;
}

/**
 * A batch as one Buffer, for one write: a corked write per frame cost more in the stream
 * machinery than copying the frames (a batch is typically tens of 200-byte frames). Clients
 * with the same subscriptions get the same frames in the same order, so the copy is made once
 * per flush for all of them.
 */
function joinFrames(frames: readonly Buffer[], memo?: BatchMemo): Buffer {
  if (frames.length === 1) return frames[0];
  const last = memo?.frames;
  if (last && memo.joined && last.length === frames.length && frames.every((frame, i) => frame === last[i])) return memo.joined;
  const joined = Buffer.concat(frames);
  if (memo) {
    memo.frames = frames;
    memo.joined = joined;
  }
  return joined;
}
