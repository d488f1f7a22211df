import { expect } from 'chai';
import { filter, map, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { SocketCommand, SocketDevice, SocketStep } from '../../../streams/power/powerContracts';
import { socketLoop } from '../../../streams/power/socketLoop';
import { OFF_LEDGER } from '../../../streams/power/socketLedger';
import { createTestScheduler } from '../../helpers/marbles';
import { brief, scriptedDevice, start, stop } from './powerFixtures';

describe('socketLoop', () => {
  let ts: TestScheduler;
  beforeEach(() => (ts = createTestScheduler()));

  const loop = (external$: Observable<SocketCommand>, device: SocketDevice, samplingIntervalMs = 1000) =>
    socketLoop(external$, { initial: OFF_LEDGER, device, deviceTimeoutMs: 50, samplingIntervalMs, emergencyRetryMs: 1000 }, ts).pipe(
      filter((s) => s.type === 'done'),
      map((s: SocketStep) => brief(s)),
    );

  it('emergency-stops an instance at its deadline through its own mailbox', () => {
    ts.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const external = hot<SocketCommand>('-a', { a: start('A', 5) });
      expectObservable(loop(external, scriptedDevice(ts, cold, {})), '^---------!').toBe('---a--e', { a: 'started A +on', e: 'emergency A [A] +off' });
      expectSubscriptions(external.subscriptions).toBe('^---------!');
    });
  });

  it('race: a stop switching off when the deadline fires wins; the deadline finds nothing, one switch off', () => {
    ts.run(({ hot, cold, expectObservable, flush }) => {
      const device = scriptedDevice(ts, cold, { off: ['---(o|)'] });
      const external = hot<SocketCommand>('-a--s', { a: start('A', 5), s: stop('A') });
      expectObservable(loop(external, device), '^---------!').toBe('---a---(se)', { a: 'started A +on', s: 'stopped A +off', e: 'not_running' });
      flush();
      expect(device.calls).to.deep.equal(['1 on', '2 read', '4 off']);
    });
  });

  it('samples at the interval while an instance holds the socket', () => {
    ts.run(({ hot, cold, expectObservable }) => {
      const external = hot<SocketCommand>('-a', { a: start('A', 100) });
      expectObservable(loop(external, scriptedDevice(ts, cold, {}), 2), '^------!').toBe('---a--s', { a: 'started A +on', s: 'sampled 0.5A' });
    });
  });

  it('drops sampling ticks while a sample is still waiting on a slow device', () => {
    ts.run(({ hot, cold, expectSubscriptions, flush }) => {
      const device = scriptedDevice(ts, cold, { read: ['-(r|)', '-----(r|)'] });
      const external = hot<SocketCommand>('-a', { a: start('A', 100) });
      const sub = loop(external, device, 2).subscribe();
      ts.schedule(() => sub.unsubscribe(), 17);
      flush();
      expect(device.calls).to.deep.equal(['1 on', '2 read', '5 read', '11 read']);
      // The slow sample at 5 is waited out to its answer at 10 (ticks at 7 and 9 dropped), never cut short.
      expectSubscriptions(device.answers.map((a) => a.subscriptions).flat()).toBe(['-^!', '--^!', '-----^----!', '-----------^----!']);
      expectSubscriptions(external.subscriptions).toBe('^----------------!');
    });
  });

  it('ends when the mailbox ends, after the command in flight', () => {
    ts.run(({ hot, cold, expectObservable, expectSubscriptions, flush }) => {
      const external = hot<SocketCommand>('-a|', { a: start('A', 5) });
      const device = scriptedDevice(ts, cold, {});
      expectObservable(loop(external, device)).toBe('---(a|)', { a: 'started A +on' });
      expectSubscriptions(external.subscriptions).toBe('^-!');
      flush();
      // The switch-on and energy read in flight when the mailbox ended are answered, then the loop ends.
      expectSubscriptions(device.answers.map((a) => a.subscriptions).flat()).toBe(['-^!', '--^!']);
    });
  });
});
