import { map } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { bindingActions, type TriggerBinding } from '../../../streams/power/bindingActions';
import { createTestScheduler } from '../../helpers/marbles';
import { event } from '../fixtures';

const STAGE: TriggerBinding = { trigger: 'Stage.Power', socket: 'stage', on: 'On', off: 'Off', emergencyStopTimeoutMs: 60_000 };
const DIAL: TriggerBinding = { trigger: 'Dial.Number', socket: 'fog', on: 1, off: 0, emergencyStopTimeoutMs: 5_000 };

describe('bindingActions', () => {
  let ts: TestScheduler;
  beforeEach(() => (ts = createTestScheduler()));

  it('starts on the on value and stops on the off value of a bound trigger event', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const events = hot('-n-f', { n: event('Stage.Power', { value: 'On' }), f: event('Stage.Power', { value: 'Off' }) });
      expectObservable(
        events.pipe(
          bindingActions([STAGE]),
          map((a) => `${a.type} ${a.binding.socket}`),
        ),
      ).toBe('-a-b', { a: 'start stage', b: 'stop stage' });
      expectSubscriptions(events.subscriptions).toBe('^---');
    });
  });

  it('ignores statuses, other triggers and values that are neither on nor off', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const events = hot('-s-x-d-n', {
        s: event('Stage.Power', { kind: 'status', value: 'On' }),
        x: event('Door.Sensor', { value: 'On' }),
        d: event('Dial.Number', { value: 5, type: 'Discrete' }),
        n: event('Dial.Number', { value: 1, type: 'Discrete' }),
      });
      expectObservable(
        events.pipe(
          bindingActions([STAGE, DIAL]),
          map((a) => `${a.type} ${a.binding.socket}`),
        ),
      ).toBe('-------a', { a: 'start fog' });
      expectSubscriptions(events.subscriptions).toBe('^-------');
    });
  });

  it('lets one event drive every binding of its trigger, in config order, with the event attached', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const on = event('Stage.Power', { value: 'On', seq: 7 });
      const second = { ...STAGE, socket: 'lights' };
      const events = hot('-n', { n: on });
      expectObservable(events.pipe(bindingActions([STAGE, second]))).toBe('-(ab)', {
        a: { type: 'start', binding: STAGE, event: on },
        b: { type: 'start', binding: second, event: on },
      });
      expectSubscriptions(events.subscriptions).toBe('^-');
    });
  });
});
