import { expect } from 'chai';
import { map, NEVER, of, type Observable } from 'rxjs';
import type { BusHealth } from '../../../streams/sse/busNotices';
import { clientStream$, type ClientStreamOptions } from '../../../streams/sse/clientStream';
import type { EventEnvelope } from '../../../streams/sse/envelope';
import type { Replay } from '../../../streams/sse/resumeThenLive';
import type { ConnectionNotice } from '../../../streams/sse/sseMessage';
import { acceptsEnvelope } from '../../../streams/sse/streamFilter';
import { createTestScheduler, queuedAt } from '../../helpers/marbles';
import { env, letter, utcNow } from './sseFixtures';

const connection: ConnectionNotice = {
  type: 'connection',
  message: 'Connected to event stream',
  connectionId: 'c1',
  organizationId: 'acme',
  filters: { eventCategories: null, eventTypes: null },
  bus: 'up',
  heartbeatMs: 4,
  resumeAfter: null,
  latestSeq: 0,
  timestamp: utcNow(),
};

const noReplay: Replay = () => ({ events: [] });

function options(over: Partial<ClientStreamOptions> & { busState$: Observable<BusHealth>; shutdown$: Observable<number> }): ClientStreamOptions {
  return {
    connection,
    retryMs: 3000,
    heartbeatMs: 4,
    stillAuthorized: () => true,
    after: null,
    replay: noReplay,
    latestSeq: () => 0,
    accepts: acceptsEnvelope('acme', { eventCategories: null, eventTypes: null }),
    utcNow,
    ...over,
  };
}

describe('clientStream$', () => {
  it('opens with connection, then events, heartbeats and bus notices; a shutdown notice ends it', () => {
    createTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('---a---b----------', { a: env(1), b: env(2) });
      const bus$ = hot<BusHealth>('u--------d--------', { u: 'up', d: 'down' });
      const shutdown$ = cold<number>('-------------5----', { 5: 500 });
      const stream$ = clientStream$(live$, options({ busState$: bus$, shutdown$ })).pipe(map(letter));
      // heartbeats at frames 4, 8, 12 (heartbeatMs = 4); the shutdown notice completes the stream.
      expectObservable(stream$, '^------------------').toBe('c--1h--2hL--h(S|)');
      expectSubscriptions(live$.subscriptions).toBe('^------------!');
      expectSubscriptions(bus$.subscriptions).toBe('^------------!');
    });
  });

  it('puts retry: on the connection message and the reconnect delay on the shutdown notice', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const shutdown$ = cold('--x', { x: 1500 });
      const stream$ = clientStream$(NEVER, options({ busState$: of('up'), shutdown$, heartbeatMs: 100 }));
      expectObservable(stream$, '^----!').toBe('c-(s|)', {
        c: { event: 'connection', data: connection, retry: 3000 },
        s: {
          event: 'system',
          retry: 1500,
          data: { type: 'system', code: 'shutdown', message: 'Server shutting down; reconnect in 1500 ms', reconnectAfterMs: 1500, timestamp: utcNow() },
        },
      });
      expectSubscriptions(shutdown$.subscriptions).toBe('^-!');
    });
  });

  it('ends the stream at the first heartbeat after the API key is revoked', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      let checks = 0;
      // Authorized at the first heartbeat, revoked by the second.
      const stillAuthorized = () => ++checks < 2;
      const live$ = hot<EventEnvelope>('------------');
      const shutdown$ = hot<number>('   ------------');
      const stream$ = clientStream$(live$, options({ busState$: of('up'), shutdown$, stillAuthorized }));
      expectObservable(stream$.pipe(map(letter)), '^-----------!').toBe('c---h---(K|)');
      // Ending the stream at the revocation leaves the live events and the shutdown signal at once.
      expectSubscriptions(live$.subscriptions).toBe('^-------!');
      expectSubscriptions(shutdown$.subscriptions).toBe('^-------!');
    });
  });

  it('resumes from the journal between the connection message and live events', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('--------c---', { c: env(4) });
      const replay: Replay = (after) => ({ events: [env(2), env(3)].filter((e) => e.seq > after) });
      const stream$ = clientStream$(live$, options({ busState$: of('up'), shutdown$: NEVER, heartbeatMs: 1000, after: 1, replay, latestSeq: () => 3 }));
      expectObservable(stream$.pipe(map(letter)), '^-----------!').toBe('(c23)---4---');
      expectSubscriptions(live$.subscriptions).toBe('^-----------!');
    });
  });

  it('unsubscribes from everything when the client goes away', () => {
    const ts = createTestScheduler();
    let queued = { frames: [-1] };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('-a---', { a: env(1) });
      const bus$ = hot<BusHealth>('u----', { u: 'up' });
      const shutdown$ = hot<number>('-----');
      expectObservable(clientStream$(live$, options({ busState$: bus$, shutdown$, heartbeatMs: 100 })).pipe(map(letter)), '^--!').toBe('c1-');
      expectSubscriptions(live$.subscriptions).toBe('^--!');
      expectSubscriptions(bus$.subscriptions).toBe('^--!');
      expectSubscriptions(shutdown$.subscriptions).toBe('^--!');
      // The heartbeat timer goes with them.
      queued = queuedAt(ts, 3);
    });
    expect(queued.frames).to.deep.equal([]);
  });
});
