import { expect } from 'chai';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { REJECT_CODES } from '../../../streams/sources/modbusHandshake';
import { wireModbusSource } from '../../../src/runtime/components';
import type { ModbusSource } from '../../../src/sources/modbus/modbusSource';
import { startHub, type TestHub } from '../../helpers/hub';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import { requirePeers } from '../../helpers/peers';
import { mbRead, mbReadUntil, mbWrite, pymodbus } from './modbusClients';

type Overrides = Parameters<typeof startHub>[0];

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// The default map, derived from config/trigger_config.json in catalog order from address 1.
const BUTTON = 1; // RedTelephone.Button_1, On/Off
const STAGE_MODE = 4; // Stage.Mode, Discrete ["idle", "intro", "finale"]
const FLAME = 6; // Flame.Intensity, Continuous 0..100
const FOG = 7; // Fog.Burst, OneShot
const RESET = 0;
const READY = 0;

/** Input registers 0..6 as numbers: last seq, accepted, rejected (32-bit, high word first), last reason. */
async function statusBlock(port: number): Promise<{ lastSeq: number; accepted: number; rejected: number; reason: number }> {
  const w = await mbRead(port, 3, 0, 7);
  return { lastSeq: w[0] * 65536 + w[1], accepted: w[2] * 65536 + w[3], rejected: w[4] * 65536 + w[5], reason: w[6] };
}

