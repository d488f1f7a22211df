import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { SchedulerLike } from 'rxjs';
import type { WebSocket } from 'ws';
import { createLogger } from '../../../src/log';
import { ClientConnection, createConnectionContext, type ConnectionDeps } from '../../../src/websocket/clientConnection';
import type { ClientRecord } from '../../../src/websocket/directory';

/** A socket whose queue length the test sets: "the kernel took it" or "it is piling up". */
class FakeSocket extends EventEmitter {
  /** The text of every frame written, in order, whichever write carried it. */
  written: string[] = [];
  writes = 0;
  buffers: Buffer[] = [];
  writableLength = 0;
  destroyed = false;
  writable = true;
  write(b: Buffer) {
    this.writes++;
    this.buffers.push(b);
    for (let at = 0; at < b.length;) {
      const header = b[at + 1] === 126 ? 4 : 2;
      const length = header === 4 ? b.readUInt16BE(at + 2) : b[at + 1];
      this.written.push(b.subarray(at + header, at + header + length).toString());
      at += header + length;
    }
    return true;
  }
}

class FakeWs extends EventEmitter {
  closes: Array<[number, string]> = [];
  pings = 0;
  terminated = false;
  close(code: number, reason: string) {
    this.closes.push([code, reason]);
  }
  ping() {
    this.pings++;
  }
  terminate() {
    this.terminated = true;
  }
}

const frame = (text: string) => {
  const b = Buffer.alloc(2 + text.length);
  b[0] = 0x81;
  b[1] = text.length;
  b.write(text, 2);
  return b;
};

const CLIENT: ClientRecord = { id: 'client_1', name: 'panel', role: 'client', areas: [], createdAt: '' };

function setup(overrides: Partial<ConnectionDeps> = {}) {
  let now = 0;
  const texts: string[] = [];
  const closed: ClientConnection[] = [];
  // Only the clock is read: the sweep drives every deadline.
  const scheduler = { now: () => now } as SchedulerLike;
  const deps: ConnectionDeps = {
    scheduler,
    log: createLogger('test', 'silent'),
    maxBufferedBytes: 100,
    maxPending: 3,
    authTimeoutMs: 50,
    slowConsumerMs: 200,
    closeGraceMs: 30,
    onText: (_c, t) => texts.push(t),
    onClosed: (c) => closed.push(c),
    ...overrides,
  };
  const ws = new FakeWs();
  const socket = new FakeSocket();
  const conn = new ClientConnection(1, ws as unknown as WebSocket, socket as unknown as Duplex, '127.0.0.1', createConnectionContext(deps));
  const live = () => conn.admit(CLIENT);
  return { conn, ws, socket, texts, closed, live, tick: (ms: number) => (now += ms) };
}

