import type { CacheState, TriggerEvent } from '../../streams/contracts';
import { planResume, type ReplayAnswer } from '../../streams/websocket/resumePlan';
import type { PowerEvent, ServiceStatusChange } from '../bus/bus';
import { CLOSE } from './closeCodes';
import { sees, type BatchMemo, type ClientConnection, type Subscription } from './clientConnection';
import { areaView, canSee, type ClientRecord, type Directory } from './directory';
import { textFrame } from './frame';
import { encodeMessage, encodeTrigger, visibleState, type ServerMessageType } from './protocol';

export interface FanOutDeps {
  readonly directory: Directory;
  readonly replay: (afterSeq: number) => ReplayAnswer<TriggerEvent>;
  readonly lastSeq: () => number;
  readonly cache: () => CacheState;
  readonly utcNow: () => string;
  readonly heartbeatMs: number;
  /** Runs `fn` once the current tick's I/O callbacks are done (setImmediate in production). */
  readonly defer: (fn: () => void) => void;
  /** Trigger events logged between two flushes; one more flushes at once (the per-connection bound). */
  readonly maxLogged: number;
}

/** A trigger event waiting in the log for the flush, framed only once some connection wants it. */
interface Logged {
  readonly event: TriggerEvent;
  /** The coalescing key of a backed-up connection's outbox: OneShot events are never coalesced. */
  readonly key: string | undefined;
  frame: Buffer | undefined;
}

/** A connection's catch-up, as the `connected` message reports it. */
type Resume = { afterSeq: number; replayed: number } | { afterSeq: number; resync: 'too_old' | 'unknown_seq' };

/**
 * The seed's event module: every authenticated connection by client id, and the ways to reach
 * them (one client, clients with an area, everyone, admins), plus the trigger, power and service
 * streams. Each message is serialized and framed once, however many connections get it; each
 * connection then writes its share once per tick.
 *
 * Trigger events, the bulk of the traffic, are not queued per connection as they come: they are
 * logged once, and each connection takes its share at the flush. Connections with the same view
 * (the same enabled areas and no subscription of their own, say 100 panels of one room) then
 * share one filtered, joined batch, so an event costs O(1) however many connections are
 * attached, and a flush O(connections), not O(connections × events). A connection that gets
 * anything else in between (a power event, an answer), changes its view, or is backed up takes
 * its share one event at a time, in order ({@link catchUp}).
 */
export class FanOut {
  /** Authenticated connections, the set every event walks. */
  readonly live = new Set<ClientConnection>();
  private readonly byClient = new Map<string, Set<ClientConnection>>();
  private dirty: ClientConnection[] = [];
  /** A deferred flush is on its way. */
  private scheduled = false;
  /** The log is being handed out: connections marked dirty now are written by this flush. */
  private distributing = false;
  /** Trigger events since the last flush, in seq order. */
  private log: Logged[] = [];
  /** Counts flushes: a connection whose `logWindow` is older has taken nothing of `log`. */
  private window = 0;

  constructor(private readonly deps: FanOutDeps) {}

  /** Queues `conn` for the end-of-tick flush (called by the connection on its first message of a tick). */
  readonly markDirty = (conn: ClientConnection): void => {
    this.dirty.push(conn);
    this.requestFlush();
  };

  /** Hands `conn` the logged events it has not taken yet, one by one (see {@link ConnectionDeps.catchUp}). */
  readonly catchUp = (conn: ClientConnection): void => {
    const from = conn.logWindow === this.window ? conn.logTaken : 0;
    if (from >= this.log.length || !this.live.has(conn)) return;
    conn.logWindow = this.window;
    conn.logTaken = this.log.length;
    for (let i = from; i < this.log.length; i++) {
      const logged = this.log[i];
      const { seq, name, category } = logged.event;
      if (seq <= conn.lastSeq) continue;
      conn.lastSeq = seq;
      if (conn.wants(name, category)) conn.enqueue(frameOf(logged), logged.key);
    }
  };

  /** Writes every connection's messages of this tick: first its share of the logged events, then its own queue. */
  readonly flush = (): void => {
    this.distributing = true;
    if (this.log.length > 0) this.distribute();
    this.distributing = false;
    const batch = this.dirty;
    this.dirty = [];
    const memo: BatchMemo = {};
    for (const conn of batch) conn.flush(memo);
  };

