import type { SchedulerLike, Subscription } from 'rxjs';
import type { CacheState, TriggerEvent } from '../../streams/contracts';
import { planResume, type ReplayAnswer } from '../../streams/websocket/resumePlan';
import type { PowerEvent, ServiceStatusChange } from '../bus/bus';
import { canSee, sees, type ClientFilter, type View } from '../../streams/websocket/clientFilter';
import { CLOSE, type CloseReason } from '../../streams/websocket/closeCodes';
import { planCatchUp, planFlush, type LogPosition, type Seat } from '../../streams/websocket/deliveryPlan';
import type { ClientConnection, ConnectionLetter } from './clientConnection';
import { areaView, type ClientRecord, type Directory } from './directory';
import { encodeMessage, encodeTrigger, textFrame, textFrameParts, visibleState, type ServerMessageType } from './protocol';
import type { EndOfTurn } from '../runtime/turnStages';

export interface FanOutDeps {
  readonly directory: Directory;
  readonly replay: (afterSeq: number) => ReplayAnswer<TriggerEvent>;
  readonly lastSeq: () => number;
  readonly cache: () => CacheState;
  readonly utcNow: () => string;
  readonly heartbeatMs: number;
  /** Runs `fn` once the current tick's I/O callbacks are done (setImmediate in production). */
  readonly defer: EndOfTurn;
  /** Trigger events logged between two flushes; one more flushes at once (the per-connection bound). */
  readonly maxLogged: number;
  /** Paces resumes: a connection with replayed events left is offered the next part on this clock. */
  readonly scheduler: SchedulerLike;
}

/** A trigger event waiting in the log for the flush, framed only once some connection wants it. */
interface Logged {
  readonly seq: number;
  readonly name: string;
  readonly category: string;
  readonly event: TriggerEvent;
  /** The coalescing key of a backed-up connection's outbox: OneShot events are never coalesced. */
  readonly key: string | undefined;
  /** Its frame as `ws` built it (header, payload), once some connection wants it. */
  parts: readonly Buffer[] | undefined;
  /** The same bytes as one Buffer, once a connection takes it on its own. */
  frame: Buffer | undefined;
}

/** What the fan-out keeps about one authenticated connection: its view and its place in the log (the connection keeps the rest). */
interface Member extends Seat {
  readonly conn: ClientConnection;
  view: View;
  position: LogPosition;
  /** It was handed frames of its own since the last flush: the log's events must come after them. */
  queued: boolean;
}

/**
 * The events of a resume that a member may see, each judged by the view it had when they were
 * read from the log (as logged events are judged by the view at the flush), handed out from `next`.
 */
interface Backlog {
  events: TriggerEvent[];
  next: number;
  /** The highest seq read from the log so far, seen or not: where the member goes live. */
  readSeq: number;
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
 * logged once, and at the flush {@link planFlush} says who gets which of them. Connections with
 * the same view (the same enabled areas and no filter of their own, say 100 panels of one room)
 * then share one filtered, joined batch, so an event costs O(1) however many connections are
 * attached, and a flush O(connections), not O(connections × events). A connection that gets
 * anything else in between (a power event, an answer), changes its view, or is backed up takes
 * its share one event at a time, in order ({@link planCatchUp}). The fan-out only hands frames
 * to connections; a connection never calls back into it.
 */
export class FanOut {
  /** Authenticated connections, the set every event walks, with what the fan-out keeps about each. */
  private readonly members = new Map<ClientConnection, Member>();
  private readonly byClient = new Map<string, Set<ClientConnection>>();
  /** Connections handed frames since the last flush: they write at the flush. */
  private dirty = new Set<ClientConnection>();
  /** A deferred flush is on its way. */
  private scheduled = false;
  /** The log is being handed out: connections handed frames now are written by this flush. */
  private distributing = false;
  /** Trigger events since the last flush, in seq order. */
  private log: Logged[] = [];
  /** Counts flushes: a member whose position names an older window has taken nothing of `log`. */
  private window = 0;
  /** Members still being handed their resume, and what is left of it; none takes live events before its backlog is done. */
  private readonly replaying = new Map<Member, Backlog>();
  /** The next offer to the replaying members is scheduled. */
  private pumping: Subscription | undefined;

  constructor(private readonly deps: FanOutDeps) {}

