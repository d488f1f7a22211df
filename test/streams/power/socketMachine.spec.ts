import { expect } from 'chai';
import { filter, from, map, merge, mergeMap, share, timer, type Observable } from 'rxjs';
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import type { SocketCommand, SocketDevice, SocketLedger, SocketStep } from '../../../streams/power/powerContracts';
import { socketMachine } from '../../../streams/power/socketMachine';
import { OFF_LEDGER, restoredLedger } from '../../../streams/power/socketLedger';
import { createTestScheduler } from '../../helpers/marbles';
import { brief, emergency, ON, scriptedDevice, start, stop } from './powerFixtures';

type Done = Extract<SocketStep, { type: 'done' }>;
/** A hot test observable, as the run helpers' `hot` makes it: one that logs its subscriptions. */
type HotObservable<T> = Observable<T> & Pick<ReturnType<RunHelpers['hot']>, 'subscriptions'>;

describe('socketMachine', () => {
  let ts: TestScheduler;
  beforeEach(() => (ts = createTestScheduler()));

  /**
   * The machine over a hot mailbox of commands, shared, so a test can both collect the steps and draw them
   * without running the device twice. Every test also asserts that the machine subscribes to its mailbox once,
   * at once, and holds it whatever the device does: a failure, a throw or a timeout never ends the mailbox.
   */
  const run = (commands$: HotObservable<SocketCommand>, device: SocketDevice, initial: SocketLedger = OFF_LEDGER, deviceTimeoutMs = 50) => {
    ts.expectSubscriptions(commands$.subscriptions).toBe('^');
    return commands$.pipe(socketMachine({ initial, device, deviceTimeoutMs }, ts), share());
  };
  const done = (steps$: Observable<SocketStep>) => steps$.pipe(filter((s): s is Done => s.type === 'done'));
  /** Every done step, collected for assertions on effects and ledgers after `flush()`. */
  const collect = (steps$: Observable<SocketStep>): Done[] => {
    const out: Done[] = [];
    done(steps$).subscribe((s) => out.push(s));
    return out;
  };

  describe('reference counting', () => {
    it('powers on for the first instance and off after the last one', () => {
      ts.run(({ hot, cold, expectObservable, flush }) => {
        const device = scriptedDevice(ts, cold, {});
        const commands = hot<SocketCommand>('-a----b----c----d', { a: start('A'), b: start('B'), c: stop('A'), d: stop('B') });
        expectObservable(done(run(commands, device)).pipe(map(brief))).toBe('---a---b---c-----d', {
          a: 'started A +on',
          b: 'started B',
          c: 'stopped A',
          d: 'stopped B +off',
        });
        flush();
        expect(device.calls).to.deep.equal(['1 on', '2 read', '6 read', '16 off']);
      });
    });

    it('reads the energy at every start and keeps the running instances in start order', () => {
      ts.run(({ hot, cold, flush }) => {
        const steps = collect(run(hot<SocketCommand>('-a-b', { a: start('A', 100), b: start('B', 200) }), scriptedDevice(ts, cold, {})));
        flush();
        expect(steps[0].effects).to.deep.equal([
          { type: 'power_on', instanceId: 'A' },
          { type: 'instance_started', instanceId: 'A', triggeredPowerOn: true, reading: ON },
        ]);
        expect(steps[1].effects).to.deep.equal([{ type: 'instance_started', instanceId: 'B', triggeredPowerOn: false, reading: ON }]);
        expect(steps[1].ledger).to.deep.equal({
          power: 'on',
          running: [
            { instanceId: 'A', deadlineAt: 100 },
            { instanceId: 'B', deadlineAt: 200 },
          ],
          fault: null,
        });
      });
    });

    it('serializes concurrent starts: one switch on, the second start waits for the first', () => {
      ts.run(({ hot, cold, expectObservable, expectSubscriptions, flush }) => {
        const device = scriptedDevice(ts, cold, { on: ['---(o|)'] });
        const commands = hot<SocketCommand>('-(ab)', { a: start('A'), b: start('B') });
        expectObservable(done(run(commands, device)).pipe(map(brief))).toBe('-----ab', { a: 'started A +on', b: 'started B' });
        flush();
        expect(device.calls).to.deep.equal(['1 on', '4 read', '5 read']);
        // One device call at a time: each answer is left before the next call is made.
        expectSubscriptions(device.answers.map((a) => a.subscriptions).flat()).toBe(['-^--!', '----^!', '-----^!']);
      });
    });

    it('a start arriving while the last stop switches off powers on again afterwards', () => {
      ts.run(({ hot, cold, expectObservable, expectSubscriptions, flush }) => {
        const device = scriptedDevice(ts, cold, { off: ['---(o|)'] });
        const commands = hot<SocketCommand>('-a---(cb)', { a: start('A'), c: stop('A'), b: start('B') });
        expectObservable(done(run(commands, device)).pipe(map(brief))).toBe('---a----c-b', { a: 'started A +on', c: 'stopped A +off', b: 'started B +on' });
        flush();
        expect(device.calls).to.deep.equal(['1 on', '2 read', '5 off', '8 on', '9 read']);
        expectSubscriptions(device.answers.map((a) => a.subscriptions).flat()).toBe(['-^!', '--^!', '-----^--!', '--------^!', '---------^!']);
      });
    });

    it('refuses a second start of a running instance and a stop of an instance not running', () => {
      ts.run(({ hot, cold, expectObservable }) => {
        const commands = hot<SocketCommand>('-a---b-c', { a: start('A'), b: start('A'), c: stop('Z') });
        expectObservable(done(run(commands, scriptedDevice(ts, cold, {}))).pipe(map(brief))).toBe('---a-b-c', {
          a: 'started A +on',
          b: 'conflict',
          c: 'not_running',
        });
      });
    });
  });

  describe('emergency stop', () => {
    it('switches off and stops every instance of the socket, recorded as an emergency', () => {
      ts.run(({ hot, cold, expectObservable, flush }) => {
        const steps$ = run(hot<SocketCommand>('-a---b---e', { a: start('A'), b: start('B'), e: emergency('A') }), scriptedDevice(ts, cold, {}));
        const steps = collect(steps$);
        expectObservable(done(steps$).pipe(map(brief))).toBe('---a--b---e', { a: 'started A +on', b: 'started B', e: 'emergency A [A,B] +off' });
        flush();
        expect(steps[2].effects).to.deep.equal([
          { type: 'emergency_stop', instanceId: 'A', cause: 'request', stoppedInstances: ['A', 'B'] },
          { type: 'instance_stopped', instanceId: 'A', reason: 'emergency', triggeredPowerOff: true },
          { type: 'instance_stopped', instanceId: 'B', reason: 'emergency', triggeredPowerOff: true },
          { type: 'power_off', instanceId: 'A', reason: 'emergency' },
        ]);
        expect(steps[2].ledger).to.deep.equal(OFF_LEDGER);
      });
    });

    it('race: a stop in flight wins over the deadline that fires during it; one switch off, no emergency', () => {
      ts.run(({ hot, cold, expectObservable, flush }) => {
        const device = scriptedDevice(ts, cold, { off: ['---(o|)'] });
        const steps$ = run(hot<SocketCommand>('-a---s-e', { a: start('A'), s: stop('A'), e: emergency('A', 'timeout') }), device);
        const steps = collect(steps$);
        expectObservable(done(steps$).pipe(map(brief))).toBe('---a----(se)', { a: 'started A +on', s: 'stopped A +off', e: 'not_running' });
        flush();
        expect(device.calls).to.deep.equal(['1 on', '2 read', '5 off']);
        expect(steps[2].effects).to.deep.equal([]);
      });
    });

    it('race: an emergency stop in flight wins over a stop that arrives during it; the stop finds nothing to stop', () => {
      ts.run(({ hot, cold, expectObservable, flush }) => {
        const device = scriptedDevice(ts, cold, { off: ['---(o|)'] });
        const commands = hot<SocketCommand>('-a---e-s', { a: start('A'), e: emergency('A', 'timeout'), s: stop('A') });
        expectObservable(done(run(commands, device)).pipe(map(brief))).toBe('---a----(es)', {
          a: 'started A +on',
          e: 'emergency A [A] +off',
          s: 'not_running',
        });
        flush();
        expect(device.calls).to.deep.equal(['1 on', '2 read', '5 off']);
      });
    });

    it('an emergency stop the device does not confirm keeps the instances and faults the socket, so it can be retried', () => {
      ts.run(({ hot, cold, expectObservable, flush }) => {
        const device = scriptedDevice(ts, cold, { off: ['-(x|)', '-(o|)'] });
        const steps$ = run(hot<SocketCommand>('-a---e---e', { a: start('A'), e: emergency('A', 'timeout') }), device);
        const steps = collect(steps$);
        expectObservable(done(steps$).pipe(map(brief))).toBe('---a--d---e', { a: 'started A +on', d: 'device', e: 'emergency A [A] +off' });
        flush();
        expect(steps[1].ledger).to.deep.equal({ power: 'unknown', running: [{ instanceId: 'A', deadlineAt: 1000 }], fault: 'emergency stop: HTTP 500' });
        expect(brief(steps[2])).to.equal('emergency A [A] +off');
        expect(steps[2].effects[0]).to.deep.equal({ type: 'recovered' });
      });
    });

    it('a requested emergency stop of a socket already off switches nothing but is still recorded', () => {
      ts.run(({ hot, cold, expectObservable, flush }) => {
        const device = scriptedDevice(ts, cold, {});
        const steps$ = run(hot<SocketCommand>('-e', { e: emergency('A') }), device);
        const steps = collect(steps$);
        expectObservable(done(steps$).pipe(map(brief))).toBe('-e', { e: 'emergency A []' });
        flush();
        expect(device.calls).to.deep.equal([]);
        expect(steps[0].effects).to.deep.equal([{ type: 'emergency_stop', instanceId: 'A', cause: 'request', stoppedInstances: [] }]);
      });
    });
  });
  describe('a burst', () => {
    it('answers 2,000 stops queued behind a slow start, each as deep in the stack as the first, and serves the next command', () => {
      const depths: number[] = [];
      const replies: string[] = [];
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = Infinity;
      try {
        ts.run(({ cold, hot }) => {
          // The start switches on for 10 frames; the stops of an instance not running are answered without a device call.
          const device = scriptedDevice(ts, cold, { on: ['----------(o|)'] });
          const stops$ = timer(2, ts).pipe(mergeMap(() => from(Array.from({ length: 2000 }, () => stop('X')))));
          const commands$ = merge(hot<SocketCommand>('-a-------------------b', { a: start('A'), b: stop('A') }), stops$);
          done(commands$.pipe(socketMachine({ initial: OFF_LEDGER, device, deviceTimeoutMs: 50 }, ts))).subscribe((step) => {
            replies.push(brief(step));
            if (replies.length === 10 || replies.length > 1990) depths.push((new Error().stack ?? '').split('\n').length);
          });
        });
      } finally {
        Error.stackTraceLimit = limit;
      }
      expect(replies).to.have.length(2002);
      expect(replies[0]).to.equal('started A +on');
      expect(replies.slice(1, 2001).every((r) => r === 'not_running')).to.equal(true);
      expect(replies[2001]).to.equal('stopped A +off');
      expect(Math.max(...depths) - depths[0]).to.be.at.most(20);
    });
  });

  describe('device failures', () => {
    it('a device that never answers times out: the start fails, the socket faults, the next command is served', () => {
      ts.run(({ hot, cold, expectObservable, expectSubscriptions, flush }) => {
        const device = scriptedDevice(ts, cold, { on: ['-', '-(o|)'] });
        const steps$ = run(hot<SocketCommand>('-a-------b', { a: start('A'), b: start('B') }), device, OFF_LEDGER, 5);
        const steps = collect(steps$);
        expectObservable(done(steps$).pipe(map(brief))).toBe('------d----b', { d: 'device', b: 'started B +on' });
        flush();
        // The silent switch-on is left at the timeout, not held on to; B's switch-on and energy read answer at once.
        expectSubscriptions(device.answers.map((a) => a.subscriptions).flat()).toBe(['-^----!', '---------^!', '----------^!']);
        expect(steps[0].reply).to.deep.equal({ ok: false, code: 'device', message: 'Could not switch the socket on: no answer within 5 ms' });
        expect(steps[0].ledger).to.deep.equal({ power: 'unknown', running: [], fault: 'switch on: no answer within 5 ms' });
        expect(steps[0].effects).to.deep.equal([{ type: 'fault', operation: 'switch on', error: 'no answer within 5 ms' }]);
        expect(steps[1].effects[0]).to.deep.equal({ type: 'recovered' });
      });
    });

    it('a device that throws or completes without answering is a failure, never a success', () => {
      ts.run(({ hot, cold, expectObservable }) => {
        const device: SocketDevice = {
          switchPower: () => {
            throw new Error('socket hang up');
          },
          read: () => cold('-|'),
        };
        const initial: SocketLedger = { power: 'on', running: [{ instanceId: 'A', deadlineAt: 9 }], fault: null };
        const steps$ = run(hot<SocketCommand>('-a-b', { a: stop('A'), b: { type: 'sample' } }), device, initial);
        expectObservable(done(steps$).pipe(map((s) => (s.reply.ok ? 'ok' : s.reply.message)))).toBe('-a--b', {
          a: 'Could not switch the socket off: socket hang up; instance A keeps running',
          b: 'Could not read the socket: no answer',
        });
      });
    });

    it('a stop that cannot switch off keeps the last instance running, so the relay is never on with nobody holding it', () => {
      ts.run(({ hot, cold, flush }) => {
        const device = scriptedDevice(ts, cold, { off: ['-(x|)'] });
        const steps = collect(run(hot<SocketCommand>('-a---s', { a: start('A'), s: stop('A') }), device));
        flush();
        expect(brief(steps[1])).to.equal('device');
        expect(steps[1].ledger.running.map((r) => r.instanceId)).to.deep.equal(['A']);
        expect(steps[1].ledger.power).to.equal('unknown');
      });
    });

    it('switched on but the energy cannot be read: the start fails and the relay goes back off', () => {
      ts.run(({ hot, cold, flush }) => {
        const device = scriptedDevice(ts, cold, { read: ['-(x|)'] });
        const steps = collect(run(hot<SocketCommand>('-a', { a: start('A') }), device));
        flush();
        expect(device.calls).to.deep.equal(['1 on', '2 read', '3 off']);
        expect(steps[0].reply).to.deep.equal({ ok: false, code: 'device', message: "Could not read the socket's power consumption: HTTP 500" });
        expect(steps[0].ledger).to.deep.equal({ power: 'off', running: [], fault: 'read: HTTP 500' });
      });
    });

    it('switched on but the device reports its relay off: 409 "turned off unexpectedly", nothing runs', () => {
      ts.run(({ hot, cold, flush }) => {
        const device = scriptedDevice(ts, cold, { read: ['-(f|)'] });
        const steps = collect(run(hot<SocketCommand>('-a', { a: start('A') }), device));
        flush();
        expect(steps[0].reply).to.deep.equal({ ok: false, code: 'conflict', message: 'The socket turned off unexpectedly' });
        expect(steps[0].ledger).to.deep.include({ power: 'off', running: [] });
      });
    });
  });

  describe('monitoring and reconciling', () => {
    const running = (...ids: string[]): SocketLedger => ({ power: 'on', running: ids.map((instanceId) => ({ instanceId, deadlineAt: 50 })), fault: null });

    it('samples a socket that is on into every running instance, and skips one that is off', () => {
      ts.run(({ hot, cold, expectObservable, flush }) => {
        const steps$ = run(hot<SocketCommand>('-a', { a: { type: 'sample' } }), scriptedDevice(ts, cold, {}), running('A', 'B'));
        const steps = collect(steps$);
        expectObservable(done(steps$).pipe(map(brief))).toBe('--a', { a: 'sampled 0.5A' });
        const idle$ = run(hot<SocketCommand>('-a', { a: { type: 'sample' } }), scriptedDevice(ts, cold, {}));
        expectObservable(done(idle$).pipe(map(brief))).toBe('-a', { a: 'skipped' });
        flush();
        expect(steps[0].effects).to.deep.equal([{ type: 'sample', reading: ON, instanceIds: ['A', 'B'] }]);
      });
    });

    it('a socket found off while instances run stops them all and faults', () => {
      ts.run(({ hot, cold, flush }) => {
        const steps = collect(run(hot<SocketCommand>('-a', { a: { type: 'sample' } }), scriptedDevice(ts, cold, { read: ['-(f|)'] }), running('A', 'B')));
        flush();
        expect(steps[0].effects).to.deep.equal([
          { type: 'fault', operation: 'monitor', error: 'The socket is off but 2 instance(s) were running: A, B' },
          { type: 'instance_stopped', instanceId: 'A', reason: 'device_off', triggeredPowerOff: false },
          { type: 'instance_stopped', instanceId: 'B', reason: 'device_off', triggeredPowerOff: false },
          { type: 'power_off', instanceId: null, reason: 'device_off' },
        ]);
        expect(steps[0].ledger).to.deep.equal({ power: 'off', running: [], fault: 'The socket is off but 2 instance(s) were running: A, B' });
      });
    });

    it('reconciling after a restart switches off a socket that is on with nobody holding it', () => {
      ts.run(({ hot, cold, flush }) => {
        const device = scriptedDevice(ts, cold, {});
        const steps = collect(run(hot<SocketCommand>('-a', { a: { type: 'reconcile' } }), device, restoredLedger([])));
        flush();
        expect(device.calls).to.deep.equal(['1 read', '2 off']);
        expect(steps[0].effects).to.deep.equal([{ type: 'power_off', instanceId: null, reason: 'reconcile' }]);
        expect(steps[0].ledger).to.deep.equal(OFF_LEDGER);
      });
    });

    it('reconciling after a restart keeps instances whose socket is still on', () => {
      ts.run(({ hot, cold, flush }) => {
        const restored = restoredLedger([{ instanceId: 'A', deadlineAt: 70 }]);
        const device = scriptedDevice(ts, cold, {});
        const steps = collect(run(hot<SocketCommand>('-a', { a: { type: 'reconcile' } }), device, restored));
        flush();
        expect(device.calls).to.deep.equal(['1 read']);
        expect(steps[0].ledger).to.deep.equal({ power: 'on', running: [{ instanceId: 'A', deadlineAt: 70 }], fault: null });
      });
    });

    it('a failed sample faults the socket without touching the instances', () => {
      ts.run(({ hot, cold, flush }) => {
        const steps = collect(run(hot<SocketCommand>('-a', { a: { type: 'sample' } }), scriptedDevice(ts, cold, { read: ['-(x|)'] }), running('A')));
        flush();
        expect(steps[0].ledger).to.deep.equal({ ...running('A'), fault: 'read: HTTP 500' });
        expect(steps[0].effects).to.deep.equal([{ type: 'fault', operation: 'read', error: 'HTTP 500' }]);
      });
    });
  });
});
