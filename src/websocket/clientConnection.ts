import type { Duplex } from 'node:stream';
import type { SchedulerLike } from 'rxjs';
import type { WebSocket } from 'ws';
import { CLOSE } from '../../streams/websocket/closeCodes';
import {
  connectionTransition,
  type ConnectionEffect,
  type ConnectionLimits,
  type ConnectionMessage,
  type ConnectionState,
  type ConnectionStatus,
  type ConnectionStep,
  initialConnection,
} from '../../streams/websocket/connectionMachine';
import type { Logger } from '../log';
import type { ClientRecord } from './directory';

/** A connection's mailbox message, with frames as Buffers. */
export type ConnectionLetter = ConnectionMessage<Buffer, BatchMemo>;

/** What the component gives every connection (one object for all of them). */
export interface ConnectionDeps extends ConnectionLimits {
  /** The hub's (monotonic) clock, for every deadline. */
  readonly scheduler: SchedulerLike;
  readonly log: Logger;
  /** Handles one text message from the client (authentication, requests). */
  readonly onText: (conn: ClientConnection, text: string) => void;
  readonly onClosed: (conn: ClientConnection) => void;
}

/** What every connection runs on: its deps, with the transition and the clock read built once ({@link createConnectionContext}). */
export interface ConnectionContext extends ConnectionDeps {
  readonly transition: ReturnType<typeof connectionTransition<Buffer, BatchMemo>>;
  readonly now: () => number;
}

/** Built once by the component for all its connections (an idle connection then costs only its own fields). */
export function createConnectionContext(deps: ConnectionDeps): ConnectionContext {
  return { ...deps, transition: connectionTransition<Buffer, BatchMemo>(deps), now: () => deps.scheduler.now() };
}

/**
 * One connected WebSocket: the shell around {@link connectionTransition}. It owns the ws socket
 * and performs the transition's effects (writes, close frames, pings, the end), and keeps the one
 * snapshot the transition returned, so its status is read in one place; `setStatus` logs every
 * change. Everything reaches the transition through one mailbox ({@link send}), one message at a
 * time: frames from the fan-out, the sweep, the socket's own events. The mailbox is a plain queue
 * rather than a `concatMap`: every frame of every connection passes through it, and a `concatMap`
 * step per frame made the fan-out several times slower.
 * Frames are shared Buffers built once per fan-out.
 */
export class ClientConnection {
  private state: ConnectionState<Buffer>;
  private clientNow: ClientRecord | undefined;
  /** Messages sent while another is handled, in order. */
  private mailbox: ConnectionLetter[] | undefined;
  private busy = false;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly socket: Duplex,
    readonly ip: string,
    private readonly deps: ConnectionContext,
  ) {
    this.state = initialConnection(deps.scheduler.now());
    ws.on('message', (data: Buffer, isBinary: boolean) => this.send(isBinary ? { type: 'binary' } : { type: 'text', text: data.toString('utf8') }));
    ws.on('pong', () => this.send({ type: 'pong' }));
    ws.on('close', (code: number) => this.send({ type: 'socket_closed', code }));
    ws.on('error', (err: Error) => deps.log.debug(`connection ${id} error`, { error: err.message }));
  }

  get status(): ConnectionStatus {
    return this.state.status;
  }

  /** Bytes written that the client's socket has not taken yet. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Frames held while the socket is backed up (and this tick's, not flushed yet). */
  get heldMessages(): number {
    return (this.state.pending?.length ?? 0) + (this.state.outbox?.entries.size ?? 0);
  }

  /** Who authenticated on it (undefined before). */
  get client(): ClientRecord | undefined {
    return this.clientNow;
  }

  /** Becomes `live` as `client`. */
  admit(client: ClientRecord): void {
    this.clientNow = client;
    this.send({ type: 'admit', why: client.id });
  }

  /** Takes the client's record as an admin changed it. */
  identify(client: ClientRecord): void {
    this.clientNow = client;
  }

  /** Queues a frame for this tick's write; with `key` (a trigger name) it may be coalesced with an older one while backed up. */
  deliver(frame: Buffer, key?: string): void {
    this.send({ type: 'deliver', frame, key });
  }

  /** Writes this tick's frames. Connections flushed with the same `memo` that got the same frames write the same Buffer. */
  flush(memo?: BatchMemo): void {
    this.send({ type: 'flush', memo });
  }

  /** Puts a message in the mailbox; handled now unless another one is being handled. */
  send(message: ConnectionLetter): void {
    if (this.busy) {
      (this.mailbox ??= []).push(message);
      return;
    }
    this.busy = true;
    try {
      this.step(message);
      while (this.mailbox?.length) this.step(this.mailbox.shift()!);
    } finally {
      this.busy = false;
      this.mailbox = undefined;
    }
  }

  private step(message: ConnectionLetter): void {
    const { state, effects }: ConnectionStep<Buffer, BatchMemo> = this.deps.transition(this.state, message, this.deps.now);
    this.state = state;
    for (const effect of effects) this.effect(effect);
  }

  private effect(e: ConnectionEffect<Buffer, BatchMemo>): void {
    switch (e.type) {
      case 'write':
        this.write(e.frames, e.memo);
        // What the socket holds is an answer to this write: it is handled now, ahead of the mailbox.
        return this.step({ type: 'written', bufferedBytes: this.socket.writableLength });
      case 'redeliver':
        // After the write and its `written` above: the rest meets the status that answer left.
        return this.step({ type: 'deliver_all', frames: e.frames, keys: e.keys });
      case 'await_drain':
        this.socket.once('drain', () => this.send({ type: 'drained' }));
        return;
      case 'text':
        return this.deps.onText(this, e.text);
      case 'ping':
        return this.ws.ping();
      case 'close': {
        const level = e.close.code === CLOSE.slowConsumer.code ? 'warn' : 'info';
        this.deps.log[level](`closing connection ${this.id}: ${e.close.code} ${e.close.reason}`, { clientId: this.clientNow?.id, ip: this.ip });
        return this.ws.close(e.close.code, e.close.reason);
      }
      case 'terminate':
        if (e.why === 'heartbeat') this.deps.log.info(`connection ${this.id} missed its heartbeat, terminating`, { clientId: this.clientNow?.id, ip: this.ip });
        return this.ws.terminate();
      case 'status':
        return this.setStatus(e.from, e.to, e.why);
      case 'ended':
        return this.deps.onClosed(this);
    }
  }

  /** The one place a status change is told; the machine made it. */
  private setStatus(from: ConnectionStatus, to: ConnectionStatus, why?: string): void {
    this.deps.log.debug(`connection ${this.id}: ${from} → ${to}${why ? ` (${why})` : ''}`);
  }

  private write(frames: readonly Buffer[], memo?: BatchMemo): void {
    const socket = this.socket;
    if (frames.length === 0 || socket.destroyed || !socket.writable) return;
    socket.write(joinFrames(frames, memo));
  }
}

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