  private readonly runScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private requestFlush(): void {
    if (this.scheduled || this.distributing) return;
    this.scheduled = true;
    this.deps.defer(this.runScheduled);
  }

  /** Gives every live connection its share of the log, and empties it. */
  private distribute(): void {
    const log = this.log;
    // Seqs are logged in order (the gateway assigns them in order); min and max do not rely on it.
    let firstSeq = Infinity;
    let lastSeq = 0;
    for (const { event } of log) {
      if (event.seq < firstSeq) firstSeq = event.seq;
      if (event.seq > lastSeq) lastSeq = event.seq;
    }
    const shared = new Map<ClientConnection['visible'], Map<Subscription | undefined, Buffer | null>>();
    for (const conn of this.live) {
      if (conn.logWindow !== this.window && conn.takesShared(firstSeq)) {
        conn.lastSeq = lastSeq;
        let byView = shared.get(conn.visible);
        if (!byView) shared.set(conn.visible, (byView = new Map()));
        let batch = byView.get(conn.subscription);
        if (batch === undefined) byView.set(conn.subscription, (batch = sharedBatch(log, conn.visible, conn.subscription)));
        if (batch) conn.writeShared(batch);
      } else this.catchUp(conn);
    }
    this.log = [];
    this.window++;
  }

  /**
   * Makes an authenticated connection live: `connected`, then what it missed since `afterSeq`
   * (or a `resync` with the current state), then live events. All in this one turn of the event
   * loop, so no event is accepted between the replay and going live; the connection's `lastSeq`
   * then keeps the fan-out from sending a replayed event twice.
   */
  admit(conn: ClientConnection, client: ClientRecord, afterSeq?: number): void {
    conn.client = client;
    conn.setVisibility(this.deps.directory.visibility(client));
    const plan = planResume(afterSeq, this.deps.replay, this.deps.lastSeq());
    conn.lastSeq = plan.lastSeq;
    conn.admit();
    this.live.add(conn);
    let clientConns = this.byClient.get(client.id);
    if (!clientConns) this.byClient.set(client.id, (clientConns = new Set()));
    clientConns.add(conn);

    const replayed = plan.kind === 'replay' ? plan.events.filter((e) => conn.wants(e.name, e.category)) : [];
    const resume: Resume | undefined = afterSeq === undefined ? undefined : plan.kind === 'resync' ? { afterSeq, resync: plan.reason } : { afterSeq, replayed: replayed.length };
    conn.offer(this.frame('connected', { ...this.welcome(client), seq: plan.lastSeq, heartbeatMs: this.deps.heartbeatMs, ...(resume ? { resume } : {}) }));
    if (plan.kind === 'replay') {
      for (const e of replayed) conn.offer(textFrame(encodeTrigger(e)), e.type === 'OneShot' ? undefined : e.name);
    } else if (plan.kind === 'resync') {
      const state = visibleState(this.deps.cache(), (name) => conn.wants(name));
      const message = plan.reason === 'too_old' ? 'Missed events are no longer held; here is the current state' : 'This hub never reached that seq; here is the current state';
      conn.offer(textFrame(encodeMessage('resync', { reason: plan.reason, state, message, timestamp: this.deps.utcNow() }, { seq: plan.lastSeq })));
    }
  }

  /** Forgets a closed connection. */
  readonly remove = (conn: ClientConnection): void => {
    this.live.delete(conn);
    const id = conn.client?.id;
    const set = id === undefined ? undefined : this.byClient.get(id);
    if (set?.delete(conn) && set.size === 0) this.byClient.delete(id!);
  };

  /** Sends to every connection of one client; returns how many connections it reached. */
  notifyClient(clientId: string, type: ServerMessageType, data: Record<string, unknown>): number {
    return this.deliver(this.byClient.get(clientId) ?? [], type, data);
  }

  /** Sends to every connection of the listed clients, framed once. */
  notifyClients(clientIds: readonly string[], type: ServerMessageType, data: Record<string, unknown>): number {
    return this.deliver(this.connectionsOf(clientIds), type, data);
  }

  /** Sends to every connection of the clients that have `areaId` assigned. */
  notifyClientsWithArea(areaId: string, type: ServerMessageType, data: Record<string, unknown>): number {
    return this.deliver(this.connectionsOf(this.deps.directory.clientsWithArea(areaId)), type, data);
  }

