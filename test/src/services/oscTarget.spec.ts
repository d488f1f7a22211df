import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { encodeMessage } from '../../../src/osc/oscCodec';
import { startHub, type TestHub } from '../../helpers/hub';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import { parseMetrics, samplesOf } from '../../helpers/metricsText';
import { requirePeers } from '../../helpers/peers';
import { waitFor } from '../../helpers/waitFor';
import { createShiftableScheduler } from './helpers';

/**
 * Debian's `oscdump` (liblo 0.31) on a liblo URL: every message it prints, one line each. The URL names
 * no host: liblo takes a host in a server URL for a multicast group (and fails on 127.0.0.1).
 */
interface OscDump {
  readonly lines: string[];
  /** The messages but the readiness probes: `[address, typetags, ...args as printed]`. */
  messages(): string[][];
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();

async function oscdump(url: string): Promise<OscDump> {
  const child = spawn('oscdump', ['-L', url], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    rest += chunk;
    const parts = rest.split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    lines,
    // `eebb1286.3856b441 /cue/Mode/start si "intro" 12346`: a time tag, the address, the type tags, the arguments.
    messages: () =>
      lines
        .map((l) => l.split(' ').slice(1))
        .filter(([address]) => address !== '/probe')
        .map(([address, types = '', ...args]) => [address, types, ...args]),
    kill: async () => {
      if (child.exitCode === null) child.kill();
      await exited;
      children.delete(child);
    },
  };
}

/** A UDP port free on 127.0.0.1 (bound, then released). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Until oscdump prints a probe sent to it over UDP (it prints nothing when it starts). */
async function udpReady(dump: OscDump, port: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  try {
    await waitFor(
      async () => {
        await new Promise<void>((resolve) => socket.send(encodeMessage('/probe', []), port, '127.0.0.1', () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 50));
        return dump.lines.some((l) => l.includes('/probe'));
      },
      'oscdump to listen on UDP',
      5000,
    );
  } finally {
    socket.close();
  }
}

/** Until oscdump accepts a TCP connection. */
async function tcpReady(port: number): Promise<void> {
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      }),
    'oscdump to listen on TCP',
    5000,
  );
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function call(hub: TestHub, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(hub.url + path, init);
  return { status: res.status, body: await res.json() };
}

async function deliveries(hub: TestHub, service: string, result: string): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  return samplesOf(parseMetrics(text), 'haven_service_delivery_seconds_count', { service, result }).reduce((n, s) => n + s.value, 0);
}

