import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Subscription, VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import type { WebSocket } from 'ws';
import type { TriggerEvent } from '../../../streams/contracts';
import { createLogger } from '../../../src/log';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import type { Store } from '../../../src/storage/store';
import { ClientConnection, createConnectionContext, type ConnectionDeps } from '../../../src/websocket/clientConnection';
import { createDirectory, type ClientRecord, type Directory } from '../../../src/websocket/directory';
import { FanOut, type FanOutDeps } from '../../../src/websocket/fanOut';

/** A socket that records each write and parses the frames in it (server frames: unmasked text). */
class FakeSocket extends EventEmitter {
  readonly writes: Buffer[] = [];
  writableLength = 0;
  destroyed = false;
  writable = true;
  write(b: Buffer) {
    this.writes.push(b);
    return true;
  }
  /** Every message written, parsed, in order. */
  messages(): Array<{ type: string; seq?: number; data: Record<string, unknown> }> {
    const out = [];
    for (const b of this.writes) {
      for (let at = 0; at < b.length;) {
        const header = b[at + 1] === 126 ? 4 : 2;
        const length = header === 4 ? b.readUInt16BE(at + 2) : b[at + 1];
        out.push(JSON.parse(b.subarray(at + header, at + header + length).toString()));
        at += header + length;
      }
    }
    return out;
  }
  /** The seqs of the trigger events written, in order. */
  seqs(): number[] {
    return this.messages()
      .filter((m) => m.type === 'trigger')
      .map((m) => m.seq!);
  }
}

class FakeWs extends EventEmitter {
  close() {}
  ping() {}
  terminate() {}
}

const event = (seq: number, name: string, type: TriggerEvent['type'] = 'Discrete'): TriggerEvent => ({
  seq,
  kind: 'event',
  name,
  value: 'On',
  id: null,
  type,
  category: name.split('.')[0].toLowerCase(),
  organization: 'default',
  source: 'HTTP',
  timestamp: '2026-11-23T12:00:00.000',
  receivedAt: 0,
});

