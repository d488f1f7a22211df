import { expect } from 'chai';
import { Subject, map } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { serviceMachine, type Transition } from '../../../streams/services/serviceMachine';
import { createTestScheduler } from '../../helpers/marbles';

/** A counter: each message adds its number; the effect says the sum and when. */
const add: Transition<number, number, string> = (sum, n, now) => ({ state: sum + n, effects: [`${sum + n}@${now}`] });

describe('services/serviceMachine', () => {
  let ts: TestScheduler;
  beforeEach(() => (ts = createTestScheduler()));

  it('steps each message through the transition with the scheduler time, one state after another', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const messages = hot<number>('-a--b-c--|', { a: 1, b: 2, c: 3 });
      const steps = messages.pipe(
        serviceMachine(add, 10, ts),
        map((step) => step.effects[0]),
      );
      expectObservable(steps).toBe('-x--y-z--|', { x: '11@1', y: '13@4', z: '16@6' });
      expectSubscriptions(messages.subscriptions).toBe('^--------!');
    });
  });

  it('lets a message posted while a step is performed wait its turn', () => {
    const mailbox = new Subject<number>();
    const seen: string[] = [];
    mailbox.pipe(serviceMachine(add, 0, ts)).subscribe(({ effects }) => {
      seen.push(`begin ${effects[0]}`);
      if (effects[0].startsWith('1@')) mailbox.next(2); // a write callback that fires at once
      seen.push(`end ${effects[0]}`);
    });
    mailbox.next(1);
    expect(seen).to.deep.equal(['begin 1@0', 'end 1@0', 'begin 3@0', 'end 3@0']);
  });

  it('starts from the initial state for every subscription', () => {
    ts.run(({ cold, expectObservable }) => {
      const steps = cold<number>('-a|', { a: 5 }).pipe(
        serviceMachine(add, 0, ts),
        map((s) => s.state),
      );
      expectObservable(steps).toBe('-x|', { x: 5 });
      expectObservable(steps).toBe('-x|', { x: 5 });
    });
  });

  it('errors when the transition throws, and unsubscribes its input', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const messages = hot<number>('-a-b-c', { a: 1, b: -1, c: 3 });
      const boom: Transition<number, number, string> = (sum, n, now) => {
        if (n < 0) throw new Error('negative');
        return add(sum, n, now);
      };
      expectObservable(
        messages.pipe(
          serviceMachine(boom, 0, ts),
          map((s) => s.state),
        ),
      ).toBe('-x-#', { x: 1 }, new Error('negative'));
      expectSubscriptions(messages.subscriptions).toBe('^--!');
    });
  });
});
