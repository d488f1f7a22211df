import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTANCES, type InstanceData } from '../../../src/power/instanceData';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import { createVirtualTime } from '../../helpers/virtualTime';
import { call, startPowerHub, waitFor, type PowerHub } from './powerTestKit';

describe('power: emergency deadlines, restarts and trigger bindings in a running hub', () => {
  let ph: PowerHub | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await ph?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    ph = undefined;
    dataDir = undefined;
  });

  it('an instance nobody stops is emergency-stopped at its deadline, recorded as such, with an event', async () => {
    // The deadline runs on virtual time: none before it, the stop once the clock reaches it.
    const time = createVirtualTime();
    ph = await startPowerHub([{ name: 'main', driver: 'simulated' }], {}, undefined, { scheduler: time.scheduler });
    await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'kept' });
    await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 100, instanceId: 'forgotten' });
    time.advance(99);
    expect((await call(ph.hub, 'GET', '/api/download')).body.server.runningInstances, 'stopped before its deadline').to.deep.equal(['kept', 'forgotten']);
    time.advance(1);
    await waitFor(() => ph!.of('emergency_stop').length === 1, 'the emergency stop');
    expect(ph.of('emergency_stop')[0]).to.deep.include({
      socket: 'main',
      instanceId: 'forgotten',
      organization: 'default',
      data: { cause: 'timeout', stoppedInstances: ['kept', 'forgotten'] },
    });
    const instance = (await call(ph.hub, 'GET', '/api/instance/forgotten')).body.instance;
    expect(instance).to.deep.include({ isEmergencyStopped: true, isManuallyStopped: false, stopReason: 'emergency' });
    expect(instance.powerOffTimestamp).to.equal(instance.stopTimestamp);
    expect((await call(ph.hub, 'GET', '/api/download')).body.server).to.deep.include({
      power: 'off',
      runningInstances: [],
      latestEmergencyStopTimeoutInstanceId: 'forgotten',
    });
  });

  it('a restart keeps running instances and their deadline; one already past is stopped at once', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'haven-power-'));
    ph = await startPowerHub([{ name: 'main', driver: 'simulated' }], {}, dataDir);
    const kept = (await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 3_600_000, instanceId: 'kept' })).body.instance;
    await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 3_600_000, instanceId: 'overdue' });
    await ph.stop({ keepData: true });
    ph = undefined;

    // While the hub is down, the overdue instance's deadline passes.
    const store = createSqliteStore(dataDir);
    const instances = store.collection<InstanceData>(INSTANCES);
    instances.put('overdue', { ...instances.get('overdue')!, emergencyStopDeadline: new Date(Date.now() - 1000).toISOString() });
    store.close();

    ph = await startPowerHub([{ name: 'main', driver: 'simulated' }], {}, dataDir);
    await waitFor(() => ph!.of('emergency_stop').length === 1, 'the overdue emergency stop');
    expect(ph.of('emergency_stop')[0].data).to.deep.equal({ cause: 'timeout', stoppedInstances: ['kept', 'overdue'] });
    // The emergency stop cuts the socket for every instance on it, 'kept' included; its deadline was kept until then.
    const after = (await call(ph.hub, 'GET', '/api/instance/kept')).body.instance;
    expect(after.emergencyStopDeadline).to.equal(kept.emergencyStopDeadline);
    expect((await call(ph.hub, 'GET', '/api/download')).body.server).to.deep.include({ power: 'off', latestEmergencyStopTimeoutInstanceId: 'overdue' });
  });

  it('a restart finds a running instance still running on a socket still on', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'haven-power-'));
    ph = await startPowerHub([{ name: 'main', driver: 'simulated' }], {}, dataDir);
    const before = (await call(ph.hub, 'POST', '/api/instance', { emergencyStopTimeout: 3_600_000, instanceId: 'r' })).body.instance;
    await ph.stop({ keepData: true });
    ph = await startPowerHub([{ name: 'main', driver: 'simulated' }], {}, dataDir);
    await waitFor(async () => (await call(ph!.hub, 'GET', '/api/download')).body.server.status === 'on', 'the socket to be found on');
    // Same record, same deadline; the reconcile's reading counts as a sample.
    const { amperagePerSecond, ...after } = (await call(ph.hub, 'GET', '/api/instance/r')).body.instance;
    const { amperagePerSecond: _none, ...expected } = before;
    expect(after).to.deep.equal(expected);
    expect(amperagePerSecond).to.deep.equal([0.261]);
    expect((await call(ph.hub, 'PUT', '/api/instance/r')).body.triggeredPowerOff).to.equal(true);
  });

  it('a bound trigger starts an instance on its On event and stops it on Off; statuses and repeats do not', async () => {
    ph = await startPowerHub(
      [
        { name: 'main', driver: 'simulated' },
        { name: 'stage', driver: 'simulated' },
      ],
      {
        bindings: [{ trigger: 'Stage.Power', socket: 'stage', emergency_stop_timeout_ms: 600_000 }],
      },
    );
    const trigger = (path: string, value: string, id: number) => call(ph!.hub, 'POST', `/api/trigger-${path}`, { name: 'Stage.Power', value, id });
    expect((await trigger('status', 'On', 1)).status).to.equal(200);
    expect((await trigger('event', 'On', 2)).status).to.equal(200);
    await waitFor(() => ph!.of('instance_started').length === 1, 'the bound instance to start');
    const started = ph.of('instance_started')[0];
    expect(started).to.deep.include({ socket: 'stage' });
    const instance = (await call(ph.hub, 'GET', `/api/instance/${started.instanceId}`)).body.instance;
    expect(instance).to.deep.include({ socket: 'stage', emergencyStopTimeout: 600_000, origin: { kind: 'trigger', trigger: 'Stage.Power', seq: 2 } });
    expect((await trigger('event', 'On', 3)).status).to.equal(200);
    expect((await trigger('event', 'Off', 4)).status).to.equal(200);
    await waitFor(() => ph!.of('instance_stopped').length === 1, 'the bound instance to stop');
    expect(ph.of('instance_started')).to.have.length(1);
    expect(ph.of('instance_stopped')[0]).to.deep.include({ instanceId: started.instanceId, data: { reason: 'trigger', triggeredPowerOff: true } });
    expect((await call(ph.hub, 'GET', '/api/download')).body.sockets.stage).to.deep.include({ power: 'off', runningInstances: [] });
  });

  it('a binding to a trigger that does not exist stops the hub from starting, naming the field', async () => {
    let error: unknown;
    dataDir = mkdtempSync(join(tmpdir(), 'haven-power-'));
    try {
      ph = await startPowerHub([{ name: 'main', driver: 'simulated' }], { bindings: [{ trigger: 'Stage.Nope', emergency_stop_timeout_ms: 1000 }] }, dataDir);
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.contain("/power/bindings/0/trigger names unknown trigger 'Stage.Nope'");
  });

  it('a binding whose emergency stop is past power.max_emergency_stop_timeout_ms stops the start too, as an instance over HTTP is refused', async () => {
    let error: unknown;
    dataDir = mkdtempSync(join(tmpdir(), 'haven-power-'));
    try {
      ph = await startPowerHub(
        [{ name: 'main', driver: 'simulated' }],
        { max_emergency_stop_timeout_ms: 60_000, bindings: [{ trigger: 'Stage.Power', emergency_stop_timeout_ms: 60_001 }] },
        dataDir,
      );
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.contain('/power/bindings/0/emergency_stop_timeout_ms is over power.max_emergency_stop_timeout_ms (60001 > 60000)');
  });
});
