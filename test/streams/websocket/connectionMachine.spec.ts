import { expect } from 'chai';
import { CLOSE } from '../../../streams/websocket/closeCodes';
import { createCoalescingOutbox, offerOutbox } from '../../../streams/websocket/coalescingOutbox';
import {
  connectionTransition,
  initialConnection,
  type ConnectionEffect,
  type ConnectionMessage,
  type ConnectionState,
  type ConnectionStatus,
} from '../../../streams/websocket/connectionMachine';

const LIMITS = { maxBufferedBytes: 100, maxPending: 3, authTimeoutMs: 50, slowConsumerMs: 200, closeGraceMs: 30 };
const transition = connectionTransition<string>(LIMITS);

/** A connection in `status` since `since`, with nothing queued. */
const at = (status: ConnectionStatus, fields: Partial<ConnectionState<string>> = {}): ConnectionState<string> => ({
  ...initialConnection<string>(0),
  status,
  ...fields,
});

const backedUp = (...held: string[]) => {
  const outbox = createCoalescingOutbox<string>(LIMITS.maxPending);
  for (const h of held) offerOutbox(outbox, h);
  return at('backed_up', { outbox });
};

const statusTo = (from: ConnectionStatus, to: ConnectionStatus, why?: string): ConnectionEffect<string> => ({ type: 'status', from, to, why });

