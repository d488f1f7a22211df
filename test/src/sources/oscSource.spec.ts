import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { promisify } from 'node:util';
import type { Decision } from '../../../streams/contracts';
import type { Report, TriggerReport } from '../../../src/hub';
import { createApiKeys } from '../../../src/keys/apiKeys';
import { createLogger } from '../../../src/log';
import { decodePacket, encodeMessage, type OscArg, type OscMessage } from '../../../src/osc/oscCodec';
import { wireOscSource } from '../../../src/runtime/components';
import { createOscSource, type OscSource } from '../../../src/sources/osc/oscSource';
import { createOscFrameReader, frameOscPacket, type OscFraming } from '../../../src/sources/osc/oscFraming';
import * as osc from 'osc';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import { parseMetrics, samplesOf } from '../../helpers/metricsText';
import { requirePeers } from '../../helpers/peers';
import { heldEventLog } from '../../helpers/heldEventLog';
import { startHub, type TestHub } from '../../helpers/hub';
import { createVirtualTime } from '../../helpers/virtualTime';
import { waitFor } from '../../helpers/waitFor';
import { startWsHub, type WsHub } from '../websocket/wsHarness';

const run = promisify(execFile);
const ON = { trigger: { sources: { OSC: { enabled: true } } } };

/** What a reply says: its address and its argument values. */
const said = (bytes: Buffer) => {
  const m = decodePacket(bytes) as OscMessage;
  return [m.address, ...m.args.map((a) => a.value)];
};

/** A bundle of messages, as QLab's or TouchDesigner's "send as bundle" writes one. */
const bundle = (...messages: Array<[string, ...OscArg[]]>): Buffer => {
  const packets = messages.map(([address, ...args]) => ({ address, args }));
  const bytes = osc.writePacket({ timeTag: { raw: [0, 1] }, packets } as never, { metadata: true });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};

/** A UDP device that sends datagrams and keeps every reply it gets. */
async function udpDevice(port: number) {
  const socket = dgram.createSocket('udp4');
  const replies: unknown[][] = [];
  socket.on('message', (m) => replies.push(said(m)));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    replies,
    send: (bytes: Buffer) => new Promise<void>((resolve) => socket.send(bytes, port, '127.0.0.1', () => resolve())),
    until: (n: number) => waitFor(() => replies.length >= n, `${n} replies`),
    close: () => socket.close(),
  };
}

/** A TCP device framing its packets with `framing`, reading replies framed the same way. */
async function tcpDevice(port: number, framing: OscFraming) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const replies: unknown[][] = [];
  let closed = false;
  socket.on('close', () => (closed = true));
  const reader = createOscFrameReader(
    65536,
    (p) => replies.push(said(p)),
    () => undefined,
  );
  socket.on('data', (c: Buffer) => reader.push(c));
  return {
    replies,
    send: (bytes: Buffer) => socket.write(frameOscPacket(bytes, framing)),
    raw: (bytes: Buffer) => socket.write(bytes),
    until: (n: number) => waitFor(() => replies.length >= n, `${n} replies`),
    closed: () => waitFor(() => closed, 'the connection to close'),
    destroy: () => socket.destroy(),
  };
}

async function refusedCount(h: WsHub, reason: string): Promise<number> {
  const text = await (await fetch(`${h.hub.url}/metrics`)).text();
  return samplesOf(parseMetrics(text), 'haven_inputs_total', { source: 'OSC', outcome: reason }).reduce((n, s) => n + s.value, 0);
}

