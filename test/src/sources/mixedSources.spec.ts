import { expect } from 'chai';
import type { ModbusSource } from '../../../src/sources/modbus/modbusSource';
import type { TcpSource } from '../../../src/sources/tcp/tcpSource';
import { REJECT_CODES } from '../../../streams/sources/modbusHandshake';
import { startHub, type TestHub } from '../../helpers/hub';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import { requirePeers } from '../../helpers/peers';
import { connectLineClient, type LineClient } from './lineClient';
import { mbRead, pymodbus } from './modbusClients';

const FOG = 7; // Fog.Burst (OneShot) in the default Modbus map

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function post(hub: TestHub, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(hub.url + path, json(body));
  return { status: res.status, body: await res.json() };
}

/** Input registers 0..6: last seq, accepted, rejected (32-bit, high word first), last reject reason. */
async function statusBlock(port: number) {
  const w = await mbRead(port, 3, 0, 7);
  return { lastSeq: w[0] * 65536 + w[1], accepted: w[2] * 65536 + w[3], rejected: w[4] * 65536 + w[5], reason: w[6] };
}

/** One PLC press of Fog.Burst: coil up then down, so the next press is a rising edge again. */
const PRESS = ['c.write_coil(7, True, slave=1)', 'c.write_coil(7, False, slave=1)'];

describe('all four sources at once, through the one gate (default components)', () => {
  requirePeers('mbpoll', 'python3-pymodbus');
  let hub: TestHub | undefined;
  let clients: LineClient[] = [];
  let service: LineServer | undefined;

  afterEach(async () => {
    clients.forEach((c) => c.destroy());
    clients = [];
    await hub?.stop();
    hub = undefined;
    await service?.close();
    service = undefined;
  });

  async function start(overrides: Parameters<typeof startHub>[0] = {}) {
    hub = await startHub(overrides);
    const tcp = await connectLineClient(hub.component<TcpSource>('TCP').address()!.port);
    clients.push(tcp);
    return { tcp, modbusPort: hub.component<ModbusSource>('MODBUS').address()!.port };
  }

  it('gives HTTP, TCP, Modbus and WEB inputs one strictly increasing sequence, without gaps, as a service sees it', async () => {
    const { tcp, modbusPort } = await start();
    service = await startLineServer();
    expect((await post(hub!, '/api/register', { name: 'Watcher', port: service.port, host: '127.0.0.1', fields: ['seq', 'source'] })).status).to.equal(200);
    const counts = { TCP: 200, HTTP: 40, WEB: 40, MODBUS: 15 };
    const total = counts.TCP + counts.HTTP + counts.WEB + counts.MODBUS;

    tcp.write('Fog.Burst\n'.repeat(counts.TCP));
    const [tcpReplies, http, web, plc] = await Promise.all([
      tcp.waitForReplies(counts.TCP, 15_000),
      Promise.all(Array.from({ length: counts.HTTP }, () => post(hub!, '/api/trigger-event', { name: 'Fog.Burst' }))),
      Promise.all(Array.from({ length: counts.WEB }, () => post(hub!, '/api/web/trigger-event', { name: 'Fog.Burst' }))),
      pymodbus(modbusPort, Array.from({ length: counts.MODBUS }, () => PRESS).flat()),
    ]);
    expect(plc.every((r) => r.exception === undefined)).to.equal(true);

    const lines = (await service.waitForLines(total, 15_000)).map((l) => JSON.parse(l) as { seq: number; source: string });
    const seqs = lines.map((l) => l.seq);
    expect(seqs).to.deep.equal(
      Array.from({ length: total }, (_, i) => i + 1),
      'the service sees 1..N in order',
    );
    const bySource = (source: string) => lines.filter((l) => l.source === source).map((l) => l.seq);
    expect(bySource('TCP')).to.deep.equal(tcpReplies.map((r) => Number(/^OK (\d+)$/.exec(r)![1])));
    expect(bySource('HTTP')).to.have.members(http.map((r) => r.body.trigger_seq));
    expect(bySource('WEB')).to.have.members(web.map((r) => r.body.trigger_seq));
    expect(bySource('MODBUS')).to.have.length(counts.MODBUS);
    expect(await statusBlock(modbusPort)).to.deep.equal({ lastSeq: Math.max(...bySource('MODBUS')), accepted: counts.MODBUS, rejected: 0, reason: 0 });
  });

  it('applies the cooldown between priorities: MODBUS (2) blocks TCP and HTTP (1); WEB (3) then blocks MODBUS; the same priority passes', async () => {
    const { tcp, modbusPort } = await start({ trigger: { gating: { cooldown_ms: 60_000 } } });

    await pymodbus(modbusPort, PRESS);
    expect(await statusBlock(modbusPort)).to.deep.equal({ lastSeq: 1, accepted: 1, rejected: 0, reason: 0 });

    tcp.write('Fog.Burst\n');
    const [tcpReply] = await tcp.waitForReplies(1);
    expect(tcpReply).to.match(/^ERR cooldown Source TCP \(priority 1\) is cooling down after a priority 2 event; retry in [\d.]+ ms$/);
    const http = await post(hub!, '/api/trigger-event', { name: 'Fog.Burst' });
    expect(http.status).to.equal(429);
    expect(http.body.reason).to.equal('cooldown');

    await pymodbus(modbusPort, PRESS); // same priority as the one cooling down: passes
    expect(await statusBlock(modbusPort)).to.include({ lastSeq: 2, accepted: 2, rejected: 0 });

    const web = await post(hub!, '/api/web/trigger-event', { name: 'Fog.Burst' });
    expect(web.status).to.equal(200);
    expect(web.body.trigger_seq).to.equal(3);

    await pymodbus(modbusPort, PRESS); // now below the WEB cooldown
    expect(await statusBlock(modbusPort)).to.deep.equal({ lastSeq: 2, accepted: 2, rejected: 1, reason: REJECT_CODES.cooldown });

    expect((await post(hub!, '/api/web/trigger-event', { name: 'Fog.Burst' })).body.trigger_seq).to.equal(4);
    expect(hub!.runtime.lastSeq()).to.equal(4);
  });

  it('applies each source’s own whitelist: loopback TCP and Modbus rejected, loopback HTTP and WEB accepted', async () => {
    const { tcp, modbusPort } = await start({ trigger: { gating: { whitelist: { TCP: ['10.0.0.0/8'], MODBUS: ['10.0.0.0/8'] } } } });

    tcp.write('Fog.Burst\n');
    expect(await tcp.waitForReplies(1)).to.deep.equal(['ERR not_whitelisted Address 127.0.0.1 is not whitelisted for source TCP']);
    await pymodbus(modbusPort, PRESS);
    expect(await statusBlock(modbusPort)).to.deep.equal({ lastSeq: 0, accepted: 0, rejected: 1, reason: REJECT_CODES.not_whitelisted });
    expect(await mbRead(modbusPort, 1, FOG)).to.deep.equal([0]);

    expect((await post(hub!, '/api/trigger-event', { name: 'Fog.Burst' })).body.trigger_seq).to.equal(1);
    expect((await post(hub!, '/api/web/trigger-event', { name: 'Fog.Burst' })).body.trigger_seq).to.equal(2);
  });
});