  /** Writes every connection's messages of this tick: first its share of the logged events, then its own queue. */
  readonly flush = (): void => {
    this.distributing = true;
    // A resume waiting for room (or for its connection to be live: one admitted by an `auth`
    // message is admitted while that message is handled) goes on here, written by this flush.
    for (const member of this.replaying.keys()) this.offerBacklog(member);
    if (this.log.length > 0) this.distribute();
    this.distributing = false;
    const batch = this.dirty;
    this.dirty = new Set();
    // One message for every connection (mailbox messages are read-only), and one memo: connections that got the same frames write the same Buffer.
    const flush: ConnectionLetter = { type: 'flush', memo: {} };
    for (const conn of batch) {
      const member = this.members.get(conn);
      if (member) member.queued = false;
      conn.send(flush);
    }
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

  /** Gives every live connection its share of the log, as {@link planFlush} says, and empties it. */
  private distribute(): void {
    const log = this.log;
    const plan = planFlush(log, this.window, this.takingTheLog());
    for (const { indices, seats } of plan.shared) {
      const write: ConnectionLetter | undefined = indices.length === 0 ? undefined : { type: 'write', data: joined(log, indices) };
      for (const seat of seats) {
        seat.position = plan.sharedPosition;
        if (write) seat.conn.send(write);
      }
    }
    for (const { seat, indices, position } of plan.catchUps) this.handOut(seat, indices, position);
    this.log = [];
    this.window++;
  }

  /**
   * Hands `member` the logged events it has not taken yet (before its view changes or it closes),
   * then `frame` if any, so its messages keep their order; the write waits for the flush. The plan
   * is built only when the log holds something new for it (most often not).
   */
  private catchUp(member: Member, frame?: Buffer, key?: string): void {
    // A replaying member takes the log's events from the log itself once its backlog is done.
    if (this.backlogOf(member) || !this.hasNewFor(member)) return this.handOut(member, NO_INDICES, member.position, frame, key);
    const { indices, position } = planCatchUp(this.log, this.window, member.view, member.position);
    this.handOut(member, indices, position, frame, key);
  }

  /** Hands `member` the log's events at `indices`, then `frame` if any, as one mailbox message. */
  private handOut(member: Member, indices: readonly number[], position: LogPosition, frame?: Buffer, key?: string): void {
    member.position = position;
    const n = indices.length + (frame ? 1 : 0);
    if (n === 0) return;
    if (n === 1) {
      const logged = frame ? undefined : this.log[indices[0]];
      member.conn.deliver(frame ?? frameOf(logged!), frame ? key : logged!.key);
    } else {
      const frames = indices.map((i) => frameOf(this.log[i]));
      const keys = indices.map((i) => this.log[i].key);
      if (frame) {
        frames.push(frame);
        keys.push(key);
      }
      member.conn.send({ type: 'deliver_all', frames, keys });
    }
    this.markQueued(member);
  }

  /** Whether the log holds events `member` has not taken (most often not: then no plan is built). */
  private hasNewFor(member: Member): boolean {
    const { window, taken } = member.position;
    return this.log.length > 0 && (window !== this.window || taken < this.log.length);
  }

  /** `member` has frames of its own waiting: it writes at the flush. */
  private markQueued(member: Member): void {
    member.queued = true;
    if (!this.dirty.has(member.conn)) {
      this.dirty.add(member.conn);
      this.requestFlush();
    }
  }

  /** Queues a frame for `conn` after the logged events it has not taken; with `key` it may be coalesced while backed up. */
  sendTo(conn: ClientConnection, frame: Buffer, key?: string): void {
    const member = this.members.get(conn);
    if (!member) return conn.deliver(frame, key);
    this.catchUp(member, frame, key);
  }

  /** What `conn` gets (nothing before it is admitted). */
  view(conn: ClientConnection): View {
    return this.members.get(conn)?.view ?? NOTHING;
  }

  /** Whether `conn` gets events of trigger (or socket) `name` in `category`. */
  wants(conn: ClientConnection, name: string, category?: string): boolean {
    return sees(this.view(conn), name, category);
  }

  /** Replaces what `conn` asked for (undefined: everything it may see); the events logged so far are judged by the old filter. */
  setFilter(conn: ClientConnection, filter: ClientFilter | undefined): void {
    const member = this.members.get(conn);
    if (!member) return;
    this.catchUpBeforeViewChange(member);
    member.view = { visible: member.view.visible, filter };
  }

  /** Closes `conn` after the logged events it has not taken and a farewell frame. */
  private farewell(member: Member, close: CloseReason, farewell: Buffer): void {
    this.catchUp(member);
    member.conn.send({ type: 'close', close, farewell });
  }

  /**
   * Makes an authenticated connection live: `connected`, then what it missed since `afterSeq`
   * (or a `resync` with the current state), then live events. The replay is its backlog, handed
   * out in parts ({@link offerBacklog}); it goes live in the turn the log is read to its end, so no
   * event falls between, and its position then keeps the fan-out from sending an event twice.
   */
  admit(conn: ClientConnection, client: ClientRecord, afterSeq?: number): void {
    const plan = planResume(afterSeq, this.deps.replay, this.deps.lastSeq());
    const view: View = { visible: this.deps.directory.visibility(client), filter: undefined };
    const member: Member = new FanOutMember(conn, view, { lastSeq: plan.lastSeq, window: -1, taken: 0 });
    conn.admit(client);
    this.members.set(conn, member);
    let clientConns = this.byClient.get(client.id);
    if (!clientConns) this.byClient.set(client.id, (clientConns = new Set()));
    clientConns.add(conn);

    const replayed = plan.kind === 'replay' ? plan.events.filter((e) => sees(view, e.name, e.category)) : [];
    const resume: Resume | undefined =
      afterSeq === undefined ? undefined : plan.kind === 'resync' ? { afterSeq, resync: plan.reason } : { afterSeq, replayed: replayed.length };
    // With a replay to come, the seq resumed from: a client that tracks the highest seq it heard of
    // and drops mid-replay must resume from what it got, not from the end of what it was to get.
    const seq = replayed.length > 0 ? afterSeq! : plan.lastSeq;
    this.sendTo(conn, this.frame('connected', { ...this.welcome(client), seq, heartbeatMs: this.deps.heartbeatMs, ...(resume ? { resume } : {}) }));
    if (replayed.length > 0) {
      this.replaying.set(member, { events: replayed, next: 0, readSeq: plan.lastSeq });
      this.offerBacklog(member);
    } else if (plan.kind === 'resync') this.resync(member, plan.reason, plan.lastSeq);
  }

  /** The current state the member may see, instead of the events it missed, which are no longer held. */
  private resync(member: Member, reason: 'too_old' | 'unknown_seq', seq: number): void {
    const state = visibleState(this.deps.cache(), (name) => sees(member.view, name));
    const message =
      reason === 'too_old' ? 'Missed events are no longer held; here is the current state' : 'This hub never reached that seq; here is the current state';
    this.sendTo(member.conn, textFrame(encodeMessage('resync', { reason, state, message, timestamp: this.deps.utcNow() }, { seq })));
  }

  /** The members that take their share of the log at a flush: all but those still replaying. */
  private takingTheLog(): Iterable<Member> {
    if (this.replaying.size === 0) return this.members.values();
    return [...this.members.values()].filter((m) => !this.replaying.has(m));
  }

  /** Hands `member` what its view now lets it see: the logged events it has not taken, and what the journal took since its resume was last read. */
  private catchUpBeforeViewChange(member: Member): void {
    this.catchUp(member);
    const backlog = this.backlogOf(member);
    if (backlog) this.readBacklog(member, backlog);
  }

  /** What is left of `member`'s resume, if it is still replaying. */
  private backlogOf(member: Member): Backlog | undefined {
    return this.replaying.size === 0 ? undefined : this.replaying.get(member);
  }

  /**
   * Hands a replaying member the next part of its resume once its socket took what it was given
   * (so none of it waits in a backed-up outbox, where state is coalesced: a resume is every missed
   * event), at most half a backed-up outbox at a time. Once the backlog is handed out, what the log
   * accepted meanwhile is the next; with nothing left the member goes live in that same turn, so
   * no event falls between.
   */
  private offerBacklog(member: Member): void {
    const { conn } = member;
    const part = Math.max(1, Math.floor(this.deps.maxLogged / 2));
    for (let backlog = this.backlogOf(member); backlog && conn.status === 'live' && conn.bufferedBytes === 0; backlog = this.backlogOf(member)) {
      if (backlog.next === backlog.events.length) {
        backlog.events = [];
        backlog.next = 0;
        this.readBacklog(member, backlog);
        if (this.replaying.has(member) && backlog.events.length === 0) this.goLive(member, backlog.readSeq);
        continue;
      }
      if (conn.heldMessages + part > this.deps.maxLogged) break;
      const frames = backlog.events.slice(backlog.next, backlog.next + part).map((e) => textFrame(encodeTrigger(e)));
      backlog.next += frames.length;
      conn.send({ type: 'deliver_all', frames, keys: frames.map(() => undefined) });
      this.markQueued(member);
    }
    if (this.replaying.has(member)) this.schedulePump();
  }

  /** Adds what the log accepted since the backlog was last read, judged by the member's view now; a resync and live once the log no longer holds it. */
  private readBacklog(member: Member, backlog: Backlog): void {
    const more = this.deps.replay(backlog.readSeq);
    if ('tooOld' in more) {
      const seq = this.deps.lastSeq();
      this.goLive(member, seq);
      return this.resync(member, 'too_old', seq);
    }
    for (const e of more.events) {
      if (e.seq <= backlog.readSeq) continue;
      backlog.readSeq = e.seq;
      if (sees(member.view, e.name, e.category)) backlog.events.push(e);
    }
  }

  /** Takes the log's events from here on: those at or below `lastSeq` (of this window too) are not sent again. */
  private goLive(member: Member, lastSeq: number): void {
    this.replaying.delete(member);
    member.position = { lastSeq, window: -1, taken: 0 };
  }

  private schedulePump(): void {
    this.pumping ??= this.deps.scheduler.schedule(() => {
      this.pumping = undefined;
      for (const member of [...this.replaying.keys()]) this.offerBacklog(member);
    }, BACKLOG_POLL_MS);
  }

  /** Forgets a closed connection. */
  readonly remove = (conn: ClientConnection): void => {
    const member = this.members.get(conn);
    if (member) this.replaying.delete(member);
    if (this.replaying.size === 0) {
      this.pumping?.unsubscribe();
      this.pumping = undefined;
    }
    this.members.delete(conn);
    this.dirty.delete(conn);
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
    return this.deliver(this.members.keys(), type, data);
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
    for (const conn of conns) {
      const member = this.members.get(conn);
      if (member) this.farewell(member, CLOSE.revoked, farewell);
    }
    return conns.length;
  }

  /** Re-reads a client's record and visibility after an admin changed its areas (or an area). */
  refresh(clientId?: string): void {
    const conns = clientId === undefined ? this.members.keys() : (this.byClient.get(clientId) ?? []);
    for (const conn of conns) {
      const member = this.members.get(conn);
      const client = member && conn.client && this.deps.directory.client(conn.client.id);
      if (!client) continue;
      conn.identify(client);
      this.catchUpBeforeViewChange(member);
      member.view = { visible: this.deps.directory.visibility(client), filter: member.view.filter };
    }
  }

  /** One accepted event to every connection that may see it, framed once: logged now, taken at the flush. */
  publishTrigger(event: TriggerEvent): void {
    if (this.members.size === 0) return;
    this.log.push({
      seq: event.seq,
      name: event.name,
      category: event.category,
      event,
      key: event.type === 'OneShot' ? undefined : event.name,
      parts: undefined,
      frame: undefined,
    });
    if (this.log.length >= this.deps.maxLogged) this.flush();
    else this.requestFlush();
  }

  /** A power socket event to admins and to clients whose enabled areas contain the socket. */
  publishPower(event: PowerEvent): void {
    let frame: Buffer | undefined;
    for (const member of this.members.values()) {
      if (!canSee(member.view.visible, event.socket)) continue;
      // Amperage samples are state: a backed-up client needs only the newest per socket.
      this.catchUp(member, (frame ??= textFrame(encodeMessage('power', event))), event.type === 'sample' ? `power:${event.socket}` : undefined);
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
    return [...this.members.keys()].filter((c) => c.client?.role === 'admin');
  }

  private connectionsOf(clientIds: readonly string[]): ClientConnection[] {
    return clientIds.flatMap((id) => [...(this.byClient.get(id) ?? [])]);
  }

  private deliver(conns: Iterable<ClientConnection>, type: ServerMessageType, data: Record<string, unknown>, key?: string): number {
    let frame: Buffer | undefined;
    let n = 0;
    for (const conn of conns) {
      this.sendTo(conn, (frame ??= this.frame(type, data)), key);
      n++;
    }
    return n;
  }

  private frame(type: ServerMessageType, data: Record<string, unknown>): Buffer {
    return textFrame(encodeMessage(type, { ...data, timestamp: data.timestamp ?? this.deps.utcNow() }));
  }
}

function partsOf(logged: Logged): readonly Buffer[] {
  return (logged.parts ??= textFrameParts(encodeTrigger(logged.event)));
}

function frameOf(logged: Logged): Buffer {
  if (logged.frame === undefined) {
    const parts = partsOf(logged);
    logged.frame = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
  return logged.frame;
}

/** The frames of the logged events at `indices` as one Buffer, for one write shared by every connection of a view: one copy of each frame's parts. */
function joined(log: readonly Logged[], indices: readonly number[]): Buffer {
  if (indices.length === 1) return frameOf(log[indices[0]]);
  const parts: Buffer[] = [];
  for (const i of indices) for (const part of partsOf(log[i])) parts.push(part);
  return Buffer.concat(parts);
}

/** A class, not a literal with a getter: the plan reads `mayShare` of every member at every flush. */
class FanOutMember implements Member {
  queued = false;
  constructor(
    readonly conn: ClientConnection,
    public view: View,
    public position: LogPosition,
  ) {}

  // A backed-up connection takes its share through its outbox, one event at a time.
  get mayShare(): boolean {
    return !this.queued && this.conn.status === 'live';
  }
}

const NO_INDICES: readonly number[] = [];

/** How often a resume whose socket still holds its last part is offered the next (ms). */
const BACKLOG_POLL_MS = 5;

const NOTHING: View = { visible: new Set(), filter: undefined };