describe('OSC_UDP and OSC_TCP targets against liblo oscdump, beside a TCP_SOCKET service', function () {
  requirePeers('liblo-tools');
  let hub: TestHub | undefined;
  let tcp: LineServer | undefined;
  const dumps: OscDump[] = [];

  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
    await tcp?.close();
    tcp = undefined;
    await Promise.all(dumps.splice(0).map((d) => d.kill()));
    for (const child of children) child.kill('SIGKILL');
  });

  it('receive exactly the events a TCP target receives, in the same order, typed as registered; statuses are not sent', async () => {
    hub = await startHub();
    tcp = await startLineServer();
    const udpPort = await freeUdpPort();
    const slipPort = await freeTcpPort();
    const lengthPort = await freeTcpPort();
    const udp = await oscdump(`osc.udp://:${udpPort}`);
    const slip = await oscdump(`osc.tcp://:${slipPort}`);
    const length = await oscdump(`osc.tcp://:${lengthPort}`);
    dumps.push(udp, slip, length);
    await udpReady(udp, udpPort);
    await tcpReady(slipPort);
    await tcpReady(lengthPort);

    const registrations = [
      { name: 'Lines', port: tcp.port, host: '127.0.0.1', protocol: 'TCP_SOCKET', fields: ['seq'] },
      { name: 'Touch', port: udpPort, host: '127.0.0.1', protocol: 'OSC_UDP', args: ['value', 'id:i', 'seq:h'] },
      { name: 'QLab', port: slipPort, host: '127.0.0.1', protocol: 'OSC_TCP', address: '/cue/{control}/start', args: ['value:s', 'id:i'] },
      { name: 'Liblo', port: lengthPort, host: '127.0.0.1', protocol: 'OSC_TCP', framing: 'length', address: '/{category}/{name}' },
    ];
    for (const r of registrations) {
      const answer = await call(hub, '/api/register', json(r));
      expect(answer.status, `${r.name}: ${JSON.stringify(answer.body)}`).to.equal(200);
    }
    const list = (await call(hub, '/api/registrations')).body.services;
    expect(list.map((s: any) => [s.name, s.protocol, s.status])).to.deep.equal([
      ['Lines', 'TCP_SOCKET', 'connected'],
      ['Touch', 'OSC_UDP', 'connected'],
      ['QLab', 'OSC_TCP', 'connected'],
      ['Liblo', 'OSC_TCP', 'connected'],
    ]);
    expect(list[2]).to.include({ address: '/cue/{control}/start', socket_connected: true });
    expect(list[3]).to.include({ framing: 'length' });

    const inputs = [
      { name: 'RedTelephone.Button_1', value: 'On', id: 101 },
      { name: 'Stage.Mode', value: 'intro', id: 102 },
      { name: 'Dial.Number', value: 7, id: 103 },
      { name: 'Flame.Intensity', value: 42.5, id: 104 },
      { name: 'RedTelephone.Button_1', value: 'Off', id: 105 },
    ];
    await call(hub, '/api/trigger-status', json({ name: 'Stage.Power', value: 'On', id: 1 }));
    for (const input of inputs) expect((await call(hub, '/api/trigger-event', json(input))).status).to.equal(200);

    const lines = (await tcp.waitForLines(inputs.length)).map((l) => JSON.parse(l));
    await waitFor(() => [udp, slip, length].every((d) => d.messages().length >= inputs.length), 'every OSC target to print every event');
    expect(lines.map((l) => [l.name, l.value, l.id])).to.deep.equal(inputs.map((i) => [i.name, i.value, i.id]));
    const seqs = lines.map((l) => String(l.seq));

    expect(udp.messages()).to.deep.equal([
      ['/haven/event/RedTelephone/Button_1', 'iih', '1', '101', seqs[0]],
      ['/haven/event/Stage/Mode', 'sih', '"intro"', '102', seqs[1]],
      ['/haven/event/Dial/Number', 'iih', '7', '103', seqs[2]],
      ['/haven/event/Flame/Intensity', 'fih', '42.500000', '104', seqs[3]],
      ['/haven/event/RedTelephone/Button_1', 'iih', '0', '105', seqs[4]],
    ]);
    expect(slip.messages()).to.deep.equal([
      ['/cue/Button_1/start', 'si', '"On"', '101'],
      ['/cue/Mode/start', 'si', '"intro"', '102'],
      ['/cue/Number/start', 'si', '"7"', '103'],
      ['/cue/Intensity/start', 'si', '"42.5"', '104'],
      ['/cue/Button_1/start', 'si', '"Off"', '105'],
    ]);
    expect(length.messages()).to.deep.equal([
      ['/telephone/RedTelephone.Button_1', 'i', '1'],
      ['/show/Stage.Mode', 's', '"intro"'],
      ['/telephone/Dial.Number', 'i', '7'],
      ['/flame/Flame.Intensity', 'f', '42.500000'],
      ['/telephone/RedTelephone.Button_1', 'i', '0'],
    ]);
    const ready = await call(hub, '/readyz');
    const services = ready.body.components.find((c: any) => c.name === 'services');
    expect(services).to.include({ state: 'ok', detail: '4/4 services ready' });
    expect(services.parts.map((p: any) => p.detail)).to.include(`Touch (OSC_UDP 127.0.0.1:${udpPort}) connected: 127.0.0.1:${udpPort} (127.0.0.1:${udpPort})`);
  });

  it('OSC_TCP: an event older than max_age_ms when the peer is back is dropped and counted, the next one arrives', async () => {
    const clock = createShiftableScheduler();
    hub = await startHub({ services: { backoff: { base_ms: 20, cap_ms: 50 } } }, { scheduler: clock.scheduler });
    const port = await freeTcpPort();
    const first = await oscdump(`osc.tcp://:${port}`);
    dumps.push(first);
    await tcpReady(port);
    const reg = { name: 'QLab', port, host: '127.0.0.1', protocol: 'OSC_TCP', max_age_ms: 5000, address: '/cue/{control}/start', args: ['id:i'] };
    expect((await call(hub, '/api/register', json(reg))).status).to.equal(200);

    await first.kill();
    await waitFor(async () => (await call(hub!, '/api/registrations')).body.services[0].status === 'backoff', 'QLab to be seen down');
    const ready = await call(hub, '/readyz');
    expect(ready.body.status).to.equal('degraded');
    expect(ready.body.components.find((c: any) => c.name === 'services').parts[0]).to.include({ name: 'QLab', state: 'degraded' });

    const late = await call(hub, '/api/trigger-event', json({ name: 'Fog.Burst', id: 201 }));
    expect(late.body.dispatched_to).to.equal(0);
    // The hub's clock moves past the waiting event's max age (5 s) before the peer is back; the wall clock does not.
    clock.advance(6000);
    const back = await oscdump(`osc.tcp://:${port}`);
    dumps.push(back);
    await waitFor(async () => (await call(hub!, '/api/registrations')).body.services[0].status === 'connected', 'QLab to reconnect');
    await waitFor(async () => (await deliveries(hub!, 'QLab', 'expired')) === 1, 'the late event to be counted expired');

    expect((await call(hub, '/api/trigger-event', json({ name: 'Fog.Burst', id: 202 }))).status).to.equal(200);
    await waitFor(() => back.messages().length >= 1, 'the fresh event');
    expect(back.messages()).to.deep.equal([['/cue/Burst/start', 'i', '202']]);
    expect(await deliveries(hub, 'QLab', 'written')).to.equal(1);
  });

  it('OSC_UDP: a refused datagram (nothing listens) shows as degraded in registrations and /readyz', async () => {
    hub = await startHub();
    const port = await freeUdpPort();
    expect((await call(hub, '/api/register', json({ name: 'Touch', port, host: '127.0.0.1', protocol: 'OSC_UDP' }))).status).to.equal(200);
    await call(hub, '/api/trigger-event', json({ name: 'Fog.Burst' }));
    await waitFor(async () => (await call(hub!, '/api/registrations')).body.services[0].status === 'backoff', 'the refusal to show');
    const ready = await call(hub, '/readyz');
    expect(ready.body.status).to.equal('degraded');
    const part = ready.body.components.find((c: any) => c.name === 'services').parts[0];
    expect(part.state).to.equal('degraded');
    expect(part.detail).to.match(/refused a datagram \(ECONNREFUSED\): is the OSC receiver running\?/);
  });

  it('keeps an OSC registration, its address and args across a restart, and sends as registered after it', async () => {
    hub = await startHub();
    const dataDir = hub.config.storage.data_dir;
    const port = await freeUdpPort();
    const dump = await oscdump(`osc.udp://:${port}`);
    dumps.push(dump);
    await udpReady(dump, port);
    const reg = { name: 'Max', port, host: '127.0.0.1', protocol: 'OSC_UDP', address: '/max/{device}', args: { Discrete: ['control', 'value:f'] } };
    expect((await call(hub, '/api/register', json(reg))).status).to.equal(200);
    await hub.stop({ keepData: true });

    hub = await startHub({}, { dataDir });
    const [listed] = (await call(hub, '/api/registrations')).body.services;
    expect(listed).to.include({ name: 'Max', protocol: 'OSC_UDP', address: '/max/{device}', status: 'connected' });
    expect(listed.args).to.deep.equal({ Discrete: ['control', 'value:f'] });
    await call(hub, '/api/trigger-event', json({ name: 'Dial.Number', value: 3 }));
    await waitFor(() => dump.messages().length >= 1, 'the event after the restart');
    expect(dump.messages()).to.deep.equal([['/max/Dial', 'sf', '"Number"', '3.000000']]);
  });

  it('refuses an OSC target outside services.allowed_hosts with 403, before any datagram', async () => {
    hub = await startHub({ services: { allowed_hosts: ['10.0.0.0/8'] } });
    const answer = await call(hub, '/api/register', json({ name: 'Touch', port: 10000, host: '127.0.0.1', protocol: 'OSC_UDP' }));
    expect(answer.status).to.equal(403);
    expect(answer.body.error).to.match(/Host '127.0.0.1' is not allowed/);
  });

  it('refuses bad OSC registration fields with a clear 400 and registers nothing', async () => {
    hub = await startHub();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ protocol: 'OSC_UDP', address: '/cue/{cue}/start' }, /'address' of X has unknown placeholder '\{cue\}'/],
      [{ protocol: 'OSC_UDP', address: 'cue' }, /'address' of X must start with '\/'/],
      [{ protocol: 'OSC_UDP', args: ['value:q'] }, /'args' of X \[0\] "value:q": value can be sent as i, f, h, d, s, T, I, N/],
      [{ protocol: 'OSC_UDP', framing: 'length' }, /'framing' of X applies to OSC_TCP only/],
      [{ protocol: 'OSC_TCP', framing: 'cobs' }, /\/framing must be one of "slip", "length"/],
      [{ protocol: 'TCP_SOCKET', address: '/x' }, /apply to OSC_UDP and OSC_TCP only/],
      [{ protocol: 'OSC_UDP', fields: ['seq'] }, /an OSC target lists its values in 'args'/],
      [{ protocol: 'OSC_UDP', args: { Toggle: ['value'] } }, /\/args must be one of "On\/Off", "Discrete", "Continuous", "OneShot"/],
    ];
    for (const [fields, message] of cases) {
      const answer = await call(hub, '/api/register', json({ name: 'X', port: 9, host: '127.0.0.1', ...fields }));
      expect(answer.status, JSON.stringify(fields)).to.equal(400);
      expect(answer.body.error, JSON.stringify(fields)).to.match(message);
    }
    expect((await call(hub, '/api/registrations')).body.services).to.deep.equal([]);
  });
});
