import { expect } from 'chai';
import { interval, map, NEVER, take } from 'rxjs';
import type { EventEnvelope } from '../../../streams/sse/envelope';
import { resumeThenLive, type Replay } from '../../../streams/sse/resumeThenLive';
import { acceptsEnvelope } from '../../../streams/sse/streamFilter';
import type { SseMessage } from '../../../streams/sse/sseMessage';
import { createTestScheduler } from '../../helpers/marbles';
import { env, letter, utcNow } from './sseFixtures';

const all = acceptsEnvelope('acme', { eventCategories: null, eventTypes: null });

/** A journal holding seqs `from`..`to`, answering like `Hub.replay`. */
function journal(from: number, to: number): Replay {
  return (after) =>
    after < from - 1
      ? { tooOld: true }
      : { events: Array.from({ length: Math.max(0, to - Math.max(after, from - 1)) }, (_, i) => env(Math.max(after, from - 1) + 1 + i)) };
}

const values = (seqs: Record<string, number>) => Object.fromEntries(Object.entries(seqs).map(([k, s]) => [k, env(s)]));

describe('resumeThenLive', () => {
  it('passes live events through for a fresh stream, journal untouched', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('--a--b--', values({ a: 6, b: 7 }));
      const replay: Replay = () => expect.fail('a fresh stream must not read the journal');
      expectObservable(resumeThenLive(live$, { after: null, replay, latestSeq: () => 5, accepts: all, utcNow }).pipe(map(letter))).toBe('--6--7--');
      expectSubscriptions(live$.subscriptions).toBe('^-------');
    });
  });

  it('replays the events after Last-Event-ID at once, then goes on live', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('------a--b--', values({ a: 6, b: 7 }));
      const stream$ = resumeThenLive(live$, { after: 3, replay: journal(1, 5), latestSeq: () => 5, accepts: all, utcNow });
      expectObservable(stream$.pipe(map(letter))).toBe('(45)--6--7--');
      expectSubscriptions(live$.subscriptions).toBe('^-----------');
    });
  });

  it('drops a live event that was already replayed, and any repeat', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      // A live source that re-sends seq 5 (already in the replay) and repeats 6.
      const live$ = hot<EventEnvelope>('----a-b-b-c', values({ a: 5, b: 6, c: 7 }));
      const stream$ = resumeThenLive(live$, { after: 3, replay: journal(1, 5), latestSeq: () => 5, accepts: all, utcNow });
      expectObservable(stream$.pipe(map(letter))).toBe('(45)--6---7');
      expectSubscriptions(live$.subscriptions).toBe('^----------');
    });
  });

  it('applies the filter to replayed events but still moves past them', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('------a-', values({ a: 6 }));
      const onlyEven = (e: EventEnvelope) => (e.seq as number) % 2 === 0;
      const stream$ = resumeThenLive(live$, { after: 1, replay: journal(1, 5), latestSeq: () => 5, accepts: onlyEven, utcNow });
      expectObservable(stream$.pipe(map(letter))).toBe('(24)--6-');
      expectSubscriptions(live$.subscriptions).toBe('^-------');
    });
  });

  it('replays a journal longer than partSize a part at a time, each after drained$, then what was accepted meanwhile, then live', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('---------a-------b', values({ a: 6, b: 7 }));
      const drained$ = hot('------d------d-----d');
      // Event 6 is in the journal from frame 9 on, when it is accepted.
      const replay: Replay = (after) => journal(1, scheduler.now() >= 9 ? 6 : 5)(after);
      const stream$ = resumeThenLive(live$, { after: 0, replay, latestSeq: () => 5, accepts: all, utcNow, partSize: 2, drained$ });
      expectObservable(stream$.pipe(map(letter))).toBe('(12)--(34)---(56)7');
      // Listened to from the start, for what is not in the journal (see the next test).
      expectSubscriptions(live$.subscriptions).toBe('^');
      // One subscription to drained$ paces every part, up to the one read again with what came since.
      expectSubscriptions(drained$.subscriptions).toBe('^------------!');
    });
  });

  it('replays 1,000 events in 1,000 parts, each one poll after the last, in order, every part as deep in the stack as the first', () => {
    const scheduler = createTestScheduler();
    const seqs: number[] = [];
    const depths: number[] = [];
    let lastAt = -1;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    try {
      scheduler.run(() => {
        const stream$ = resumeThenLive(NEVER, {
          after: 0,
          replay: journal(1, 1000),
          latestSeq: () => 1000,
          accepts: all,
          utcNow,
          partSize: 1,
          drained$: interval(1),
        });
        stream$.subscribe((m) => {
          const seq = (m.data as EventEnvelope).seq as number;
          seqs.push(seq);
          if (seq === 2 || seq > 990) depths.push((new Error().stack ?? '').split('\n').length);
          lastAt = scheduler.now();
        });
      });
    } finally {
      Error.stackTraceLimit = limit;
    }
    expect(seqs).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
    // The first part at once, then one a poll: the last one (read again from the journal) at frame 999.
    expect(lastAt).to.equal(999);
    // A part nested in the one before would pass each message through every part before it.
    expect(Math.max(...depths) - depths[0]).to.be.at.most(20);
  });

  it('stays as deep in the stack through 300 reads of a journal that grows as fast as the client takes it, none lost', () => {
    const scheduler = createTestScheduler();
    const seqs: number[] = [];
    const depths: number[] = [];
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    try {
      scheduler.run(() => {
        // Ten behind, and one more accepted each poll: each read's 10 events take 10 polls, by when 10 more came.
        const replay: Replay = (after) => journal(1, 10 + scheduler.now())(after);
        const latestSeq = () => 10 + scheduler.now();
        resumeThenLive(NEVER, { after: 0, replay, latestSeq, accepts: all, utcNow, partSize: 1, drained$: interval(1) })
          .pipe(take(3000))
          .subscribe((m) => {
            const seq = (m.data as EventEnvelope).seq as number;
            seqs.push(seq);
            if (seq === 20 || seq > 2990) depths.push((new Error().stack ?? '').split('\n').length);
          });
      });
    } finally {
      Error.stackTraceLimit = limit;
    }
    expect(seqs).to.deep.equal(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(Math.max(...depths) - depths[0]).to.be.at.most(20);
  });

  it('cuts the parts by what sizeOf counts (the shell: bytes on the wire), at least one event a part however large', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const live$ = hot<EventEnvelope>('-');
      const drained$ = hot('-----d--d--d');
      // Events 1..5 count 3, 6, 9, 12 and 15 against a part of 10.
      const sizeOf = (m: SseMessage) => 3 * Number((m.data as { seq: number }).seq);
      const stream$ = resumeThenLive(live$, { after: 0, replay: journal(1, 5), latestSeq: () => 5, accepts: all, utcNow, partSize: 10, sizeOf, drained$ });
      expectObservable(stream$.pipe(map(letter))).toBe('(12)-3--4--5');
    });
  });

  it('passes on during a replay in parts what the journal does not hold: an event relayed from another process', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const live$ = hot<EventEnvelope>('----r--a------b', { r: env(40, {}, 'other-process'), a: env(6), b: env(7) });
      const drained$ = hot('------d---d');
      let journalTo = 5;
      live$.subscribe((e) => e.relayedFrom === undefined && (journalTo = e.seq as number));
      const replay: Replay = (after) => journal(1, journalTo)(after);
      const stream$ = resumeThenLive(live$, { after: 0, replay, latestSeq: () => 5, accepts: all, utcNow, partSize: 2, drained$ });
      expectObservable(stream$.pipe(map(letter))).toBe('(12)r-(34)(56)7');
    });
  });

  it('sends a resync notice when the journal no longer holds what is left of a replay in parts, then goes on live', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const live$ = hot<EventEnvelope>('------------a', values({ a: 9 }));
      const drained$ = hot('--------d');
      // Retention drops the journal's events at frame 4.
      const replay: Replay = (after) => (scheduler.now() >= 4 ? { tooOld: true } : journal(1, 8)(after));
      const paced$ = resumeThenLive(live$, { after: 0, replay, latestSeq: () => 8, accepts: all, utcNow, partSize: 5, drained$ });
      expectObservable(paced$.pipe(map(letter))).toBe('(12345)-Y---9');
      // Without drained$, the parts follow each other at once: the whole replay in the step it was read.
      const atOnce$ = resumeThenLive(live$, { after: 0, replay, latestSeq: () => 8, accepts: all, utcNow, partSize: 5 });
      expectObservable(atOnce$.pipe(map(letter))).toBe('(12345678)--9');
    });
  });

  it('sends a resync notice when the journal no longer reaches back, then goes on live', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('--a-', values({ a: 9 }));
      const stream$ = resumeThenLive(live$, { after: 2, replay: journal(5, 8), latestSeq: () => 8, accepts: all, utcNow });
      expectObservable(stream$.pipe(map(letter))).toBe('Y-9-');
      expectSubscriptions(live$.subscriptions).toBe('^---');
    });
  });

  it('sends a resync notice for an id ahead of the hub and does not hold live events back', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('--a-', values({ a: 4 }));
      const replay: Replay = () => expect.fail('an id ahead of the hub has nothing to replay');
      const stream$ = resumeThenLive(live$, { after: 500, replay, latestSeq: () => 3, accepts: all, utcNow });
      expectObservable(stream$.pipe(map(letter))).toBe('Y-4-');
      expectSubscriptions(live$.subscriptions).toBe('^---');
    });
  });

  it('lets events relayed from another process through whatever their seq', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('------a-b-', { a: env(1, {}, 'hub-b'), b: env(6) });
      const stream$ = resumeThenLive(live$, { after: 3, replay: journal(1, 5), latestSeq: () => 5, accepts: all, utcNow });
      expectObservable(stream$.pipe(map(letter))).toBe('(45)--r-6-');
      expectSubscriptions(live$.subscriptions).toBe('^---------');
    });
  });

  it('leaves the live stream when the client goes away', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const live$ = hot<EventEnvelope>('------a--b--', values({ a: 6, b: 7 }));
      const stream$ = resumeThenLive(live$, { after: 3, replay: journal(1, 5), latestSeq: () => 5, accepts: all, utcNow }).pipe(map(letter));
      expectObservable(stream$, '^-------!').toBe('(45)--6-');
      expectSubscriptions(live$.subscriptions).toBe('^-------!');
    });
  });

  it('tells the resync notice the id it got and the latest seq', () => {
    const messages: SseMessage[] = [];
    resumeThenLive(NEVER, { after: 2, replay: journal(5, 8), latestSeq: () => 8, accepts: all, utcNow }).subscribe((m) => messages.push(m));
    expect(messages[0]).to.deep.equal({
      event: 'system',
      data: {
        type: 'system',
        code: 'resync',
        message: 'Events after seq 2 are no longer held by this hub; resync the current state from GET /api/trigger-status',
        lastEventId: 2,
        latestSeq: 8,
        timestamp: utcNow(),
      },
    });
  });
});