describe('connection transition', () => {
  // Each row: the state, the message, the time; the status after and the effects, in order.
  const rows: Array<[string, ConnectionState<string>, ConnectionMessage<string>, number, ConnectionStatus, ConnectionEffect<string>[]]> = [
    ['admits an authenticating connection', at('authenticating'), { type: 'admit', why: 'c1' }, 5, 'live', [statusTo('authenticating', 'live', 'c1')]],
    ['admits only once', at('live'), { type: 'admit' }, 5, 'live', []],
    ['hands text to the session', at('live'), { type: 'text', text: 'hi' }, 0, 'live', [{ type: 'text', text: 'hi' }]],
    ['ignores text once closing', at('closing'), { type: 'text', text: 'hi' }, 0, 'closing', []],
    [
      'closes with 1003 on binary',
      at('live'),
      { type: 'binary' },
      0,
      'closing',
      [{ type: 'close', close: CLOSE.unsupportedData }, statusTo('live', 'closing', '1003 binary messages are not supported')],
    ],
    ['drops a frame before authentication', at('authenticating'), { type: 'deliver', frame: 'a' }, 0, 'authenticating', []],
    ['holds a frame for the flush', at('live'), { type: 'deliver', frame: 'a' }, 0, 'live', []],
    [
      'writes early at the bound',
      at('live', { pending: ['a', 'b'] }),
      { type: 'deliver', frame: 'c' },
      0,
      'live',
      [{ type: 'write', frames: ['a', 'b', 'c'] }],
    ],
    [
      'holds several frames, writing early at the bound',
      at('live', { pending: ['a'] }),
      { type: 'deliver_all', frames: ['b', 'c', 'd'], keys: [undefined, 'K', undefined] },
      0,
      'live',
      [{ type: 'write', frames: ['a', 'b', 'c'] }],
    ],
    [
      'closes 4008 when several frames overflow a backed-up outbox',
      backedUp('x', 'y'),
      { type: 'deliver_all', frames: ['z', 'w'], keys: [undefined, undefined] },
      0,
      'closing',
      [{ type: 'close', close: CLOSE.slowConsumer }, statusTo('backed_up', 'closing', '4008 slow consumer')],
    ],
    [
      'writes the tick at the flush',
      at('live', { pending: ['a', 'b'] }),
      { type: 'flush' },
      0,
      'live',
      [{ type: 'write', frames: ['a', 'b'], memo: undefined }],
    ],
    ['flushes nothing when nothing is held', at('live'), { type: 'flush' }, 0, 'live', []],
    ['writes a shared batch at once when live', at('live'), { type: 'write', data: 'ab' }, 0, 'live', [{ type: 'write', frames: ['ab'] }]],
    ['writes no shared batch while backed up', backedUp(), { type: 'write', data: 'ab' }, 0, 'backed_up', []],
    ['stays live when the socket took the write', at('live'), { type: 'written', bufferedBytes: 100 }, 0, 'live', []],
    [
      'backs up when the socket holds more than the bound',
      at('live'),
      { type: 'written', bufferedBytes: 101 },
      7,
      'backed_up',
      [{ type: 'await_drain' }, statusTo('live', 'backed_up', '101 bytes queued')],
    ],
    ['writes the outbox at the drain', backedUp('x', 'y'), { type: 'drained' }, 0, 'backed_up', [{ type: 'write', frames: ['x', 'y'] }]],
    ['waits for the next drain while still over the bound', backedUp(), { type: 'written', bufferedBytes: 500 }, 0, 'backed_up', [{ type: 'await_drain' }]],
    ['is live again once under the bound', backedUp(), { type: 'written', bufferedBytes: 0 }, 0, 'live', [statusTo('backed_up', 'live', 'drained')]],
    [
      'closes 4008 when a backed-up outbox overflows',
      backedUp('x', 'y', 'z'),
      { type: 'deliver', frame: 'w' },
      0,
      'closing',
      [{ type: 'close', close: CLOSE.slowConsumer }, statusTo('backed_up', 'closing', '4008 slow consumer')],
    ],
    [
      'coalesces instead of overflowing',
      backedUp('x', 'y', 'z'),
      { type: 'deliver', frame: 'w', key: 'K' },
      0,
      'closing',
      [{ type: 'close', close: CLOSE.slowConsumer }, statusTo('backed_up', 'closing', '4008 slow consumer')],
    ],
    ['waits for the auth deadline', at('authenticating'), { type: 'sweep', heartbeat: false }, 49, 'authenticating', []],
    [
      'closes 4401 at the auth deadline',
      at('authenticating'),
      { type: 'sweep', heartbeat: false },
      50,
      'closing',
      [{ type: 'close', close: { code: 4401, reason: 'authentication timeout' } }, statusTo('authenticating', 'closing', '4401 authentication timeout')],
    ],
    ['keeps a backed-up connection until slowConsumerMs', backedUp(), { type: 'sweep', heartbeat: false }, 199, 'backed_up', []],
    [
      'closes 4008 a connection backed up for slowConsumerMs',
      backedUp(),
      { type: 'sweep', heartbeat: false },
      200,
      'closing',
      [{ type: 'close', close: CLOSE.slowConsumer }, statusTo('backed_up', 'closing', '4008 slow consumer')],
    ],
    ['gives a closing peer its grace', at('closing'), { type: 'sweep', heartbeat: false }, 29, 'closing', []],
    [
      'terminates a closing peer after the grace',
      at('closing'),
      { type: 'sweep', heartbeat: false },
      30,
      'closing',
      [{ type: 'terminate', why: 'close_grace' }],
    ],
    ['pings at the heartbeat', at('live'), { type: 'sweep', heartbeat: true }, 0, 'live', [{ type: 'ping' }]],
    [
      'terminates a connection silent since the last ping',
      at('live', { alive: false }),
      { type: 'sweep', heartbeat: true },
      0,
      'live',
      [{ type: 'terminate', why: 'heartbeat' }],
    ],
    [
      'writes the farewell after what is held, then closes',
      backedUp('held'),
      { type: 'close', close: CLOSE.revoked, farewell: 'bye' },
      0,
      'closing',
      [{ type: 'write', frames: ['held', 'bye'] }, { type: 'close', close: CLOSE.revoked }, statusTo('backed_up', 'closing', '4403 token revoked')],
    ],
    ['closes once', at('closing'), { type: 'close', close: CLOSE.goingAway }, 0, 'closing', []],
    [
      'ends when the socket closed',
      at('live', { pending: ['a'] }),
      { type: 'socket_closed', code: 1000 },
      0,
      'closed',
      [{ type: 'ended' }, statusTo('live', 'closed', 'code 1000')],
    ],
  ];
  for (const [name, state, message, now, status, effects] of rows) {
    it(name, () => {
      const step = transition(state, message, () => now);
      expect(step.state.status).to.equal(status);
      expect(step.effects).to.deep.equal(effects);
    });
  }

  it('restarts the clock of a status when it changes, not otherwise', () => {
    expect(transition(at('live'), { type: 'written', bufferedBytes: 101 }, () => 7).state.since).to.equal(7);
    expect(transition(at('live'), { type: 'sweep', heartbeat: true }, () => 7).state.since).to.equal(0);
  });

  it('takes any message, or a pong, as a sign of life', () => {
    expect(transition(at('live', { alive: false }), { type: 'pong' }, () => 0).state.alive).to.equal(true);
    expect(transition(at('live', { alive: false }), { type: 'text', text: '{}' }, () => 0).state.alive).to.equal(true);
    expect(transition(at('live'), { type: 'sweep', heartbeat: true }, () => 0).state.alive).to.equal(false);
  });

  it('holds the rest of several frames after an early write', () => {
    const step = transition(at('live', { pending: ['a'] }), { type: 'deliver_all', frames: ['b', 'c', 'd'], keys: [undefined, undefined, undefined] }, () => 0);
    expect(step.state.pending).to.deep.equal(['d']);
  });

  it('writes one batch of a long catch-up and hands the rest back, so a backed-up socket is seen first', () => {
    const frames = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const step = transition(at('live'), { type: 'deliver_all', frames, keys: frames.map(() => undefined) }, () => 0);
    expect(step.effects).to.deep.equal([
      { type: 'write', frames: ['a', 'b', 'c'] },
      { type: 'redeliver', frames: ['f', 'g', 'h'], keys: [undefined, undefined, undefined] },
    ]);
    expect(step.state.pending).to.deep.equal(['d', 'e']);
    // The socket held too much after that write: the rest waits in the outbox, past its bound the client is cut.
    const backed = transition(step.state, { type: 'written', bufferedBytes: 101 }, () => 1);
    expect(backed.state.status).to.equal('backed_up');
    const rest = transition(backed.state, { type: 'deliver_all', frames: ['f', 'g', 'h'], keys: [undefined, undefined, undefined] }, () => 1);
    expect(rest.state.status).to.equal('closing');
    expect(rest.effects[0]).to.deep.equal({ type: 'close', close: CLOSE.slowConsumer });
  });

  it('keeps frames queued while a write was on its way when it backs up', () => {
    const step = transition(at('live', { pending: ['late'] }), { type: 'written', bufferedBytes: 101 }, () => 0);
    expect(step.state.pending).to.equal(undefined);
    expect([...step.state.outbox!.entries.values()]).to.deep.equal(['late']);
  });
});
