import { expect } from 'chai';
import { call, SEED_INSTANCE_FIELDS, SEED_SERVER_FIELDS, startPowerHub, type PowerHub } from './powerTestKit';

describe('power routes (seed 004 API) on a simulated socket', () => {
  let ph: PowerHub;
  beforeEach(async () => {
    ph = await startPowerHub([
      { name: 'main', driver: 'simulated', load_watts: 115, voltage: 230 },
      { name: 'spare', driver: 'simulated' },
    ]);
  });
  afterEach(async () => ph.stop());

  const start = (body: unknown) => call(ph.hub, 'POST', '/api/instance', body);

  describe('POST /api/instance', () => {
    it('200: the first instance powers the socket on and carries every InstanceData field of the seed', async () => {
      const res = await start({ emergencyStopTimeout: 60_000, instanceId: 'first' });
      expect(res.status).to.equal(200);
      expect(res.body.triggeredPowerOn).to.equal(true);
      expect(res.body.instanceId).to.equal('first');
      expect(res.body.instance).to.include.all.keys(...SEED_INSTANCE_FIELDS);
      expect(res.body.instance).to.deep.include({
        id: res.body.instanceId,
        socket: 'main',
        emergencyStopTimeout: 60_000,
        stopTimestamp: null,
        powerOffTimestamp: null,
        isEmergencyStopped: false,
        isManuallyStopped: false,
        amperagePerSecond: [],
      });
      expect(res.body.instance.energy).to.deep.include({ powerW: 115, voltageV: 230, currentA: 0.5 });
      expect(res.body.instance.powerOnTimestamp).to.equal(res.body.instance.startTimestamp);
      expect(Date.parse(res.body.instance.emergencyStopDeadline) - Date.parse(res.body.instance.startTimestamp)).to.be.within(59_000, 60_000);
    });

    it('200: the next instance shares the powered socket (triggeredPowerOn false, same power-on time)', async () => {
      const first = await start({ emergencyStopTimeout: 60_000, instanceId: 'one' });
      const second = await start({ emergencyStopTimeout: 60_000, instanceId: 'two' });
      expect(second.status).to.equal(200);
      expect(second.body.triggeredPowerOn).to.equal(false);
      expect(second.body.instance.powerOnTimestamp).to.equal(first.body.instance.powerOnTimestamp);
      expect(ph.of('power_on')).to.have.length(1);
    });

    it("200: accepts the seed clients' query string, a chosen instance id and another socket", async () => {
      const res = await call(ph.hub, 'POST', '/api/instance?emergencyStopTimeout=5000&instanceId=mixer-1&socket=spare');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ instanceId: 'mixer-1', triggeredPowerOn: true });
      expect(res.body.instance).to.deep.include({ socket: 'spare', emergencyStopTimeout: 5000 });
    });

    it("422: the seed clients' query string without an instanceId starts nothing", async () => {
      const res = await call(ph.hub, 'POST', '/api/instance?emergencyStopTimeout=5000');
      expect(res.status).to.equal(422);
      expect(res.body.error).to.match(/^instanceId is required/);
      expect((await call(ph.hub, 'GET', '/api/download')).body.server.runningInstances).to.deep.equal([]);
    });

    it('409: an instance id that already exists is not created twice', async () => {
      await start({ emergencyStopTimeout: 60_000, instanceId: 'dup' });
      const res = await start({ emergencyStopTimeout: 60_000, instanceId: 'dup' });
      expect(res.status).to.equal(409);
      expect(res.body).to.deep.equal({ error: 'Instance with ID dup already exists', instanceId: 'dup' });
    });

    for (const [what, body, error] of [
      ['no emergencyStopTimeout', {}, /^emergencyStopTimeout is required/],
      // The seed: "422 Unprocessable Entity: The `instanceId` parameter was not provided".
      ['no instanceId', { emergencyStopTimeout: 10 }, /^instanceId is required/],
      ['an empty instanceId', { emergencyStopTimeout: 10, instanceId: '' }, /^instanceId is required/],
      ['a numeric instanceId', { emergencyStopTimeout: 10, instanceId: 7 }, /^instanceId must be/],
      ['a zero timeout', { emergencyStopTimeout: 0 }, /^emergencyStopTimeout must be a whole number of milliseconds from 1 to 86400000, got 0/],
      ['a fractional timeout', { emergencyStopTimeout: 1.5 }, /got 1.5/],
      ['a timeout beyond the bound', { emergencyStopTimeout: 86_400_001 }, /from 1 to 86400000/],
      ['a text timeout', { emergencyStopTimeout: 'soon' }, /got "soon"/],
      ['an unknown field', { emergencyStopTimeout: 10, colour: 'red' }, /^Unknown field\(s\): colour/],
      ['an instance id with a slash', { emergencyStopTimeout: 10, instanceId: 'a/b' }, /^instanceId must be/],
      ['an unknown socket', { emergencyStopTimeout: 10, socket: 'attic', instanceId: 'x' }, /^Unknown socket 'attic' \(known: main, spare\)/],
      ['a JSON array', [1], /^The body must be a JSON object/],
    ] as const) {
      it(`422: ${what}`, async () => {
        const res = await start(body);
        expect(res.status).to.equal(422);
        expect(res.body.error).to.match(error);
        expect(ph.of('power_on'), 'nothing was started').to.have.length(0);
      });
    }

    it('400: a body that is not JSON, and the hub keeps serving', async () => {
      const res = await call(ph.hub, 'POST', '/api/instance', '{"emergencyStopTimeout": ');
      expect(res.status).to.equal(400);
      expect(res.body).to.have.property('error');
      expect((await start({ emergencyStopTimeout: 1000, instanceId: 'after' })).status).to.equal(200);
    });
  });

  describe('GET /api/instance/:instanceId', () => {
    it("200 with the instance, by path or (as the seed's clients do) by query", async () => {
      const { body } = await start({ emergencyStopTimeout: 60_000, instanceId: 'look' });
      expect(await call(ph.hub, 'GET', '/api/instance/look')).to.deep.include({ status: 200, body: { instance: body.instance } });
      expect((await call(ph.hub, 'GET', '/api/instance?instanceId=look')).body).to.deep.equal({ instance: body.instance });
    });

    it('404 for an unknown instance, 422 without an id', async () => {
      expect(await call(ph.hub, 'GET', '/api/instance/nope')).to.deep.include({
        status: 404,
        body: { error: 'Instance with ID nope does not exist', instanceId: 'nope' },
      });
      expect(await call(ph.hub, 'GET', '/api/instance')).to.deep.include({ status: 422, body: { error: 'instanceId is required: /api/instance/:instanceId' } });
    });
  });

  describe('PUT /api/instance/:instanceId (stop)', () => {
    it('200: stopping one of two keeps the socket on; stopping the last powers it off', async () => {
      await start({ emergencyStopTimeout: 60_000, instanceId: 'a' });
      await start({ emergencyStopTimeout: 60_000, instanceId: 'b' });
      const first = await call(ph.hub, 'PUT', '/api/instance/a');
      expect(first.status).to.equal(200);
      expect(first.body).to.deep.include({ instanceId: 'a', triggeredPowerOff: false, isLastEmergencyStop: false });
      expect(first.body.instance).to.deep.include({ isManuallyStopped: true, isEmergencyStopped: false, powerOffTimestamp: null, stopReason: 'manual' });
      expect(first.body.instance.stopTimestamp).to.be.a('string');
      const last = await call(ph.hub, 'PUT', '/api/instance/b');
      expect(last.body).to.deep.include({ instanceId: 'b', triggeredPowerOff: true, isLastEmergencyStop: true });
      expect(last.body.instance.powerOffTimestamp).to.equal(last.body.instance.stopTimestamp);
      const server = (await call(ph.hub, 'GET', '/api/download')).body.server;
      expect(server).to.deep.include({ power: 'off', runningInstances: [] });
      expect(server.powerStatus).to.have.length(1);
      expect(server.powerStatus[0].powerOn.instanceId).to.equal('a');
      expect(server.powerStatus[0].powerOff).to.deep.include({ instanceId: 'b', reason: 'manual' });
    });

    it('409 for an instance already stopped (with it), 404 for an unknown one, 422 without an id', async () => {
      await start({ emergencyStopTimeout: 60_000, instanceId: 'a' });
      await call(ph.hub, 'PUT', '/api/instance/a');
      const again = await call(ph.hub, 'PUT', '/api/instance/a');
      expect(again.status).to.equal(409);
      expect(again.body).to.deep.include({ error: 'Instance with ID a is already stopped', instanceId: 'a' });
      expect(again.body.instance.id).to.equal('a');
      expect((await call(ph.hub, 'PUT', '/api/instance/zz')).status).to.equal(404);
      expect((await call(ph.hub, 'PUT', '/api/instance')).status).to.equal(422);
    });

    it("accepts the seed clients' query form", async () => {
      await start({ emergencyStopTimeout: 60_000, instanceId: 'q' });
      expect((await call(ph.hub, 'PUT', '/api/instance?instanceId=q')).body).to.deep.include({ instanceId: 'q', triggeredPowerOff: true });
    });
  });

  describe('DELETE /api/instance/:instanceId', () => {
    it('200: stops a running instance (powering off if last) and removes it', async () => {
      await start({ emergencyStopTimeout: 60_000, instanceId: 'gone' });
      const res = await call(ph.hub, 'DELETE', '/api/instance/gone');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ instanceId: 'gone', deleted: true, triggeredPowerOff: true });
      expect(res.body.instance).to.deep.include({ stopReason: 'deleted', isManuallyStopped: true });
      expect((await call(ph.hub, 'GET', '/api/instance/gone')).status).to.equal(404);
      expect((await call(ph.hub, 'GET', '/api/download')).body.server.power).to.equal('off');
    });

    it('200 for a stopped one; 404 for an unknown one; 422 without an id', async () => {
      await start({ emergencyStopTimeout: 60_000, instanceId: 's' });
      await call(ph.hub, 'PUT', '/api/instance/s');
      expect((await call(ph.hub, 'DELETE', '/api/instance/s')).body).to.deep.include({ deleted: true, triggeredPowerOff: false });
      expect((await call(ph.hub, 'DELETE', '/api/instance/s')).status).to.equal(404);
      expect((await call(ph.hub, 'DELETE', '/api/instance')).status).to.equal(422);
    });
  });

  describe('POST /api/emergency-stop/:instanceId', () => {
    it('200: cuts the socket and stops every instance on it, recorded as emergency stops, with an event', async () => {
      await start({ emergencyStopTimeout: 60_000, instanceId: 'a' });
      await start({ emergencyStopTimeout: 60_000, instanceId: 'b' });
      await start({ emergencyStopTimeout: 60_000, instanceId: 'other', socket: 'spare' });
      const res = await call(ph.hub, 'POST', '/api/emergency-stop/b');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ instanceId: 'b', stoppedInstances: ['a', 'b'], triggeredPowerOff: true });
      expect(res.body.instance).to.deep.include({ isEmergencyStopped: true, isManuallyStopped: false, stopReason: 'emergency' });
      expect((await call(ph.hub, 'GET', '/api/instance/a')).body.instance.isEmergencyStopped).to.equal(true);
      expect((await call(ph.hub, 'GET', '/api/instance/other')).body.instance.stopTimestamp).to.equal(null);
      expect(ph.of('emergency_stop').map((e) => [e.socket, e.instanceId, e.data])).to.deep.equal([
        ['main', 'b', { cause: 'request', stoppedInstances: ['a', 'b'] }],
      ]);
      const server = (await call(ph.hub, 'GET', '/api/download')).body.server;
      expect(server.latestEmergencyStop).to.deep.include({ instanceId: 'b', cause: 'request' });
    });

    it('200 again on a socket already off (pressing the button twice is safe); 404 unknown; 422 without an id', async () => {
      await start({ emergencyStopTimeout: 60_000, instanceId: 'a' });
      await call(ph.hub, 'POST', '/api/emergency-stop/a');
      expect((await call(ph.hub, 'POST', '/api/emergency-stop/a')).body).to.deep.include({ stoppedInstances: [], triggeredPowerOff: false });
      expect((await call(ph.hub, 'POST', '/api/emergency-stop/zz')).status).to.equal(404);
      expect((await call(ph.hub, 'POST', '/api/emergency-stop')).status).to.equal(422);
    });
  });

  describe('GET /api/wait', () => {
    it('200 once the duration has passed', async () => {
      const res = await call(ph.hub, 'GET', '/api/wait?duration=0.05');
      expect(res).to.deep.include({ status: 200, body: { waiting: false, duration: 0.05 } });
    });

    for (const q of ['', '?duration=', '?duration=-1', '?duration=abc', '?duration=3601']) {
      it(`422 for ${q || 'no duration'}`, async () => {
        const res = await call(ph.hub, 'GET', `/api/wait${q}`);
        expect(res.status).to.equal(422);
        expect(res.body.error).to.match(/^duration (is required|must be a number of seconds from 0 to 3600)/);
      });
    }
  });

  describe('GET /api/download', () => {
    it("200: server (the default socket's serverData with the seed's fields), every socket, every instance, as a file", async () => {
      await start({ emergencyStopTimeout: 60_000, instanceId: 'a' });
      await start({ emergencyStopTimeout: 60_000, instanceId: 'b', socket: 'spare' });
      const res = await call(ph.hub, 'GET', '/api/download');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-disposition')).to.match(/^attachment; filename="haven-power-.+\.json"$/);
      expect(res.body.server).to.include.all.keys(...SEED_SERVER_FIELDS);
      expect(res.body.server).to.deep.include({ socket: 'main', runningInstances: ['a'], instancesStopping: [], latestEmergencyStopTimeoutInstanceId: null });
      expect(res.body.sockets.spare.runningInstances).to.deep.equal(['b']);
      expect(Object.keys(res.body.instances)).to.deep.equal(['a', 'b']);
    });
  });
});
