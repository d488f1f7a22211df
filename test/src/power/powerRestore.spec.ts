import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import type { PowerEvent } from '../../../src/bus/bus';
import { validateHavenConfig } from '../../../src/config/loadConfig';
import { createLogger } from '../../../src/log';
import { createPowerService, type PowerService } from '../../../src/power/powerService';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import type { Store } from '../../../src/storage/store';

/** Lets the drivers' promises settle between steps of virtual time. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('power service across a restart, in virtual time', () => {
  const config = validateHavenConfig({ power: { sockets: [{ name: 'main', driver: 'simulated', sampling_interval_ms: 1000 }] } }).power;
  const T0 = Date.parse('2026-01-01T00:00:00.000Z');
  let store: Store;
  let wall: number;
  let events: PowerEvent[];
  let services: PowerService[];

  /** A service "process": its own virtual monotonic clock starting at 0, the shared store and wall clock. */
  function boot() {
    const scheduler = new VirtualTimeScheduler();
    const service = createPowerService({
      config,
      store,
      publish: (e) => events.push(e),
      scheduler,
      utcNow: () => new Date(wall).toISOString(),
      log: createLogger('test', 'silent'),
    });
    services.push(service);
    service.start();
    /** Moves this process's clock to `ms` and lets the device calls finish. */
    const advanceTo = async (ms: number) => {
      scheduler.maxFrames = ms;
      scheduler.flush();
      await settle();
    };
    return { service, scheduler, advanceTo };
  }

  beforeEach(() => {
    store = createSqliteStore(':memory:');
    wall = T0;
    events = [];
    services = [];
  });
  afterEach(async () => {
    for (const s of services) await s.stop();
    store.close();
  });

  it('a running instance keeps its wall-clock emergency deadline after a restart', async () => {
    const first = boot();
    await first.advanceTo(0);
    const started = await first.service.startInstance({ emergencyStopTimeout: 60_000, instanceId: 'r1' });
    expect(started.ok).to.equal(true);
    await first.service.stop();

    wall = T0 + 20_000; // the hub was down for 20 s
    const second = boot();
    await second.advanceTo(0);
    expect(second.service.serverData('main')).to.deep.include({ power: 'on', runningInstances: ['r1'] });
    await second.advanceTo(39_999);
    expect(second.service.getInstance('r1')).to.deep.nested.include({ 'value.stopTimestamp': null });
    await second.advanceTo(40_000);
    expect(second.service.getInstance('r1')).to.deep.nested.include({ 'value.isEmergencyStopped': true, 'value.stopReason': 'emergency' });
    expect(events.filter((e) => e.type === 'emergency_stop').map((e) => e.data)).to.deep.equal([{ cause: 'timeout', stoppedInstances: ['r1'] }]);
    expect(second.service.serverData('main')).to.deep.include({ power: 'off', latestEmergencyStopTimeoutInstanceId: 'r1' });
  });

  it('an instance whose deadline passed while the hub was down is emergency-stopped at once, before anything else', async () => {
    const first = boot();
    await first.advanceTo(0);
    await first.service.startInstance({ emergencyStopTimeout: 5_000, instanceId: 'late' });
    await first.service.stop();

    wall = T0 + 60_000;
    events = [];
    const second = boot();
    await second.advanceTo(0);
    expect(second.service.getInstance('late')).to.deep.nested.include({ 'value.isEmergencyStopped': true });
    expect(events.map((e) => e.type)).to.deep.equal(['emergency_stop', 'instance_stopped', 'power_off']);
    expect(second.service.serverData('main')).to.deep.include({ power: 'off', runningInstances: [], status: 'off' });
  });

  it('samples the amperage of every running instance at the socket interval', async () => {
    const { service, advanceTo } = boot();
    await advanceTo(0);
    await service.startInstance({ emergencyStopTimeout: 60_000, instanceId: 'a' });
    await service.startInstance({ emergencyStopTimeout: 60_000, instanceId: 'b' });
    for (const t of [1000, 2000, 3000]) await advanceTo(t);
    const amps = (id: string) => (service.getInstance(id) as { value: { amperagePerSecond: number[] } }).value.amperagePerSecond;
    expect(amps('a')).to.deep.equal([0.261, 0.261, 0.261]);
    expect(amps('b')).to.deep.equal([0.261, 0.261, 0.261]);
    await service.stopInstance('a');
    await advanceTo(4000);
    expect(amps('a')).to.have.length(3);
    expect(amps('b')).to.have.length(4);
  });
});