describe('OSC source: UDP and TCP (SLIP and length-prefixed), against liblo oscsend', function () {
  requirePeers('liblo-tools');
  let h: WsHub | undefined;
  let service: LineServer | undefined;
  const closers: Array<() => void> = [];
  afterEach(async () => {
    closers.splice(0).forEach((c) => c());
    await h?.stop();
    h = undefined;
    await service?.close();
    service = undefined;
  });
  const oscPort = () => h!.hub.component<OscSource>('OSC').address()!.port;

  it('OSC from oscsend (UDP and TCP), a SLIP bundle and HTTP reach a TCP service and a WebSocket client with one gap-free seq', async () => {
    h = await startWsHub(ON);
    service = await startLineServer();
    const registered = await h.api('POST', '/api/register', {
      name: 'Lines',
      host: '127.0.0.1',
      port: service.port,
      protocol: 'TCP_SOCKET',
      fields: ['seq', 'source'],
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(200);
    const panel = await h.login(h.adminToken);
    const port = oscPort();

    await run('oscsend', ['127.0.0.1', String(port), '/haven/trigger/Stage/Mode', 's', 'intro']);
    await service.waitForLines(1);
    await fetch(`${h.hub.url}/api/trigger-event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Dial.Number', value: 3 }),
    });
    await service.waitForLines(2);
    await run('oscsend', [`osc.tcp://127.0.0.1:${port}`, '/haven/trigger/Flame/Intensity', 'fi', '42.5', '17']);
    await service.waitForLines(3);
    const slip = await tcpDevice(port, 'slip');
    closers.push(slip.destroy);
    slip.send(
      bundle(
        ['/haven/trigger/Fog/Burst'],
        ['/haven/trigger/RedTelephone/Button_1', { type: 'T', value: true }],
        ['/haven/trigger/Stage/Mode', { type: 's', value: 'finale' }],
      ),
    );
    await slip.until(3);

    const lines = (await service.waitForLines(6)).map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.name, l.value, l.source])).to.deep.equal([
      ['Stage.Mode', 'intro', 'OSC'],
      ['Dial.Number', 3, 'HTTP'],
      ['Flame.Intensity', 42.5, 'OSC'],
      ['Fog.Burst', null, 'OSC'],
      ['RedTelephone.Button_1', 'On', 'OSC'],
      ['Stage.Mode', 'finale', 'OSC'],
    ]);
    expect(lines[2].id).to.equal(17);
    const seqs = lines.map((l) => l.seq);
    expect(seqs).to.deep.equal(Array.from({ length: 6 }, (_, i) => seqs[0] + i));
    // The bundle's replies, in its order, each after its event was stored.
    expect(slip.replies).to.deep.equal([
      ['/haven/ok', seqs[3], 'Fog.Burst'],
      ['/haven/ok', seqs[4], 'RedTelephone.Button_1'],
      ['/haven/ok', seqs[5], 'Stage.Mode'],
    ]);
    await panel.waitFor((m) => m.type === 'trigger' && m.seq === seqs[5], 'the last seq at the panel');
    const atPanel = panel.messages.filter((m) => m.type === 'trigger').map((m) => m.seq);
    expect(atPanel).to.deep.equal(seqs);
  });

  it('answers a TCP sender that half-closes right after sending (as `nc -N` does), then closes', async () => {
    // The write is held until the half-close has reached the hub, so the reply comes after it.
    const { held, eventLog } = heldEventLog();
    h = await startWsHub(ON, { eventLog });
    const socket = net.connect(oscPort(), '127.0.0.1');
    closers.push(() => socket.destroy());
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const replies: unknown[][] = [];
    const reader = createOscFrameReader(
      65536,
      (p) => replies.push(said(p)),
      () => undefined,
    );
    socket.on('data', (c: Buffer) => reader.push(c));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.end(frameOscPacket(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 's', value: 'intro' }]), 'slip'));
    await waitFor(() => held.length === 1, 'the write to be held');
    // A round trip of the hub's own: the FIN, sent before it, has been read by now.
    await fetch(`${h.hub.url}/healthz`);
    held[0]();
    await closed;
    expect(replies).to.deep.equal([['/haven/ok', 1, 'Stage.Mode']]);
  });

  it('answers each UDP message to its sender: /haven/ok once stored, /haven/error for a refusal, and keeps serving', async () => {
    h = await startWsHub(ON);
    const device = await udpDevice(oscPort());
    closers.push(device.close);
    await device.send(
      encodeMessage('/haven/trigger/Dial/Number', [
        { type: 'i', value: 4 },
        { type: 'i', value: 10 },
      ]),
    );
    await device.send(
      encodeMessage('/haven/trigger/Dial/Number', [
        { type: 'i', value: 5 },
        { type: 'i', value: 10 },
      ]),
    );
    await device.send(encodeMessage('/haven/trigger/Dial/Number', [{ type: 'i', value: 42 }]));
    await device.send(encodeMessage('/haven/trigger/No/Such', [{ type: 'i', value: 1 }]));
    await device.send(encodeMessage('/cue/1/go', []));
    await device.send(Buffer.from('not osc at all'));
    await device.send(encodeMessage('/haven/status/Stage/Mode', [{ type: 's', value: 'idle' }]));
    await device.until(7);
    const [ok, duplicate, invalid, unknown, address, malformed, status] = device.replies;
    expect(ok.slice(0, 1).concat(ok.slice(2))).to.deep.equal(['/haven/ok', 'Dial.Number']);
    expect(duplicate.slice(0, 2)).to.deep.equal(['/haven/error', 'duplicate']);
    expect(invalid.slice(0, 2)).to.deep.equal(['/haven/error', 'invalid_value']);
    expect(invalid[3]).to.equal('/haven/trigger/Dial/Number');
    expect(unknown.slice(0, 2)).to.deep.equal(['/haven/error', 'unknown_trigger']);
    expect(address.slice(0, 2)).to.deep.equal(['/haven/error', 'unknown_address']);
    expect(malformed.slice(0, 2)).to.deep.equal(['/haven/error', 'malformed_packet']);
    expect(status[0]).to.equal('/haven/ok');
    expect(JSON.stringify(await (await fetch(`${h.hub.url}/api/trigger-status`)).json())).to.include('"idle"');
    expect(await refusedCount(h, 'malformed_packet')).to.equal(1);
    expect(await refusedCount(h, 'unknown_address')).to.equal(1);
  });

  it('reports with the sender’s address, so trigger.gating.whitelist.OSC lets its senders in and refuses others', async () => {
    const fromWhitelist = async (list: string[]) => {
      h = await startWsHub({ ...ON, trigger: { ...ON.trigger, gating: { whitelist: { OSC: list } } } });
      const device = await udpDevice(oscPort());
      await device.send(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 's', value: 'intro' }]));
      await device.until(1);
      device.close();
      await h.stop();
      h = undefined;
      return device.replies[0].slice(0, 2);
    };
    expect((await fromWhitelist(['127.0.0.0/8']))[0]).to.equal('/haven/ok');
    expect(await fromWhitelist(['10.0.0.0/8'])).to.deep.equal(['/haven/error', 'not_whitelisted']);
  });

  it('maps the addresses a tool already sends (sources.osc.map)', async () => {
    h = await startWsHub({
      ...ON,
      sources: {
        osc: {
          map: [
            { address: '/qlab/cue/12/go', trigger: 'Stage.Mode', value: 'intro' },
            { address: '/td/flame', trigger: 'Flame.Intensity', value_arg: 0 },
          ],
        },
      },
    });
    const device = await udpDevice(oscPort());
    closers.push(device.close);
    await device.send(encodeMessage('/qlab/cue/12/go', []));
    await device.send(encodeMessage('/td/flame', [{ type: 'f', value: 12.5 }]));
    await device.until(2);
    expect(device.replies.map((r) => [r[0], r[2]])).to.deep.equal([
      ['/haven/ok', 'Stage.Mode'],
      ['/haven/ok', 'Flame.Intensity'],
    ]);
    const cache = await (await fetch(`${h.hub.url}/api/trigger-status`)).json();
    expect(JSON.stringify(cache)).to.include('"intro"').and.include('12.5');
  });

  it('with sources.osc.reply "errors", answers only refusals', async () => {
    h = await startWsHub({ ...ON, sources: { osc: { reply: 'errors' } } });
    const device = await udpDevice(oscPort());
    closers.push(device.close);
    await device.send(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 's', value: 'intro' }]));
    await device.send(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 's', value: 'nope' }]));
    await device.until(1);
    await device.send(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 'i', value: 99 }]));
    await device.until(2);
    expect(device.replies.map((r) => r.slice(0, 2))).to.deep.equal([
      ['/haven/error', 'invalid_value'],
      ['/haven/error', 'invalid_value'],
    ]);
  });

  it('closes a TCP connection whose length prefix is over sources.osc.max_packet_bytes, with an error first', async () => {
    h = await startWsHub({ ...ON, sources: { osc: { max_packet_bytes: 1024 } } });
    const device = await tcpDevice(oscPort(), 'length');
    closers.push(device.destroy);
    device.send(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 's', value: 'intro' }]));
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(5000);
    device.raw(prefix);
    await device.closed();
    expect(device.replies.map((r) => r.slice(0, 2))).to.deep.equal([
      ['/haven/ok', 1],
      ['/haven/error', 'packet_too_large'],
    ]);
    // The source still serves.
    const again = await udpDevice(oscPort());
    closers.push(again.close);
    await again.send(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 's', value: 'finale' }]));
    await again.until(1);
    expect(again.replies[0][0]).to.equal('/haven/ok');
  });

  it('with OSC in security.device_keys: nothing before /haven/auth on TCP; a UDP bundle carries its key first', async () => {
    h = await startWsHub({ ...ON, security: { device_keys: ['OSC'] } });
    const key = (createApiKeys({ store: h.hub.runtime.store }).create({ organization: null, role: 'device' }) as { key: string }).key;
    const tcp = await tcpDevice(oscPort(), 'slip');
    closers.push(tcp.destroy);
    tcp.send(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 's', value: 'intro' }]));
    tcp.send(encodeMessage('/haven/auth', [{ type: 's', value: 'hvn_wrong' }]));
    tcp.send(encodeMessage('/haven/auth', [{ type: 's', value: key }]));
    tcp.send(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 's', value: 'finale' }]));
    await tcp.until(4);
    expect(tcp.replies.map((r) => r.slice(0, 2))).to.deep.equal([
      ['/haven/error', 'unauthorized'],
      ['/haven/error', 'unauthorized'],
      ['/haven/ok', 'auth'],
      ['/haven/ok', 1],
    ]);
    const udp = await udpDevice(oscPort());
    closers.push(udp.close);
    await udp.send(encodeMessage('/haven/trigger/Stage/Mode', [{ type: 's', value: 'idle' }]));
    await udp.send(bundle(['/haven/auth', { type: 's', value: key }], ['/haven/trigger/Stage/Mode', { type: 's', value: 'idle' }]));
    await udp.until(3);
    expect(udp.replies.map((r) => r.slice(0, 2))).to.deep.equal([
      ['/haven/error', 'unauthorized'],
      ['/haven/ok', 'auth'],
      ['/haven/ok', 2],
    ]);
  });

  it('is off by default, and /readyz says so; when on, /readyz shows it listening', async () => {
    h = await startWsHub();
    let ready = (await (await fetch(`${h.hub.url}/readyz`)).json()) as { components: Array<{ name: string; state: string; detail?: string }> };
    expect(ready.components.find((c) => c.name === 'OSC')).to.include({ state: 'stopped' });
    await h.stop();
    h = await startWsHub(ON);
    ready = (await (await fetch(`${h.hub.url}/readyz`)).json()) as typeof ready;
    const health = ready.components.find((c) => c.name === 'OSC')!;
    expect(health.state).to.equal('ok');
    expect(health.detail).to.match(/listening on 127\.0\.0\.1:\d+ \(UDP and TCP\)/);
  });
});

