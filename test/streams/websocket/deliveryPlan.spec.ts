import { expect } from 'chai';
import type { View } from '../../../streams/websocket/clientFilter';
import { planCatchUp, planFlush, type LogPosition, type Seat } from '../../../streams/websocket/deliveryPlan';

const stage: View = { visible: new Set(['Stage.Mode', 'Stage.Power']), filter: undefined };
const fog: View = { visible: new Set(['Fog.Burst']), filter: undefined };
const everything: View = { visible: null, filter: undefined };
const powerOnly: View = { visible: stage.visible, filter: { triggers: new Set(['Stage.Power']), categories: new Set() } };

const LOG = [
  { seq: 1, name: 'Stage.Mode', category: 'stage' },
  { seq: 2, name: 'Fog.Burst', category: 'fog' },
  { seq: 3, name: 'Stage.Power', category: 'stage' },
];
const WINDOW = 4;
const fresh: LogPosition = { lastSeq: 0, window: -1, taken: 0 };

const seat = (name: string, view: View, position: LogPosition = fresh, mayShare = true): Seat & { name: string } => ({ name, view, position, mayShare });

describe('delivery plan', () => {
  describe('planCatchUp', () => {
    it('gives a connection the events its view sees, and takes the whole log', () => {
      expect(planCatchUp(LOG, WINDOW, stage, fresh)).to.deep.equal({ indices: [0, 2], position: { lastSeq: 3, window: WINDOW, taken: 3 } });
      expect(planCatchUp(LOG, WINDOW, powerOnly, fresh).indices).to.deep.equal([2]);
      expect(planCatchUp(LOG, WINDOW, everything, fresh).indices).to.deep.equal([0, 1, 2]);
    });

    it('starts after what it took of this window, and from the start of a new one', () => {
      expect(planCatchUp(LOG, WINDOW, everything, { lastSeq: 1, window: WINDOW, taken: 1 }).indices).to.deep.equal([1, 2]);
      expect(planCatchUp(LOG, WINDOW, everything, { lastSeq: 0, window: WINDOW - 1, taken: 2 }).indices).to.deep.equal([0, 1, 2]);
    });

    it('skips events at or below the resume mark', () => {
      expect(planCatchUp(LOG, WINDOW, everything, { lastSeq: 2, window: -1, taken: 0 })).to.deep.equal({
        indices: [2],
        position: { lastSeq: 3, window: WINDOW, taken: 3 },
      });
    });

    it('changes nothing when everything is taken', () => {
      const taken = { lastSeq: 3, window: WINDOW, taken: 3 };
      expect(planCatchUp(LOG, WINDOW, everything, taken)).to.deep.equal({ indices: [], position: taken });
    });
  });

  describe('planFlush', () => {
    it('groups the connections that may share by view, one filtered batch per view', () => {
      const [p1, p2, f, a] = [seat('p1', stage), seat('p2', stage), seat('f', fog), seat('a', everything)];
      const plan = planFlush(LOG, WINDOW, [p1, p2, f, a]);
      expect(plan.shared.map((b) => [b.indices, b.seats.map((s) => s.name)])).to.deep.equal([
        [
          [0, 2],
          ['p1', 'p2'],
        ],
        [[1], ['f']],
        [[0, 1, 2], ['a']],
      ]);
      expect(plan.sharedPosition).to.deep.equal({ lastSeq: 3, window: WINDOW, taken: 3 });
      expect(plan.catchUps).to.deep.equal([]);
    });

    it('tells apart views with the same areas and different filters', () => {
      const plan = planFlush(LOG, WINDOW, [seat('p', stage), seat('q', powerOnly)]);
      expect(plan.shared.map((b) => b.indices)).to.deep.equal([[0, 2], [2]]);
    });

    it('has a connection with its own messages queued, one that took part of the window, or one that resumed past the log catch up one by one', () => {
      const queued = seat('queued', stage, fresh, false);
      const partly = seat('partly', stage, { lastSeq: 1, window: WINDOW, taken: 1 });
      const resumed = seat('resumed', stage, { lastSeq: 2, window: -1, taken: 0 });
      const plan = planFlush(LOG, WINDOW, [queued, partly, resumed]);
      expect(plan.shared).to.deep.equal([]);
      expect(plan.catchUps.map((c) => [c.seat.name, c.indices])).to.deep.equal([
        ['queued', [0, 2]],
        ['partly', [2]],
        ['resumed', [2]],
      ]);
    });

    it('still moves a sharing connection past events its view does not see', () => {
      const plan = planFlush(LOG.slice(1, 2), WINDOW, [seat('p', stage)]);
      expect(plan.shared.map((b) => b.indices)).to.deep.equal([[]]);
      expect(plan.sharedPosition.lastSeq).to.equal(2);
    });
  });
});
