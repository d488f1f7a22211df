import { expect } from 'chai';
import { startFakeShelly, startFakeTasmota, type FakeDevice } from './fakeDevices';
import type { SocketConfig } from '../../../src/power/powerConfig';
import { createVirtualTime, type VirtualTime } from '../../helpers/virtualTime';
import { answerAtTimeout, call, startPowerHub, waitFor, type PowerHub } from './powerTestKit';

// The sockets' timers (sampling_interval_ms, timeout_ms) run on virtual time: a test moves the clock
// past the setting it waits on and awaits only the HTTP exchanges with the local device servers.
let time: VirtualTime;
const onVirtualTime = (sockets: Array<Partial<SocketConfig> & Pick<SocketConfig, 'name' | 'driver'>>) => {
  time = createVirtualTime();
  return startPowerHub(sockets, {}, undefined, { scheduler: time.scheduler });
};

/** Moves the clock on `stepMs` at a time, letting the device I/O of each step run, until `done`. */
async function advanceUntil(stepMs: number, done: () => boolean, what: string, maxSteps = 1000): Promise<void> {
  for (let i = 0; i < maxSteps && !done(); i++) {
    time.advance(stepMs);
    // Not a timing wait: a few turns of the event loop for the HTTP exchange the step started.
    for (let turn = 0; turn < 20 && !done(); turn++) await new Promise((r) => setImmediate(r));
  }
  if (!done()) throw new Error(`${what}: not after ${maxSteps} steps of ${stepMs} ms of virtual time`);
}

