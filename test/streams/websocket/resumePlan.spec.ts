import { expect } from 'chai';
import { planResume, type ReplayAnswer } from '../../../streams/websocket/resumePlan';

type E = { seq: number };
const journal =
  (events: E[], horizon: number) =>
  (after: number): ReplayAnswer<E> =>
    after < horizon ? { tooOld: true } : { events: events.filter((e) => e.seq > after) };

describe('planResume', () => {
  const events = [{ seq: 5 }, { seq: 6 }, { seq: 7 }];
  const replay = journal(events, 4);

  it('goes live from the current seq when the client names none', () => {
    expect(planResume(undefined, replay, 7)).to.deep.equal({ kind: 'live', lastSeq: 7 });
  });

  it('replays what the client missed and marks the last replayed seq for dedupe', () => {
    expect(planResume(5, replay, 7)).to.deep.equal({ kind: 'replay', events: [{ seq: 6 }, { seq: 7 }], lastSeq: 7 });
  });

  it('replays nothing for a client that saw everything', () => {
    expect(planResume(7, replay, 7)).to.deep.equal({ kind: 'replay', events: [], lastSeq: 7 });
  });

  it('asks for a resync when the journal no longer reaches back far enough', () => {
    expect(planResume(2, replay, 7)).to.deep.equal({ kind: 'resync', reason: 'too_old', lastSeq: 7 });
  });

  it('asks for a resync when the client saw a seq this hub never reached', () => {
    expect(planResume(99, replay, 7)).to.deep.equal({ kind: 'resync', reason: 'unknown_seq', lastSeq: 7 });
  });

  it('drops anything at or below the client seq even if the journal returned it', () => {
    const sloppy = (): ReplayAnswer<E> => ({ events });
    expect(planResume(6, sloppy, 7)).to.deep.equal({ kind: 'replay', events: [{ seq: 7 }], lastSeq: 7 });
  });
});
