import { expect } from 'chai';
import { startFakeShelly, type FakeDevice } from './fakeDevices';
import { call, startPowerHub, type PowerHub } from './powerTestKit';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('power: concurrent HTTP starts and stops on one socket', () => {
  let device: FakeDevice;
  let ph: PowerHub;
  beforeEach(async () => {
    device = await startFakeShelly({ latencyMs: 5 });
    ph = await startPowerHub([{ name: 'plug', driver: 'shelly', address: device.url, sampling_interval_ms: 60_000 }]);
  });
  afterEach(async () => {
    await ph.stop();
    await device.close();
  });

  const switches = (on: boolean) => device.requests.filter((r) => r === `/rpc/Switch.Set?id=0&on=${on}`).length;
  const server = async () => (await call(ph.hub, 'GET', '/api/download')).body.server;

  it('20 concurrent starts switch the relay on once; 20 concurrent stops switch it off once, after the last', async () => {
    const starts = await Promise.all(range(20).map((i) => call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: `c${i}` })));
    expect(starts.map((r) => r.status)).to.deep.equal(range(20).map(() => 200));
    expect(starts.filter((r) => r.body.triggeredPowerOn)).to.have.length(1);
    expect(switches(true)).to.equal(1);
    expect(device.output).to.equal(true);
    expect((await server()).runningInstances).to.have.length(20);

    const stops = await Promise.all(range(20).map((i) => call(ph.hub, 'PUT', `/api/instance/c${i}`)));
    expect(stops.map((r) => r.status)).to.deep.equal(range(20).map(() => 200));
    const last = stops.filter((r) => r.body.triggeredPowerOff);
    expect(last).to.have.length(1);
    // The one that switched off stopped after every other one.
    const stoppedAt = stops.map((r) => Date.parse(r.body.instance.stopTimestamp));
    expect(Date.parse(last[0].body.instance.stopTimestamp)).to.equal(Math.max(...stoppedAt));
    expect(switches(false)).to.equal(1);
    expect(device.output).to.equal(false);
    expect(await server()).to.deep.include({ power: 'off', runningInstances: [] });
  });

  it('waves of starts racing stops leave the relay on exactly while instances hold it, every switch accounted for', async () => {
    let running: string[] = [];
    for (const wave of range(5)) {
      const fresh = range(8, wave * 8).map((i) => `w${i}`);
      const answers = await Promise.all([
        ...running.map((id) => call(ph.hub, 'PUT', `/api/instance/${id}`)),
        ...fresh.map((id) => call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: id })),
        // A duplicate start and a duplicate stop in the same wave are refused, not applied twice.
        call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: fresh[0] }),
        ...(running[0] ? [call(ph.hub, 'PUT', `/api/instance/${running[0]}`)] : []),
      ]);
      expect(answers.filter((a) => a.status === 409)).to.have.length(running.length ? 2 : 1);
      expect(answers.filter((a) => a.status !== 200 && a.status !== 409)).to.deep.equal([]);
      running = fresh;
      const s = await server();
      expect([...s.runningInstances].sort()).to.deep.equal([...fresh].sort());
      expect(device.output).to.equal(true);
    }
    await Promise.all(running.map((id) => call(ph.hub, 'PUT', `/api/instance/${id}`)));
    expect(device.output).to.equal(false);

    // Every switch the device saw was answered to exactly one client as triggeredPowerOn / triggeredPowerOff.
    const cycles = (await server()).powerStatus as Array<{ powerOn: unknown; powerOff: unknown }>;
    expect(cycles.every((c) => c.powerOn && c.powerOff)).to.equal(true);
    expect(switches(true)).to.equal(cycles.length);
    expect(switches(false)).to.equal(cycles.length);
    const events = ph.events.map((e) => e.type).filter((t) => t === 'power_on' || t === 'power_off');
    // Strictly alternating: never two power-ons without a power-off between them.
    expect(events.every((t, i) => t === (i % 2 === 0 ? 'power_on' : 'power_off'))).to.equal(true);
  });
});