describe('power sockets on real drivers against local device servers', () => {
  let device: FakeDevice | undefined;
  let ph: PowerHub | undefined;
  afterEach(async () => {
    await ph?.stop();
    await device?.close();
    ph = undefined;
    device = undefined;
  });

  for (const kind of ['shelly', 'tasmota'] as const) {
    describe(kind, () => {
      const fake = () => (kind === 'shelly' ? startFakeShelly({ energy: 1500 }) : startFakeTasmota({ energy: 1.5 }));

      it('powers the device on for the first instance, reads its energy (Wh), samples it, powers it off after the last', async () => {
        device = await fake();
        ph = await onVirtualTime([{ name: 'plug', driver: kind, address: device.url, sampling_interval_ms: 20 }]);
        const started = await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'i1' });
        expect(started.status).to.equal(200);
        expect(device.output).to.equal(true);
        expect(started.body.instance.energy.totalWh).to.equal(1500);
        await advanceUntil(20, () => ph!.of('sample').length >= 2, 'two samples');
        const sample = ph.of('sample')[0];
        expect(sample.data).to.deep.include({ instances: ['i1'], currentA: kind === 'shelly' ? 0.501 : 0.195 });
        expect((await call(ph.hub, 'GET', '/api/instance/i1')).body.instance.amperagePerSecond.length).to.be.at.least(2);
        const stopped = await call(ph.hub, 'PUT', '/api/instance/i1');
        expect(stopped.body.triggeredPowerOff).to.equal(true);
        expect(device.output).to.equal(false);
        expect(ph.events.map((e) => e.type).filter((t) => t !== 'sample')).to.deep.equal(['power_on', 'instance_started', 'instance_stopped', 'power_off']);
      });

      it('a device that stops answering: 500, the socket faults and says so on the bus, nothing is started; it recovers once the device answers', async () => {
        device = await fake();
        ph = await onVirtualTime([{ name: 'plug', driver: kind, address: device.url, timeout_ms: 150, sampling_interval_ms: 60_000 }]);
        await waitFor(async () => (await call(ph!.hub, 'GET', '/api/download')).body.server.status !== 'starting', 'the first reconcile');
        const faultsBefore = ph.of('fault').length;
        device.mode = 'silent';
        const res = await answerAtTimeout(device, time, 150, () => call(ph!.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'i1' }));
        expect(res.status).to.equal(500);
        expect(res.body).to.deep.equal({ error: 'Could not switch the socket on: no answer within 150 ms', instanceId: 'i1' });
        expect(
          ph
            .of('fault')
            .slice(faultsBefore)
            .map((e) => e.data),
        ).to.deep.equal([{ operation: 'switch on', error: 'no answer within 150 ms' }]);
        expect((await call(ph.hub, 'GET', '/api/instance/i1')).status).to.equal(404);
        const ready = await call(ph.hub, 'GET', '/readyz');
        const power = ready.body.components.find((c: { name: string }) => c.name === 'power');
        expect(power).to.deep.include({ state: 'degraded' });
        expect(power.parts[0].detail).to.equal('switch on: no answer within 150 ms');
        device.mode = 'normal';
        const again = await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'i1' });
        expect(again.status).to.equal(200);
        expect((await call(ph.hub, 'GET', '/api/download')).body.server).to.deep.include({ status: 'on', fault: null });
      });

      it('an error answer from the device is a 500 with its message, never a silent success', async () => {
        device = await fake();
        // A channel the device does not have: Shelly answers -105, Tasmota {"Command":"Unknown"}.
        ph = await startPowerHub([{ name: 'plug', driver: kind, address: device.url, channel: 3 }]);
        const res = await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'i1' });
        expect(res.status).to.equal(500);
        expect(res.body.error).to.equal(
          kind === 'shelly'
            ? "Could not switch the socket on: Shelly error -105: Argument 'id', value 3 not found! (HTTP 500)"
            : 'Could not switch the socket on: the device does not know the command (Command: Unknown)',
        );
        expect(device.output).to.equal(false);
      });
    });
  }

  it('a stop the device does not confirm is a 500 and the instance keeps running (the socket may still be on)', async () => {
    device = await startFakeShelly();
    ph = await onVirtualTime([{ name: 'plug', driver: 'shelly', address: device.url, timeout_ms: 150, sampling_interval_ms: 60_000 }]);
    await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'i1' });
    device.mode = 'silent';
    const res = await answerAtTimeout(device, time, 150, () => call(ph!.hub, 'PUT', '/api/instance/i1'));
    expect(res.status).to.equal(500);
    expect(res.body.error).to.equal('Could not switch the socket off: no answer within 150 ms; instance i1 keeps running');
    expect((await call(ph.hub, 'GET', '/api/instance/i1')).body.instance.stopTimestamp).to.equal(null);
    device.mode = 'normal';
    expect((await call(ph.hub, 'PUT', '/api/instance/i1')).body.triggeredPowerOff).to.equal(true);
    expect(device.output).to.equal(false);
  });

  it('an emergency stop the device does not confirm is a 500; the instances keep running until it does', async () => {
    device = await startFakeShelly();
    ph = await onVirtualTime([{ name: 'plug', driver: 'shelly', address: device.url, timeout_ms: 150, sampling_interval_ms: 60_000 }]);
    await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'i1' });
    device.mode = 'silent';
    const res = await answerAtTimeout(device, time, 150, () => call(ph!.hub, 'POST', '/api/emergency-stop/i1'));
    expect(res).to.deep.include({ status: 500, body: { error: 'Emergency stop could not switch the socket off: no answer within 150 ms', instanceId: 'i1' } });
    expect((await call(ph.hub, 'GET', '/api/download')).body.server).to.deep.include({ runningInstances: ['i1'], status: 'faulted' });
    device.mode = 'normal';
    expect((await call(ph.hub, 'POST', '/api/emergency-stop/i1')).body).to.deep.include({ stoppedInstances: ['i1'], triggeredPowerOff: true });
    expect(device.output).to.equal(false);
  });

  it('a plug switched off by hand while an instance runs: the monitor stops the instance (device_off) and faults the socket', async () => {
    device = await startFakeShelly();
    ph = await onVirtualTime([{ name: 'plug', driver: 'shelly', address: device.url, sampling_interval_ms: 20 }]);
    await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'i1' });
    device.output = false;
    await advanceUntil(20, () => ph!.of('instance_stopped').length === 1, 'the instance to be stopped');
    expect(ph.of('instance_stopped')[0].data).to.deep.equal({ reason: 'device_off', triggeredPowerOff: false });
    expect(ph.of('fault')[0].data).to.deep.equal({ operation: 'monitor', error: 'The socket is off but 1 instance(s) were running: i1' });
    expect((await call(ph.hub, 'GET', '/api/instance/i1')).body.instance).to.deep.include({
      stopReason: 'device_off',
      isEmergencyStopped: false,
      isManuallyStopped: false,
    });
  });

  it('an unreachable socket is polled until it answers, its fault said once on the bus, not at every poll', async () => {
    device = await startFakeShelly();
    ph = await onVirtualTime([{ name: 'plug', driver: 'shelly', address: device.url, timeout_ms: 300, sampling_interval_ms: 10 }]);
    await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'i1' });
    const faultsBefore = ph.of('fault').length;
    device.mode = 'silent';
    const polled = device.requests.length;
    await advanceUntil(10, () => device!.requests.length >= polled + 4, 'four unanswered polls');
    expect(
      ph
        .of('fault')
        .slice(faultsBefore)
        .map((e) => e.data),
    ).to.deep.equal([{ operation: 'read', error: 'no answer within 300 ms' }]);
    device.mode = 'normal';
    const samplesBefore = ph.of('sample').length;
    await advanceUntil(10, () => ph!.of('sample').length > samplesBefore, 'the socket to answer again');
    expect((await call(ph.hub, 'GET', '/api/download')).body.server.status).to.equal('on');
    expect((await call(ph.hub, 'GET', '/api/instance/i1')).body.instance.stopTimestamp).to.equal(null);
  });

  it('a plug found on at start with nobody holding it is switched off', async () => {
    device = await startFakeShelly({ output: true });
    ph = await startPowerHub([{ name: 'plug', driver: 'shelly', address: device.url }]);
    await waitFor(() => ph!.of('power_off').length === 1, 'the power off');
    expect(device.output).to.equal(false);
    expect(ph.of('power_off')[0].data).to.deep.equal({ reason: 'reconcile' });
  });
});