  /** Sends to every live connection. */
  notifyAllClients(type: ServerMessageType, data: Record<string, unknown>): number {
    return this.deliver(this.live, type, data);
  }

  /** Sends to the connections of admins. */
  notifyAdmins(type: ServerMessageType, data: Record<string, unknown>): number {
    return this.deliver(this.admins(), type, data);
  }

  /** `token_revoked`, then the close (4403) once it is written; returns the connections closed. */
  disconnectClient(clientId: string, reason: string): number {
    const conns = [...(this.byClient.get(clientId) ?? [])];
    if (conns.length === 0) return 0;
    const farewell = this.frame('token_revoked', { clientId, reason, message: 'Your token has been revoked; this connection will close' });
    for (const conn of conns) conn.send({ type: 'close', close: CLOSE.revoked, farewell });
    return conns.length;
  }

  /** Re-reads a client's record and visibility after an admin changed its areas (or an area). */
  refresh(clientId?: string): void {
    const conns = clientId === undefined ? this.live : (this.byClient.get(clientId) ?? []);
    for (const conn of conns) {
      const client = conn.client && this.deps.directory.client(conn.client.id);
      if (!client) continue;
      conn.client = client;
      conn.setVisibility(this.deps.directory.visibility(client));
    }
  }

  /** One accepted event to every connection that may see it, framed once: logged now, taken at the flush. */
  publishTrigger(event: TriggerEvent): void {
    if (this.live.size === 0) return;
    this.log.push({ event, key: event.type === 'OneShot' ? undefined : event.name, frame: undefined });
    if (this.log.length >= this.deps.maxLogged) this.flush();
    else this.requestFlush();
  }

  /** A power socket event to admins and to clients whose enabled areas contain the socket. */
  publishPower(event: PowerEvent): void {
    let frame: Buffer | undefined;
    for (const conn of this.live) {
      if (!canSee(conn.visible, event.socket)) continue;
      // Amperage samples are state: a backed-up client needs only the newest per socket.
      conn.offer((frame ??= textFrame(encodeMessage('power', event))), event.type === 'sample' ? `power:${event.socket}` : undefined);
    }
  }

  /** A service connection change, to admins only (clients have no business with the wiring). */
  publishServiceStatus(change: ServiceStatusChange): void {
    this.deliver(this.admins(), 'service_status', change as unknown as Record<string, unknown>, `service:${change.service}`);
  }

  /** Connections of one client right now. */
  connectionCount(clientId: string): number {
    return this.byClient.get(clientId)?.size ?? 0;
  }

  /** What a `connected` message says about a client. */
  private welcome(client: ClientRecord): Record<string, unknown> {
    const { directory } = this.deps;
    const areas = client.role === 'admin' ? directory.areas() : client.areas.map((id) => directory.area(id)).filter((a) => a !== undefined);
    return {
      clientId: client.id,
      name: client.name,
      role: client.role,
      areas: areas.map(areaView),
      message: 'Connected to Haven',
      timestamp: this.deps.utcNow(),
    };
  }

  private admins(): ClientConnection[] {
    return [...this.live].filter((c) => c.client?.role === 'admin');
  }

  private connectionsOf(clientIds: readonly string[]): ClientConnection[] {
    return clientIds.flatMap((id) => [...(this.byClient.get(id) ?? [])]);
  }

  private deliver(conns: Iterable<ClientConnection>, type: ServerMessageType, data: Record<string, unknown>, key?: string): number {
    let frame: Buffer | undefined;
    let n = 0;
    for (const conn of conns) {
      conn.offer((frame ??= this.frame(type, data)), key);
      n++;
    }
    return n;
  }

  private frame(type: ServerMessageType, data: Record<string, unknown>): Buffer {
    return textFrame(encodeMessage(type, { ...data, timestamp: data.timestamp ?? this.deps.utcNow() }));
  }
}

function frameOf(logged: Logged): Buffer {
  return (logged.frame ??= textFrame(encodeTrigger(logged.event)));
}

/** The logged events a view gets, joined for one write; null when it gets none. */
function sharedBatch(log: readonly Logged[], visible: ClientConnection['visible'], subscription: Subscription | undefined): Buffer | null {
  const frames: Buffer[] = [];
  for (const logged of log) if (sees(visible, subscription, logged.event.name, logged.event.category)) frames.push(frameOf(logged));
  return frames.length === 0 ? null : frames.length === 1 ? frames[0] : Buffer.concat(frames);
}
