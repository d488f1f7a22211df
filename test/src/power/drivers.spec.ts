import { expect } from 'chai';
import { createShellyDriver } from '../../../src/power/drivers/shellyDriver';
import { createSimulatedDriver, type SimulatedPlugState } from '../../../src/power/drivers/simulatedDriver';
import { createTasmotaDriver } from '../../../src/power/drivers/tasmotaDriver';
import { baseUrlOf } from '../../../src/power/drivers/createDriver';
import type { Collection } from '../../../src/storage/store';
import { createVirtualTime, type VirtualTime } from '../../helpers/virtualTime';
import { startFakeShelly, startFakeTasmota, type FakeDevice } from './fakeDevices';
import { answerAtTimeout } from './powerTestKit';

describe('power drivers', () => {
  let device: FakeDevice | undefined;
  afterEach(async () => {
    await device?.close();
    device = undefined;
  });

  describe('Shelly Gen2', () => {
    const shelly = (d: FakeDevice, channel = 0, timeoutMs = 1000, time?: VirtualTime) =>
      createShellyDriver({ baseUrl: d.url, channel, timeoutMs, scheduler: time?.scheduler });

    it('switches with Switch.Set and confirms from the answer', async () => {
      device = await startFakeShelly();
      expect(await shelly(device).switchPower(true)).to.deep.equal({ ok: true, value: undefined });
      expect(device.output).to.equal(true);
      expect(await shelly(device).switchPower(false)).to.deep.equal({ ok: true, value: undefined });
      expect(device.output).to.equal(false);
      expect(device.requests).to.deep.equal(['/rpc/Switch.Set?id=0&on=true', '/rpc/Switch.Set?id=0&on=false']);
    });

    it('reads Switch.GetStatus into a reading: apower W, voltage V, current A, aenergy.total Wh, temperature', async () => {
      device = await startFakeShelly({ output: true, energy: 1234.5 });
      expect(await shelly(device).read()).to.deep.equal({
        ok: true,
        value: { output: true, powerW: 115.2, voltageV: 229.8, currentA: 0.501, energyWh: 1234.5, temperatureC: 41.2 },
      });
      expect(device.requests).to.deep.equal(['/rpc/Switch.GetStatus?id=0']);
    });

    it('turns a JSON-RPC error answer into an error with its code and message', async () => {
      device = await startFakeShelly();
      expect(await shelly(device, 3).switchPower(true)).to.deep.equal({ ok: false, error: "Shelly error -105: Argument 'id', value 3 not found! (HTTP 500)" });
      expect(await shelly(device, 3).read()).to.deep.include({ ok: false });
    });

    it('fails, never succeeds, on a device that stops answering: the request is aborted at the timeout', async () => {
      device = await startFakeShelly({ mode: 'silent' });
      const time = createVirtualTime();
      expect(await answerAtTimeout(device, time, 150, () => shelly(device!, 0, 150, time).switchPower(true))).to.deep.equal({
        ok: false,
        error: 'no answer within 150 ms',
      });
      expect(await answerAtTimeout(device, time, 150, () => shelly(device!, 0, 150, time).read())).to.deep.equal({
        ok: false,
        error: 'no answer within 150 ms',
      });
    });

    it('fails on an answer that is not the Shelly API (a captive portal, another device)', async () => {
      device = await startFakeShelly({ mode: 'garbage' });
      const res = await shelly(device).read();
      expect(res.ok).to.equal(false);
      expect((res as { error: string }).error).to.match(/^the device answered HTTP 200 with a body that is not JSON/);
    });

    it('fails on a device that cannot be reached', async () => {
      const gone = await startFakeShelly();
      await gone.close();
      const res = await shelly(gone).switchPower(true);
      expect(res).to.deep.equal({ ok: false, error: 'cannot reach the device: ECONNREFUSED' });
    });
  });

  describe('Tasmota', () => {
    const tasmota = (d: FakeDevice, extra: { channel?: number; password?: string; timeoutMs?: number; time?: VirtualTime } = {}) =>
      createTasmotaDriver({
        baseUrl: d.url,
        channel: extra.channel ?? 0,
        timeoutMs: extra.timeoutMs ?? 1000,
        password: extra.password,
        scheduler: extra.time?.scheduler,
      });

    it('switches with Power On / Power Off and checks the POWER answer', async () => {
      device = await startFakeTasmota();
      expect(await tasmota(device).switchPower(true)).to.deep.equal({ ok: true, value: undefined });
      expect(device.output).to.equal(true);
      expect(await tasmota(device).switchPower(false)).to.deep.equal({ ok: true, value: undefined });
      expect(device.requests).to.deep.equal(['/cm?cmnd=Power%20On', '/cm?cmnd=Power%20Off']);
    });

    it('reads Status 8 (Total kWh → Wh) and the relay state', async () => {
      device = await startFakeTasmota({ output: true, energy: 1.2345 });
      expect(await tasmota(device).read()).to.deep.equal({
        ok: true,
        value: { output: true, powerW: 45, voltageV: 231, currentA: 0.195, energyWh: 1234.5, temperatureC: null },
      });
      expect(device.requests).to.deep.equal(['/cm?cmnd=Status%208', '/cm?cmnd=Power']);
    });

    it('turns {"Command":"Unknown"} (a relay the device does not have) into an error', async () => {
      device = await startFakeTasmota();
      expect(await tasmota(device, { channel: 3 }).switchPower(true)).to.deep.equal({
        ok: false,
        error: 'the device does not know the command (Command: Unknown)',
      });
      expect(device.requests).to.deep.equal(['/cm?cmnd=Power3%20On']);
    });

    it('sends the web password, and reports a refused one without ever showing it', async () => {
      device = await startFakeTasmota({ password: 's3cret' });
      expect(await tasmota(device, { password: 's3cret' }).switchPower(true)).to.deep.equal({ ok: true, value: undefined });
      const refused = await tasmota(device, { password: 'wrong-pass' }).switchPower(true);
      expect(refused).to.deep.equal({ ok: false, error: 'the device refused the credentials: Need user=<username>&password=<password>' });
      expect(JSON.stringify(refused)).not.to.contain('wrong-pass');
    });

    it('fails, never succeeds, on a device that stops answering', async () => {
      device = await startFakeTasmota({ mode: 'silent' });
      const time = createVirtualTime();
      expect(await answerAtTimeout(device, time, 150, () => tasmota(device!, { timeoutMs: 150, time }).switchPower(false))).to.deep.equal({
        ok: false,
        error: 'no answer within 150 ms',
      });
    });
  });

  describe('simulated', () => {
    it('draws its load while on, integrates energy over the injected clock, nothing while off', async () => {
      let now = 0;
      const plug = createSimulatedDriver({ name: 's', loadWatts: 230, voltage: 230, clock: () => now });
      await plug.switchPower(true);
      now = 3_600_000; // one hour at 230 W
      expect(await plug.read()).to.deep.equal({
        ok: true,
        value: { output: true, powerW: 230, voltageV: 230, currentA: 1, energyWh: 230, temperatureC: null },
      });
      await plug.switchPower(false);
      now = 7_200_000;
      expect(await plug.read()).to.deep.equal({ ok: true, value: { output: false, powerW: 0, voltageV: 230, currentA: 0, energyWh: 230, temperatureC: null } });
    });

    it('keeps its relay and meter across restarts, like a real plug', async () => {
      const docs = new Map<string, SimulatedPlugState>();
      const state = { get: (id: string) => docs.get(id), put: (id: string, v: SimulatedPlugState) => void docs.set(id, v) } as Collection<SimulatedPlugState>;
      await createSimulatedDriver({ name: 's', loadWatts: 10, voltage: 230, clock: () => 0, state }).switchPower(true);
      const again = await createSimulatedDriver({ name: 's', loadWatts: 10, voltage: 230, clock: () => 0, state }).read();
      expect(again).to.deep.include({ ok: true });
      expect((again as { value: { output: boolean } }).value.output).to.equal(true);
    });
  });

  it('accepts a bare host as a device address', () => {
    expect(baseUrlOf('192.168.1.50')).to.equal('http://192.168.1.50');
    expect(baseUrlOf('http://plug.local/')).to.equal('http://plug.local');
  });
});