describe('OSC source over TCP: a sender that does not read its replies', () => {
  let own: TestHub | undefined;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.destroy());
    await own?.stop();
    own = undefined;
  });

  it('stops reading a sender whose replies back up, and cuts it after sources.osc.reply_timeout_ms', async () => {
    const time = createVirtualTime();
    own = await startHub({ ...ON, sources: { osc: { reply_timeout_ms: 1000 } } } as never, {
      components: (config, deps) => [wireOscSource(config, deps)],
      scheduler: time.scheduler,
    });
    const port = own.component<OscSource>('OSC').address()!.port;
    const deaf = net.connect(port, '127.0.0.1');
    sockets.push(deaf);
    await new Promise<void>((resolve, reject) => deaf.once('connect', resolve).once('error', reject));
    deaf.on('error', () => undefined);
    deaf.pause(); // never reads: its replies pile up on the hub's side
    let cut = false;
    deaf.on('close', () => (cut = true));
    // Refusals are decided at once and their replies repeat the long address: megabytes of replies owed.
    const sent = 20_000;
    const packet = frameOscPacket(encodeMessage(`/haven/trigger/No/${'x'.repeat(400)}`, []), 'slip');
    deaf.write(Buffer.concat(Array.from({ length: sent }, () => packet)));
    const decided = async () => {
      const text = await (await fetch(`${own!.url}/metrics`)).text();
      return samplesOf(parseMetrics(text), 'haven_inputs_total', { source: 'OSC' }).reduce((n, s) => n + s.value, 0);
    };
    // The clock moves on only between polls, so the cut is the reply timeout's, however long reading takes.
    await waitFor(
      () => {
        if (!cut) time.advance(250);
        return cut;
      },
      'the hub to cut the sender that does not read its replies',
      1500,
    );
    expect(time.scheduler.now(), 'cut no sooner than the reply timeout').to.be.at.least(1000);
    // Reading stopped once the replies backed up: the hub never read the rest of what was sent.
    expect(await decided(), 'packets decided, of those sent').to.be.lessThan(sent);
    // Other senders are served meanwhile and after.
    const other = net.connect(port, '127.0.0.1');
    sockets.push(other);
    const replies: unknown[][] = [];
    const reader = createOscFrameReader(
      65536,
      (p) => replies.push(said(p)),
      () => undefined,
    );
    other.on('data', (c: Buffer) => reader.push(c));
    other.write(frameOscPacket(encodeMessage('/haven/trigger/Fog/Burst', []), 'slip'));
    await waitFor(() => replies.length === 1, 'the other sender’s reply');
    expect(replies[0].slice(0, 1)).to.deep.equal(['/haven/ok']);
  });
});

