import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { wireTcpSource } from '../../../src/runtime/components';
import type { TcpSource } from '../../../src/sources/tcp/tcpSource';
import { startHub, type TestHub } from '../../helpers/hub';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import { createVirtualTime, type VirtualTime } from '../../helpers/virtualTime';
import { waitFor } from '../../helpers/waitFor';
import { connectLineClient, type LineClient } from './lineClient';

type Overrides = Parameters<typeof startHub>[0];

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('TCP text source over real sockets', () => {
  let hub: TestHub | undefined;
  let clients: LineClient[] = [];
  let closers: Array<() => Promise<void>> = [];

  afterEach(async () => {
    clients.forEach((c) => c.destroy());
    clients = [];
    await hub?.stop();
    hub = undefined;
    await Promise.all(closers.map((close) => close()));
    closers = [];
  });

  async function start(overrides: Overrides = {}, time?: VirtualTime): Promise<TcpSource> {
    hub = await startHub(overrides, { components: (config, deps) => [wireTcpSource(config, deps)], ...(time && { scheduler: time.scheduler }) });
    return hub.component<TcpSource>('TCP');
  }

  /** Resolves once the gateway has decided `n` events (the lines reached it over the socket). */
  const decided = (n: number) => waitFor(() => hub!.runtime.lastSeq() >= n, `${n} events decided`);

  async function client(source: TcpSource): Promise<LineClient> {
    const c = await connectLineClient(source.address()!.port);
    clients.push(c);
    return c;
  }

  it('answers plain, STATUS and JSON lines with OK <seq> or ERR <reason> <message>, one per line, in order', async () => {
    const tcp = await start();
    const c = await client(tcp);
    c.write(
      [
        'RedTelephone.Button_1 On 100',
        'STATUS Door.Sensor Off 7',
        '{"name":"Flame.Intensity","value":40,"id":3}',
        'Fog.Burst',
        'No.Such 1',
        'Flame.Intensity 500',
        'RedTelephone.Button_1 On 100',
        'RedTelephone.Button_1 On 99',
        'A B C D',
        '',
        'Fog.Burst - 5\r',
      ].join('\n') + '\n',
    );
    expect(await c.waitForReplies(11)).to.deep.equal([
      'OK 1',
      'OK 2',
      'OK 3',
      'OK 4',
      "ERR unknown_trigger Trigger 'No.Such' not found in configuration",
      'ERR invalid_value Trigger \'Flame.Intensity\' is Continuous and got "500"; expected a number between 0 and 100',
      'ERR duplicate ' + c.replies[6].slice('ERR duplicate '.length),
      'ERR stale ' + c.replies[7].slice('ERR stale '.length),
      'ERR bad_line Too many fields (4); expected NAME [VALUE] [ID], STATUS NAME VALUE [ID], or a JSON object. Values with spaces go in a JSON line',
      'ERR bad_line Empty line; expected NAME [VALUE] [ID], STATUS NAME VALUE [ID], or a JSON object',
      'OK 5',
    ]);
    const cache = (await (await fetch(`${hub!.url}/api/trigger-status`)).json()) as any;
    expect(cache.triggers['Door.Sensor']).to.include({ value: 'Off', id: 7 });
    expect(cache.triggers['Flame.Intensity']).to.include({ value: 40, id: 3 });
  });

  it('keeps replies in line order when a later line is decided first', async () => {
    // The second Flame.Intensity waits for its throttle window; Fog.Burst behind it is decided at once.
    // The window runs on virtual time: the test crosses it once both others are decided.
    const time = createVirtualTime();
    const tcp = await start({ trigger: { gating: { min_interval_ms: 300 } } }, time);
    const c = await client(tcp);
    c.write('Flame.Intensity 10\nFlame.Intensity 20\nFog.Burst\n');
    await decided(2);
    time.advance(299);
    await new Promise((r) => setImmediate(r));
    expect(hub!.runtime.lastSeq(), 'the throttled value released before its window ended').to.equal(2);
    expect(c.replies).to.deep.equal([]);
    time.advance(1);
    expect(await c.waitForReplies(3)).to.deep.equal(['OK 1', 'OK 3', 'OK 2']);
  });

  it('answers 20,000 pipelined lines in one write, all accepted, seq strictly increasing', async () => {
    const tcp = await start();
    const c = await client(tcp);
    const n = 20_000;
    c.write('Fog.Burst\n'.repeat(n));
    const replies = await c.waitForReplies(n, 15_000);
    expect(replies.map((r) => Number(r.slice(3)))).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
    expect(replies.every((r) => r.startsWith('OK '))).to.equal(true);
  });

  it('answers the lines before a too-long line, then ERR line_too_long, then closes; the hub serves on', async () => {
    const tcp = await start({ sources: { tcp: { max_line_length: 64 } } } as Overrides);
    const c = await client(tcp);
    c.write(`Fog.Burst\n${'x'.repeat(65)}\nFog.Burst\n`);
    await c.waitForClose();
    expect(c.replies).to.deep.equal(['OK 1', 'ERR line_too_long Line longer than 64 characters; closing the connection']);
    const next = await client(tcp);
    next.write('Fog.Burst\n');
    expect(await next.waitForReplies(1)).to.deep.equal(['OK 2']);
  });

  it('closes a connection that grows a line past the bound without ever sending a newline', async () => {
    const tcp = await start({ sources: { tcp: { max_line_length: 64 } } } as Overrides);
    const c = await client(tcp);
    c.write('y'.repeat(100));
    await c.waitForClose();
    expect(c.replies).to.deep.equal(['ERR line_too_long Line longer than 64 characters; closing the connection']);
  });

  it('answers binary garbage with ERR lines and keeps serving', async () => {
    const tcp = await start();
    const c = await client(tcp);
    const garbage = Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x80, 0x81, 0x20, 0x7b, 0x0a, 0xc3, 0x28, 0x0d, 0x0a]);
    c.write(garbage);
    c.write('Fog.Burst\n');
    const replies = await c.waitForReplies(4);
    expect(replies.slice(0, 3).every((r) => r.startsWith('ERR bad_line '))).to.equal(true, JSON.stringify(replies));
    expect(replies[3]).to.equal('OK 1');
  });

  it('still answers every line when the device half-closes right after writing (printf … | nc)', async () => {
    const time = createVirtualTime();
    const tcp = await start({ trigger: { gating: { min_interval_ms: 200 } } }, time);
    const c = await client(tcp);
    c.socket.end('Flame.Intensity 1\nFlame.Intensity 2\n');
    await decided(1);
    time.advance(200);
    await c.waitForClose();
    expect(c.replies).to.deep.equal(['OK 1', 'OK 2']);
  });

  it('closes an idle connection after idle_timeout_ms', async () => {
    const time = createVirtualTime();
    const tcp = await start({ sources: { tcp: { idle_timeout_ms: 100 } } } as Overrides, time);
    const c = await client(tcp);
    c.write('Fog.Burst\n');
    await c.waitForReplies(1);
    time.advance(99);
    const next = await client(tcp);
    next.write('Fog.Burst\n');
    await next.waitForReplies(1);
    expect(c.socket.readableEnded, 'closed before idle_timeout_ms').to.equal(false);
    time.advance(1);
    await c.waitForClose();
    expect(c.replies).to.deep.equal(['OK 1']);
  });

  it('leaves the whitelist to the gateway, which sees the connection’s remote address', async () => {
    const tcp = await start({ trigger: { gating: { whitelist: { TCP: ['10.0.0.0/8'] } } } });
    const c = await client(tcp);
    c.write('Fog.Burst\n');
    expect(await c.waitForReplies(1)).to.deep.equal(['ERR not_whitelisted Address 127.0.0.1 is not whitelisted for source TCP']);
  });

  it('delivers an accepted line to a registered TCP service', async () => {
    const tcp = await start();
    const service: LineServer = await startLineServer();
    closers.push(() => service.close());
    const reg = await fetch(
      `${hub!.url}/api/register`,
      json({ name: 'Flame', port: service.port, host: '127.0.0.1', protocol: 'TCP_SOCKET', fields: ['seq', 'source'] }),
    );
    expect(reg.status).to.equal(200);
    const c = await client(tcp);
    c.write('Flame.Intensity 55 9\n');
    expect(await c.waitForReplies(1)).to.deep.equal(['OK 1']);
    const [line] = await service.waitForLines(1);
    expect(JSON.parse(line)).to.include({ name: 'Flame.Intensity', value: 55, id: 9, seq: 1, source: 'TCP' });
  });

  describe('health and lifecycle', () => {
    it('shows listening in /readyz, and stopped after a re-entrant stop', async () => {
      const tcp = await start();
      const ready = (await (await fetch(`${hub!.url}/readyz`)).json()) as any;
      const entry = ready.components.find((c: { name: string }) => c.name === 'TCP');
      expect(entry).to.deep.equal({ name: 'TCP', state: 'ok', detail: `listening on 127.0.0.1:${tcp.address()!.port}, 0 connection(s)` });
      const c = await client(tcp);
      const [a, b] = [tcp.stop(), tcp.stop()];
      expect(a).to.equal(b);
      await Promise.all([a, b, c.waitForClose()]);
      expect(tcp.health()).to.deep.equal({ name: 'TCP', state: 'stopped' });
      expect(tcp.address()).to.equal(null);
    });

    it('fails visibly when its port is taken, while the HTTP API keeps serving', async () => {
      const squatter: Server = createServer();
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise((resolve) => squatter.close(() => resolve())));
      const port = (squatter.address() as AddressInfo).port;
      await start({ comm: { tcp: { host: '127.0.0.1', port } } } as Overrides);
      const res = await fetch(`${hub!.url}/readyz`);
      expect(res.status).to.equal(503);
      const entry = ((await res.json()) as any).components.find((c: { name: string }) => c.name === 'TCP');
      expect(entry.state).to.equal('failed');
      expect(entry.detail).to.match(new RegExp(`^cannot listen on 127.0.0.1:${port}: .*EADDRINUSE`));
      const http = await fetch(`${hub!.url}/api/trigger-event`, json({ name: 'Fog.Burst' }));
      expect(http.status).to.equal(200);
    });

    it('does not listen when disabled in config, and says so', async () => {
      const tcp = await start({ trigger: { sources: { TCP: { enabled: false } } } } as Overrides);
      expect(tcp.address()).to.equal(null);
      expect(tcp.health()).to.deep.equal({ name: 'TCP', state: 'stopped', detail: 'disabled in config (trigger.sources.TCP.enabled)' });
    });
  });
});