describe('FanOut: the trigger log taken at the flush', () => {
  let store: Store;
  let directory: Directory;
  let fan: FanOut;
  let flushes: Array<() => void>;
  let lastSeq: number;
  let deps: ConnectionDeps;
  let fanDeps: FanOutDeps;

  const client = (id: string, areas: string[], role: ClientRecord['role'] = 'client'): ClientRecord => {
    const record: ClientRecord = { id, name: id, role, areas, createdAt: '' };
    directory.putClient(record);
    return record;
  };

  /** A connection admitted as `record`; its `connected` message is written and forgotten. */
  const connect = (record: ClientRecord, afterSeq?: number): { conn: ClientConnection; socket: FakeSocket } => {
    const socket = new FakeSocket();
    const conn = new ClientConnection(1, new FakeWs() as unknown as WebSocket, socket as unknown as Duplex, '127.0.0.1', createConnectionContext(deps));
    fan.admit(conn, record, afterSeq);
    flush();
    socket.writes.length = 0;
    return { conn, socket };
  };

  const publish = (e: TriggerEvent) => {
    lastSeq = e.seq;
    fan.publishTrigger(e);
  };

  const flush = () => {
    while (flushes.length > 0) flushes.shift()!();
  };

  beforeEach(() => {
    store = createSqliteStore(':memory:');
    directory = createDirectory(store);
    directory.putArea({ id: 'stage', name: 'Stage', entityIds: ['Stage.Mode', 'Stage.Power'], isEnabled: true, createdAt: '', updatedAt: '' });
    directory.putArea({ id: 'fog', name: 'Fog', entityIds: ['Fog.Burst'], isEnabled: true, createdAt: '', updatedAt: '' });
    flushes = [];
    lastSeq = 0;
    fanDeps = {
      directory,
      replay: () => ({ events: [] }),
      lastSeq: () => lastSeq,
      cache: () => ({}),
      utcNow: () => '2026-11-23T12:00:00.000',
      heartbeatMs: 30_000,
      defer: (fn) => flushes.push(fn),
      maxLogged: 5,
      scheduler: new VirtualTimeScheduler(),
    };
    fan = new FanOut(fanDeps);
    deps = {
      scheduler: { now: () => 0 } as SchedulerLike,
      log: createLogger('test', 'silent'),
      maxBufferedBytes: 1 << 20,
      maxPending: 100,
      authTimeoutMs: 1000,
      slowConsumerMs: 1000,
      closeGraceMs: 100,
      onText: () => undefined,
      onClosed: (conn) => fan.remove(conn),
    };
  });
  afterEach(() => store.close());

  it('writes one batch per connection per flush, the same Buffer for every connection of a view', () => {
    const panels = [1, 2, 3].map((i) => connect(client(`panel_${i}`, ['stage'])));
    const fogPanel = connect(client('fog_panel', ['fog']));
    const admin = connect(client('admin', [], 'admin'));
    publish(event(1, 'Stage.Mode'));
    publish(event(2, 'Fog.Burst', 'OneShot'));
    publish(event(3, 'Stage.Power'));
    expect(panels[0].socket.writes).to.have.length(0); // nothing before the flush
    flush();
    for (const p of panels) expect(p.socket.writes).to.have.length(1);
    expect(panels[1].socket.writes[0]).to.equal(panels[0].socket.writes[0]);
    expect(panels[2].socket.writes[0]).to.equal(panels[0].socket.writes[0]);
    expect(panels[0].socket.seqs()).to.deep.equal([1, 3]);
    expect(fogPanel.socket.seqs()).to.deep.equal([2]);
    expect(admin.socket.seqs()).to.deep.equal([1, 2, 3]);
    expect(admin.socket.writes).to.have.length(1);
  });

  it('asks for one flush for every frame of a tick, and writes them as one batch', () => {
    const panel = connect(client('panel', ['stage']));
    for (const n of [1, 2, 3]) fan.notifyClient('panel', 'area_updated', { areaId: `a${n}` });
    expect(flushes).to.have.length(1);
    expect(panel.socket.writes).to.have.length(0);
    flush();
    expect(panel.socket.writes).to.have.length(1);
    expect(panel.socket.messages().map((m) => m.data.areaId)).to.deep.equal(['a1', 'a2', 'a3']);
  });

  it('writes nothing to a connection that sees none of the events', () => {
    const fogPanel = connect(client('fog_panel', ['fog']));
    publish(event(1, 'Stage.Mode'));
    flush();
    expect(fogPanel.socket.writes).to.have.length(0);
  });

  it('keeps the order of events and other messages sent to a connection in between', () => {
    const panel = connect(client('panel', ['stage']));
    const other = connect(client('other', ['stage']));
    publish(event(1, 'Stage.Mode'));
    fan.notifyClient('panel', 'area_updated', { areaId: 'stage' });
    publish(event(2, 'Stage.Power'));
    flush();
    expect(panel.socket.messages().map((m) => m.type + (m.seq ?? ''))).to.deep.equal(['trigger1', 'area_updated', 'trigger2']);
    expect(panel.socket.writes).to.have.length(1);
    expect(other.socket.seqs()).to.deep.equal([1, 2]);
  });

  it('judges each event by the subscription the connection had when it was published', () => {
    const panel = connect(client('panel', ['stage']));
    publish(event(1, 'Stage.Mode'));
    fan.setFilter(panel.conn, { triggers: new Set(['Stage.Power']), categories: new Set() });
    publish(event(2, 'Stage.Mode'));
    publish(event(3, 'Stage.Power'));
    flush();
    expect(panel.socket.seqs()).to.deep.equal([1, 3]);
  });

  it('judges each event by the areas the client had when it was published', () => {
    const record = client('panel', ['stage']);
    const panel = connect(record);
    publish(event(1, 'Stage.Mode'));
    directory.putClient({ ...record, areas: ['fog'] });
    fan.refresh('panel');
    publish(event(2, 'Stage.Mode'));
    publish(event(3, 'Fog.Burst', 'OneShot'));
    flush();
    expect(panel.socket.seqs()).to.deep.equal([1, 3]);
  });

  it('never sends an event twice to a connection that resumed past it in the same window', () => {
    const early = connect(client('early', ['stage']));
    publish(event(1, 'Stage.Mode'));
    publish(event(2, 'Stage.Mode'));
    // Admitted now, the replay plan covers up to seq 2: the logged 1 and 2 are not its to take.
    const late = connect(client('late', ['stage']), 0);
    publish(event(3, 'Stage.Power'));
    flush();
    expect(early.socket.seqs()).to.deep.equal([1, 2, 3]);
    expect(late.socket.seqs()).to.deep.equal([3]);
  });

  it('flushes at once when the log reaches its bound', () => {
    const panel = connect(client('panel', ['stage']));
    for (let seq = 1; seq <= 5; seq++) publish(event(seq, 'Stage.Mode'));
    expect(panel.socket.seqs()).to.deep.equal([1, 2, 3, 4, 5]);
    publish(event(6, 'Stage.Mode'));
    expect(panel.socket.seqs()).to.have.length(5);
    expect(flushes).to.have.length(1); // the flush already on its way takes event 6: no second one
    flush();
    expect(panel.socket.seqs()).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it('gives a backed-up connection its share through its coalescing outbox, newest state per trigger', () => {
    const slow = connect(client('slow', ['stage']));
    const fast = connect(client('fast', ['stage']));
    slow.socket.writableLength = 2 << 20; // the next write leaves it backed up
    publish(event(1, 'Stage.Mode'));
    flush();
    expect(slow.conn.status).to.equal('backed_up');
    publish(event(2, 'Stage.Mode'));
    publish(event(3, 'Stage.Power'));
    publish(event(4, 'Stage.Mode'));
    flush();
    expect(slow.socket.seqs()).to.deep.equal([1]);
    slow.socket.writableLength = 0;
    slow.socket.emit('drain');
    expect(slow.socket.seqs()).to.deep.equal([1, 3, 4]);
    expect(fast.socket.seqs()).to.deep.equal([1, 2, 3, 4]);
  });

  /** A fan-out whose log holds `history` (its replay reads it) and whose pacing polls run when the test says; `panel` resumes after 0. */
  const resumeOf = (history: TriggerEvent[], maxLogged: number) => {
    const polls = new Set<() => void>();
    const scheduler = {
      now: () => 0,
      schedule(work: () => void) {
        const run = () => (polls.delete(run), work());
        polls.add(run);
        return new Subscription(() => polls.delete(run));
      },
    } as unknown as SchedulerLike;
    const poll = () => [...polls].forEach((run) => run());
    fan = new FanOut({
      ...fanDeps,
      maxLogged,
      scheduler,
      replay: (after) => ({ events: history.filter((e) => e.seq > after) }),
      lastSeq: () => history.length,
    });
    const socket = new FakeSocket();
    const conn = new ClientConnection(1, new FakeWs() as unknown as WebSocket, socket as unknown as Duplex, '127.0.0.1', createConnectionContext(deps));
    fan.admit(conn, client('panel', ['stage']), 0);
    flush();
    return { polls, poll, socket };
  };

  it('hands a resume out in parts, the next once the socket took what it was given, then the events accepted meanwhile, then live', () => {
    const history = [1, 2, 3, 4, 5, 6, 7].map((seq) => event(seq, 'Stage.Mode'));
    const { polls, poll, socket } = resumeOf(history, 5);
    // The seq resumed from, not the end of the replay: a client that drops mid-replay resumes from what it got.
    expect(socket.messages()[0]).to.deep.include({ type: 'connected' });
    expect(socket.messages()[0].data).to.include({ seq: 0 });
    // Half of what a backed-up outbox holds (maxLogged 5) at a time, while the connection holds no more than that, so none of it is ever coalesced there.
    expect(socket.seqs()).to.deep.equal([1, 2, 3, 4]);
    socket.writableLength = 100; // the kernel has not taken it yet
    poll();
    flush();
    expect(socket.seqs()).to.deep.equal([1, 2, 3, 4]);
    const meanwhile = event(8, 'Stage.Mode');
    history.push(meanwhile);
    fan.publishTrigger(meanwhile);
    flush();
    expect(socket.seqs(), 'not before the resume').to.deep.equal([1, 2, 3, 4]);
    socket.writableLength = 0;
    poll();
    flush();
    expect(socket.seqs()).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(polls.size, 'live: no more polls').to.equal(0);
    const live = event(9, 'Stage.Mode');
    history.push(live);
    fan.publishTrigger(live);
    flush();
    expect(socket.seqs()).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('writes a small resume of a client admitted by its auth message (while the connection handles it) in the next flush, without waiting for a poll', () => {
    const history = [1, 2, 3].map((seq) => event(seq, 'Stage.Mode'));
    const scheduler = { now: () => 0, schedule: () => new Subscription() } as unknown as SchedulerLike;
    fan = new FanOut({ ...fanDeps, scheduler, replay: (after) => ({ events: history.filter((e) => e.seq > after) }), lastSeq: () => history.length });
    const record = client('panel', ['stage']);
    const socket = new FakeSocket();
    const ws = new FakeWs();
    const context = createConnectionContext({ ...deps, onText: (conn) => fan.admit(conn, record, 0) });
    new ClientConnection(1, ws as unknown as WebSocket, socket as unknown as Duplex, '127.0.0.1', context);
    ws.emit('message', Buffer.from('{"type":"auth"}'), false);
    flush();
    expect(socket.seqs()).to.deep.equal([1, 2, 3]);
  });

  it('hands a resume out one event at a time with the smallest outbox (max_pending_messages 1), and goes live', () => {
    const { polls, poll, socket } = resumeOf(
      [1, 2, 3].map((seq) => event(seq, 'Stage.Mode')),
      1,
    );
    for (let i = 0; i < 5 && polls.size > 0; i++) {
      poll();
      flush();
    }
    expect(socket.seqs()).to.deep.equal([1, 2, 3]);
    expect(polls.size, 'live: no more polls').to.equal(0);
  });

  it('writes the events published before a revocation ahead of the farewell', () => {
    const panel = connect(client('panel', ['stage']));
    publish(event(1, 'Stage.Mode'));
    fan.disconnectClient('panel', 'revoked by admin');
    expect(panel.socket.messages().map((m) => m.type)).to.deep.equal(['trigger', 'token_revoked']);
  });
});