describe('ClientConnection', () => {
  it('batches one tick of messages into one write', () => {
    const { conn, socket, live } = setup({ maxPending: 10 });
    live();
    conn.deliver(frame('a'));
    conn.deliver(frame('b'));
    conn.deliver(frame('c'));
    expect(socket.written).to.deep.equal([]);
    conn.flush();
    expect(socket.written).to.deep.equal(['a', 'b', 'c']);
    expect(socket.writes).to.equal(1);
  });

  it('shares one joined batch between connections flushed together with the same frames', () => {
    const one = setup({ maxPending: 10 });
    const two = setup({ maxPending: 10 });
    const other = setup({ maxPending: 10 });
    [one, two, other].forEach((c) => c.live());
    const [a, b] = [frame('a'), frame('b')];
    for (const c of [one, two]) {
      c.conn.deliver(a);
      c.conn.deliver(b);
    }
    other.conn.deliver(b);
    other.conn.deliver(a);
    const memo = {};
    for (const c of [one, two, other]) c.conn.flush(memo);
    expect(two.socket.buffers[0]).to.equal(one.socket.buffers[0]);
    expect(other.socket.buffers[0]).to.not.equal(one.socket.buffers[0]);
    expect(other.socket.written).to.deep.equal(['b', 'a']);
  });

  it('delivers nothing before authentication', () => {
    const { conn, socket } = setup();
    conn.deliver(frame('a'));
    conn.flush();
    expect(socket.written).to.deep.equal([]);
  });

  it('writes early when a tick brings more than the bound, instead of holding it all', () => {
    const { conn, socket, live } = setup({ maxPending: 2 });
    live();
    conn.deliver(frame('a'));
    conn.deliver(frame('b'));
    expect(socket.written).to.deep.equal(['a', 'b']);
  });

  it('once backed up, coalesces state per key and writes only the newest on drain, in order', () => {
    const { conn, socket, live } = setup({ maxPending: 10 });
    live();
    conn.deliver(frame('first'));
    socket.writableLength = 500; // the peer stopped reading
    conn.flush();
    expect(conn.status).to.equal('backed_up');
    conn.deliver(frame('A1'), 'A');
    conn.deliver(frame('B1'), 'B');
    conn.deliver(frame('burst'));
    conn.deliver(frame('A2'), 'A');
    socket.writableLength = 0;
    socket.emit('drain');
    expect(socket.written).to.deep.equal(['first', 'B1', 'burst', 'A2']);
    expect(conn.status).to.equal('live');
  });

  it('closes with 4008 "slow consumer" when a backed-up client overflows its outbox', () => {
    const { conn, ws, socket, live } = setup({ maxPending: 2 });
    live();
    conn.deliver(frame('x'));
    socket.writableLength = 500;
    conn.flush();
    conn.deliver(frame('e1'));
    conn.deliver(frame('e2'));
    expect(ws.closes).to.deep.equal([]);
    conn.deliver(frame('e3'));
    expect(ws.closes).to.deep.equal([[4008, 'slow consumer']]);
    expect(conn.status).to.equal('closing');
  });

  it('closes a client backed up longer than slowConsumerMs at the sweep, even if coalescing keeps it small', () => {
    const { conn, ws, socket, live, tick } = setup();
    live();
    conn.deliver(frame('x'));
    socket.writableLength = 500;
    conn.flush();
    for (let i = 0; i < 50; i++) conn.deliver(frame(`s${i}`), 'S');
    tick(199);
    conn.send({ type: 'sweep', heartbeat: false });
    expect(ws.closes).to.deep.equal([]);
    tick(1);
    conn.send({ type: 'sweep', heartbeat: false });
    expect(ws.closes).to.deep.equal([[4008, 'slow consumer']]);
  });

  it('terminates a closing peer that does not answer the close frame within the grace', () => {
    const { conn, ws, live, tick } = setup();
    live();
    conn.send({ type: 'close', close: { code: 4403, reason: 'token revoked' } });
    tick(29);
    conn.send({ type: 'sweep', heartbeat: false });
    expect(ws.terminated).to.equal(false);
    tick(1);
    conn.send({ type: 'sweep', heartbeat: false });
    expect(ws.terminated).to.equal(true);
  });

  it('closes an unauthenticated connection with 4401 at the auth deadline, not before', () => {
    const { conn, ws, tick } = setup();
    tick(49);
    conn.send({ type: 'sweep', heartbeat: false });
    expect(ws.closes).to.deep.equal([]);
    tick(1);
    conn.send({ type: 'sweep', heartbeat: false });
    expect(ws.closes).to.deep.equal([[4401, 'authentication timeout']]);
  });

  it('pings at each heartbeat and terminates a connection that did not answer the previous ping', () => {
    const { conn, ws, live } = setup();
    live();
    conn.send({ type: 'sweep', heartbeat: true });
    expect(ws.pings).to.equal(1);
    ws.emit('pong');
    conn.send({ type: 'sweep', heartbeat: true });
    expect(ws.pings).to.equal(2);
    expect(ws.terminated).to.equal(false);
    conn.send({ type: 'sweep', heartbeat: true });
    expect(ws.terminated).to.equal(true);
  });

  it('counts any message from the client as a sign of life', () => {
    const { conn, ws, live } = setup();
    live();
    conn.send({ type: 'sweep', heartbeat: true });
    ws.emit('message', Buffer.from('{"type":"ping"}'), false);
    conn.send({ type: 'sweep', heartbeat: true });
    expect(ws.terminated).to.equal(false);
  });

  it('writes the farewell after what is queued, even when backed up, then closes', () => {
    const { conn, ws, socket, live } = setup({ maxPending: 10 });
    live();
    conn.deliver(frame('x'));
    socket.writableLength = 500;
    conn.flush();
    conn.deliver(frame('held'));
    conn.send({ type: 'close', close: { code: 4403, reason: 'token revoked' }, farewell: frame('bye') });
    expect(socket.written).to.deep.equal(['x', 'held', 'bye']);
    expect(ws.closes).to.deep.equal([[4403, 'token revoked']]);
  });

  it('closes with 1003 on a binary message and hands text to the session', () => {
    const { conn, ws, texts } = setup();
    ws.emit('message', Buffer.from('{"type":"auth"}'), false);
    expect(texts).to.deep.equal(['{"type":"auth"}']);
    ws.emit('message', Buffer.from([1, 2]), true);
    expect(ws.closes).to.deep.equal([[1003, 'binary messages are not supported']]);
    expect(conn.status).to.equal('closing');
  });

  it('handles a message sent while another is handled after it, not inside it (mailbox)', () => {
    const order: string[] = [];
    const { ws } = setup({
      onText: (c, t) => {
        order.push(`start ${t}`);
        if (t === 'one') c.send({ type: 'text', text: 'two' });
        order.push(`end ${t}`);
      },
    });
    ws.emit('message', Buffer.from('one'), false);
    expect(order).to.deep.equal(['start one', 'end one', 'start two', 'end two']);
  });

  it('reports its end once the socket closed, and delivers nothing afterwards', () => {
    const { conn, ws, socket, closed, live } = setup();
    live();
    ws.emit('close', 1000);
    expect(conn.status).to.equal('closed');
    expect(closed).to.deep.equal([conn]);
    conn.deliver(frame('late'));
    conn.flush();
    expect(socket.written).to.deep.equal([]);
  });
});