describe('OSC source over TCP: a sender whose packets await their decisions', () => {
  const MAX_IN_FLIGHT = 5;
  /** What libuv hands a socket's data handler at most in one read. */
  const READ_BYTES = 65536;
  let source: OscSource | undefined;
  /** While set, the gateway holds every Flood.Cue decision until the test lets it go; other inputs are decided at once. */
  let holding = false;
  const held: Array<() => void> = [];
  const closers: Array<() => void> = [];
  afterEach(async () => {
    // Let everything go, so the stop does not wait for decisions that never come.
    holding = false;
    held.splice(0).forEach((release) => release());
    closers.splice(0).forEach((c) => c());
    await source?.stop();
    source = undefined;
  });

  /** An acceptance whose seq is the input's id, so a reply names the packet it answers. */
  const accept = (input: TriggerReport): Decision => {
    const seq = input.id ?? 0;
    const { source: from, kind, name } = input;
    const timestamp = new Date(0).toISOString();
    const event = {
      seq,
      kind,
      name,
      value: null,
      id: seq,
      type: 'OneShot' as const,
      category: 'test',
      organization: 'default',
      source: from,
      timestamp,
      receivedAt: 0,
    };
    return { accepted: true, input: { ...input, ticket: seq, receivedAt: 0 }, event };
  };

  /** A source whose Flood.Cue decisions are held while `holding`; `flood` is every Flood.Cue reported. */
  const startHeldSource = async () => {
    holding = true;
    const flood: TriggerReport[] = [];
    const report: Report = (input) => {
      if (input.name !== 'Flood.Cue') return Promise.resolve(accept(input));
      flood.push(input);
      if (!holding) return Promise.resolve(accept(input));
      return new Promise((resolve) => held.push(() => resolve(accept(input))));
    };
    const time = createVirtualTime();
    source = createOscSource({
      enabled: true,
      listen: { host: '127.0.0.1', port: 0 },
      osc: { reply: 'all', max_packet_bytes: 65536, reply_timeout_ms: 0, max_in_flight: MAX_IN_FLIGHT, map: [] },
      graceMs: 200,
      scheduler: time.scheduler,
      report,
      log: createLogger('Haven', 'silent'),
    });
    await source.start();
    return { flood, port: source.address()!.port };
  };

  /**
   * A sender writes `bytes` at once; once `reported()` holds, a second sender's three answered
   * probes are three rounds of the event loop, in which the source reads every socket it has not
   * paused: whatever the first sender's socket still yields by then, it yielded past the bound.
   */
  const floodThenProbe = async (port: number, bytes: Buffer, reported: () => boolean) => {
    const sender = await tcpDevice(port, 'slip');
    closers.push(sender.destroy);
    sender.raw(bytes);
    await waitFor(reported, 'the first packets reported');
    const probe = await tcpDevice(port, 'slip');
    closers.push(probe.destroy);
    for (let round = 1; round <= 3; round++) {
      probe.send(
        encodeMessage('/haven/trigger/Probe/Ping', [
          { type: 'N', value: null },
          { type: 'i', value: round },
        ]),
      );
      await probe.until(round);
    }
    return { sender, probe };
  };

  it('stops reading at sources.osc.max_in_flight packets owed, then answers every packet in order once decided', async () => {
    const { flood, port } = await startHeldSource();
    // 200 packets of about 4 KB, written at once: some 50 reads' worth.
    const sent = 200;
    const packet = (k: number) =>
      frameOscPacket(
        encodeMessage('/haven/trigger/Flood/Cue', [
          { type: 's', value: 'x'.repeat(4000) },
          { type: 'i', value: k },
        ]),
        'slip',
      );
    const { sender, probe } = await floodThenProbe(
      port,
      Buffer.concat(Array.from({ length: sent }, (_, i) => packet(i + 1))),
      () => flood.length >= MAX_IN_FLIGHT,
    );
    // The read that reached the bound started below it and carries at most READ_BYTES / packet size more.
    const bound = MAX_IN_FLIGHT + Math.floor(READ_BYTES / packet(1).length);
    const whileHeld = flood.length;
    expect(whileHeld, `packets reported while their decisions are held (bound ${bound}, sent ${sent})`).to.be.within(MAX_IN_FLIGHT, bound);
    expect(sender.replies, 'nothing answered before its decision').to.deep.equal([]);
    expect(
      probe.replies.map((r) => r[0]),
      'another sender is served meanwhile',
    ).to.deep.equal(['/haven/ok', '/haven/ok', '/haven/ok']);

    holding = false;
    held.splice(0).forEach((release) => release());
    await sender.until(sent);
    expect(flood.map((input) => input.id)).to.deep.equal(Array.from({ length: sent }, (_, i) => i + 1));
    expect(sender.replies).to.deep.equal(Array.from({ length: sent }, (_, i) => ['/haven/ok', i + 1, 'Flood.Cue']));
  });

  it('counts every message of a bundle against sources.osc.max_in_flight, not the bundle once', async () => {
    const { flood, port } = await startHeldSource();
    // 20 bundles of 10 messages of about 3 KB: each bundle alone is past the bound of 5.
    const perBundle = 10;
    const bundles = 20;
    const frameOf = (b: number) =>
      frameOscPacket(
        bundle(
          ...Array.from({ length: perBundle }, (_, m): [string, ...OscArg[]] => [
            '/haven/trigger/Flood/Cue',
            { type: 's', value: 'x'.repeat(3000) },
            { type: 'i', value: b * perBundle + m + 1 },
          ]),
        ),
        'slip',
      );
    const frames = Array.from({ length: bundles }, (_, b) => frameOf(b));
    const { sender } = await floodThenProbe(port, Buffer.concat(frames), () => flood.length >= perBundle);
    // The read that reached the bound holds at most the bundles of READ_BYTES, and one it completed.
    const bound = perBundle * (Math.ceil(READ_BYTES / frames[0].length) + 1);
    expect(flood.length, `messages reported while held (bound ${bound}; counting bundles would allow ${MAX_IN_FLIGHT * perBundle})`).to.be.within(
      perBundle,
      bound,
    );
    expect(bound).to.be.below(MAX_IN_FLIGHT * perBundle);

    holding = false;
    held.splice(0).forEach((release) => release());
    const sent = bundles * perBundle;
    await sender.until(sent);
    expect(sender.replies).to.deep.equal(Array.from({ length: sent }, (_, i) => ['/haven/ok', i + 1, 'Flood.Cue']));
  });
});