describe('Modbus TCP source with a real PLC client (mbpoll, pymodbus)', () => {
  requirePeers('mbpoll', 'python3-pymodbus');
  let hub: TestHub | undefined;
  let closers: Array<() => Promise<void>> = [];

  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
    await Promise.all(closers.map((close) => close()));
    closers = [];
  });

  async function start(overrides: Overrides = {}): Promise<{ modbus: ModbusSource; port: number }> {
    hub = await startHub(overrides, { components: (config, deps) => [wireModbusSource(config, deps)] });
    const modbus = hub.component<ModbusSource>('MODBUS');
    return { modbus, port: modbus.address()!.port };
  }

  it('derives its map from the trigger catalog', async () => {
    const { modbus } = await start();
    expect(modbus.map()!.bindings.map((b) => [b.def.name, b.coil, b.ackInput, b.register])).to.deep.equal([
      ['RedTelephone.Button_1', 1, 1, 1],
      ['RedTelephone.Handset', 2, 2, 2],
      ['Dial.Number', 3, 3, 3],
      ['Stage.Mode', 4, 4, 4],
      ['Stage.Power', 5, 5, 5],
      ['Flame.Intensity', 6, 6, 6],
      ['Fog.Burst', 7, 7, 7],
      ['Door.Sensor', 8, 8, 8],
    ]);
  });

  it('runs the PLC handshake: value register, rising coil, acknowledge input, status registers, event at a TCP service', async () => {
    const { port } = await start();
    const service: LineServer = await startLineServer();
    closers.push(() => service.close());
    const reg = await fetch(`${hub!.url}/api/register`, json({ name: 'Flame', port: service.port, host: '127.0.0.1', fields: ['seq', 'source'] }));
    expect(reg.status).to.equal(200);

    expect(await mbRead(port, 1, READY)).to.deep.equal([1]);
    expect(await mbRead(port, 1, FLAME)).to.deep.equal([0]);
    await mbWrite(port, 4, FLAME, 42);
    await mbWrite(port, 0, FLAME, 1);
    expect(await mbReadUntil(port, 1, FLAME, 1, ([ack]) => ack === 1)).to.deep.equal([1]);
    expect(await statusBlock(port)).to.deep.equal({ lastSeq: 1, accepted: 1, rejected: 0, reason: 0 });

    const [line] = await service.waitForLines(1);
    expect(JSON.parse(line)).to.include({ name: 'Flame.Intensity', value: 42, id: null, seq: 1, source: 'MODBUS' });
    expect(await mbRead(port, 0, FLAME)).to.deep.equal([1]);
    expect(await mbRead(port, 4, FLAME)).to.deep.equal([42]);
  });

  it('reports on the rising edge only: holding the coil at 1 reports nothing more; 0 then 1 reports again and flips the acknowledge back', async () => {
    const { port } = await start();
    await mbWrite(port, 4, BUTTON, 1);
    await mbWrite(port, 0, BUTTON, 1);
    await mbReadUntil(port, 1, BUTTON, 1, ([ack]) => ack === 1);
    await mbWrite(port, 0, BUTTON, 1);
    await mbWrite(port, 0, FOG, 1); // a later trigger, so the status block shows the second BUTTON write was not reported
    await mbReadUntil(port, 3, 0, 7, (w) => w[3] === 2);
    expect(await statusBlock(port)).to.include({ lastSeq: 2, accepted: 2 });
    expect(((await (await fetch(`${hub!.url}/api/trigger-status`)).json()) as any).triggers['RedTelephone.Button_1']).to.include({ value: 'On' });

    await mbWrite(port, 0, BUTTON, 0);
    await mbWrite(port, 4, BUTTON, 0);
    await mbWrite(port, 0, BUTTON, 1);
    expect(await mbReadUntil(port, 1, BUTTON, 1, ([ack]) => ack === 0)).to.deep.equal([0]);
    expect(await statusBlock(port)).to.include({ lastSeq: 3, accepted: 3 });
    expect(((await (await fetch(`${hub!.url}/api/trigger-status`)).json()) as any).triggers['RedTelephone.Button_1']).to.include({ value: 'Off' });
  });

  it('counts a rejection with its reason code and leaves the acknowledge alone', async () => {
    const { port } = await start();
    await mbWrite(port, 4, STAGE_MODE, 9); // Stage.Mode has three values: index 9 is invalid
    await mbWrite(port, 0, STAGE_MODE, 1);
    await mbReadUntil(port, 3, 0, 7, (w) => w[5] === 1);
    expect(await statusBlock(port)).to.deep.equal({ lastSeq: 0, accepted: 0, rejected: 1, reason: REJECT_CODES.invalid_value });
    expect(await mbRead(port, 1, STAGE_MODE)).to.deep.equal([0]);

    await mbWrite(port, 0, STAGE_MODE, 0);
    await mbWrite(port, 4, STAGE_MODE, 1); // "intro"
    await mbWrite(port, 0, STAGE_MODE, 1);
    await mbReadUntil(port, 1, STAGE_MODE, 1, ([ack]) => ack === 1);
    expect(((await (await fetch(`${hub!.url}/api/trigger-status`)).json()) as any).triggers['Stage.Mode']).to.include({ value: 'intro' });
  });

  it('CMD_RESET clears counters, acknowledges and trigger coils, and reads back 0', async () => {
    const { port } = await start();
    await mbWrite(port, 0, FOG, 1);
    await mbReadUntil(port, 1, FOG, 1, ([ack]) => ack === 1);
    await mbWrite(port, 0, RESET, 1);
    expect(await mbRead(port, 0, RESET)).to.deep.equal([0]);
    expect(await statusBlock(port)).to.deep.equal({ lastSeq: 0, accepted: 0, rejected: 0, reason: 0 });
    expect(await mbRead(port, 1, FOG)).to.deep.equal([0]);
    expect(await mbRead(port, 0, FOG)).to.deep.equal([0]);
    // The coil was cleared, so the next write of 1 is a rising edge again.
    await mbWrite(port, 0, FOG, 1);
    await mbReadUntil(port, 1, FOG, 1, ([ack]) => ack === 1);
    expect(await statusBlock(port)).to.include({ lastSeq: 2, accepted: 1 });
  });

  it('answers unmapped addresses with exception 2 (ILLEGAL DATA ADDRESS), never a hang, and serves on', async () => {
    const { port } = await start();
    const results = await pymodbus(port, [
      'c.read_coils(999, 1, slave=1)',
      'c.read_coils(0, 20, slave=1)',
      'c.write_coil(999, True, slave=1)',
      'c.read_discrete_inputs(9, 1, slave=1)',
      'c.read_holding_registers(0, 1, slave=1)',
      'c.write_register(500, 1, slave=1)',
      'c.write_registers(8, [1, 2], slave=1)',
      'c.read_input_registers(7, 1, slave=1)',
      'c.read_input_registers(0, 7, slave=1)',
      'c.read_holding_registers(1, 8, slave=1)',
    ]);
    expect(results).to.deep.equal([
      { exception: 2 },
      { exception: 2 },
      { exception: 2 },
      { exception: 2 },
      { exception: 2 },
      { exception: 2 },
      { exception: 2 },
      { exception: 2 },
      { registers: [0, 0, 0, 0, 0, 0, 0] },
      { registers: [0, 0, 0, 0, 0, 0, 0, 0] },
    ]);
    // mbpoll, as a person would run it, names the exception too.
    const err = await mbRead(port, 0, 999).catch((e: Error) => e.message);
    expect(err).to.match(/Illegal data address/i);
  });

  it('writes a block of registers all or nothing', async () => {
    const { port } = await start();
    const results = await pymodbus(port, [
      'c.write_registers(7, [5, 6, 7], slave=1)',
      'c.read_holding_registers(7, 2, slave=1)',
      'c.write_registers(7, [5, 6], slave=1)',
      'c.read_holding_registers(7, 2, slave=1)',
    ]);
    expect(results).to.deep.equal([{ exception: 2 }, { registers: [0, 0] }, {}, { registers: [5, 6] }]);
  });

  it('hands the PLC’s remote address to the gateway, whose whitelist decides', async () => {
    const { port } = await start({ trigger: { gating: { whitelist: { MODBUS: ['127.0.0.1/32'] } } } });
    await mbWrite(port, 0, FOG, 1);
    await mbReadUntil(port, 1, FOG, 1, ([ack]) => ack === 1);
    expect(await statusBlock(port)).to.include({ accepted: 1, rejected: 0 });
  });

  describe('health and lifecycle', () => {
    it('shows listening in /readyz; a re-entrant stop closes the port', async () => {
      const { modbus, port } = await start();
      const ready = (await (await fetch(`${hub!.url}/readyz`)).json()) as any;
      expect(ready.components.find((c: { name: string }) => c.name === 'MODBUS')).to.deep.equal({
        name: 'MODBUS',
        state: 'ok',
        detail: `listening on 127.0.0.1:${port}, 0 connection(s), 8 trigger(s) mapped`,
      });
      const [a, b] = [modbus.stop(), modbus.stop()];
      expect(a).to.equal(b);
      await a;
      expect(modbus.health()).to.deep.equal({ name: 'MODBUS', state: 'stopped' });
      const err = await mbRead(port, 1, READY).catch((e: Error) => e.message);
      expect(err).to.match(/mbpoll read failed/);
    });

    it('fails visibly when its port is taken, while the HTTP API keeps serving', async () => {
      const squatter: Server = createServer();
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise((resolve) => squatter.close(() => resolve())));
      const port = (squatter.address() as AddressInfo).port;
      hub = await startHub({ comm: { modbus: { host: '127.0.0.1', port } } } as Overrides, { components: (config, deps) => [wireModbusSource(config, deps)] });
      const res = await fetch(`${hub.url}/readyz`);
      expect(res.status).to.equal(503);
      const entry = ((await res.json()) as any).components.find((c: { name: string }) => c.name === 'MODBUS');
      expect(entry.state).to.equal('failed');
      expect(entry.detail).to.match(new RegExp(`^cannot listen on 127.0.0.1:${port}: .*EADDRINUSE`));
      expect((await fetch(`${hub.url}/api/trigger-event`, json({ name: 'Fog.Burst' }))).status).to.equal(200);
    });

    it('refuses to start on a map that does not fit the catalog, naming every problem', async () => {
      const failed = await startHub({ sources: { modbus: { triggers: [{ name: 'No.Such' }, { name: 'Fog.Burst', coil: 0 }] } } } as Overrides, {
        components: (config, deps) => [wireModbusSource(config, deps)],
      }).then(
        () => null,
        (err: Error) => err.message,
      );
      expect(failed).to.equal(
        "(haven config): /sources/modbus is not a usable address map: sources.modbus.triggers[0]: trigger 'No.Such' is not in the trigger catalog; sources.modbus.triggers[1]: coil 0 is already the CMD_RESET coil",
      );
    });
  });
});
