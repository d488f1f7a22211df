import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import type { ComponentHealth } from '../../../src/hub';
import { createLogger } from '../../../src/log';
import { createComponents } from '../../../src/runtime/components';
import { renderInto } from '../../helpers/logLines';
import { freePort, startLineServer, type LineServer } from '../../helpers/lineServer';
import { requirePeers } from '../../helpers/peers';
import { waitFor } from '../../helpers/waitFor';
import { startWsHub, type WsHub } from '../websocket/wsHarness';
import { journalDir } from '../../../src/eventLog/openEventLog';
import { readNew } from '../../../src/eventLog/logFollower';
import { faultyEventLog } from './faultyEventLog';

const run = promisify(execFile);

/** A real Debian mosquitto on 127.0.0.1:`port`, with its config in a temporary folder; `start` again after `kill` reuses the port. */
interface Mosquitto {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILL: the broker dies, and with `persistence false` forgets its sessions and retained messages. */
  kill(): Promise<void>;
  /** SIGSTOP: the broker stays connected and answers nothing. */
  freeze(): void;
}

const brokers: Array<Mosquitto & { remove(): Promise<void> }> = [];

async function createMosquitto(): Promise<Mosquitto> {
  const p = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'haven-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${p} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let logged = '';
  const broker = {
    port: p,
    url: `mqtt://127.0.0.1:${p}`,
    freeze: () => void proc?.kill('SIGSTOP'),
    async start() {
      const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      proc = child;
      let gone = false;
      exited = new Promise((resolve) => child.once('exit', () => ((gone = true), resolve())));
      child.stderr!.on('data', (chunk: Buffer) => (logged += chunk.toString()));
      const accepts = () =>
        new Promise<boolean>((resolve) => {
          const s = net.connect(p, '127.0.0.1');
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('error', () => resolve(false));
        });
      await waitFor(async () => {
        if (gone) throw new Error(`mosquitto exited: ${logged}`);
        return accepts();
      }, `mosquitto to accept connections on ${p}`);
    },
    async kill() {
      const child = proc;
      proc = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    async remove() {
      await broker.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  brokers.push(broker);
  return broker;
}

/** The hub's config as a client of `broker` (reconnecting fast), with `extra` MQTT settings. */
const asClientOf = (broker: Mosquitto, extra: Record<string, unknown> = {}) => ({
  mqtt: { enabled: true, broker: { url: broker.url, reconnect_ms: 100, ...extra } },
});

/** mosquitto_pub: one publish; `null` sends an empty payload. Resolves once the broker has it (PUBACK for QoS 1). */
async function pub(broker: Mosquitto, topic: string, payload: string | null, qos: 0 | 1, ...args: string[]): Promise<void> {
  const message = payload === null ? ['-n'] : ['-m', payload];
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-q', String(qos), '-t', topic, ...message, ...args]);
}

const clients: MqttClient[] = [];
const services: LineServer[] = [];

/** An MQTT 5 client (mqtt.js) subscribed to `filters`, recording every publish it gets. */
async function subscriber(broker: Mosquitto, ...filters: string[]) {
  const client = await connectAsync(broker.url, { protocolVersion: 5, clientId: `test-${randomUUID().slice(0, 8)}`, reconnectPeriod: 0 });
  clients.push(client);
  const packets: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => packets.push(packet));
  await client.subscribeAsync(filters, { qos: 1 });
  return { client, packets };
}

/**
 * What a device subscribing to `haven/state/#` now learns: the retained messages the broker sends
 * it. A marker the client publishes to itself after subscribing comes after them (one broker, one
 * connection, in order), so it marks the end.
 */
async function retainedState(broker: Mosquitto): Promise<IPublishPacket[]> {
  const marker = `test/marker/${randomUUID()}`;
  const { client, packets } = await subscriber(broker, 'haven/state/#', marker);
  try {
    await client.publishAsync(marker, 'end', { qos: 1 });
    await waitFor(() => packets.some((p) => p.topic === marker), 'the marker');
    return packets.slice(
      0,
      packets.findIndex((p) => p.topic === marker),
    );
  } finally {
    await client.endAsync(true);
  }
}

/** The retained state as `{ topic: payload }`, every message of it retained. */
async function retainedByTopic(broker: Mosquitto): Promise<Record<string, any>> {
  const packets = await retainedState(broker);
  expect(packets.map((p) => p.retain)).to.not.include(false);
  return Object.fromEntries(packets.map((p) => [p.topic, JSON.parse(p.payload.toString())]));
}

/** Resolves as `promise` does; fails after `ms` naming `what` (for a wait that would otherwise hang). */
const within = <T>(ms: number, promise: Promise<T>, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
};

const mqttHealth = async (h: WsHub): Promise<ComponentHealth> => {
  const ready = (await (await fetch(`${h.hub.url}/readyz`)).json()) as { components: ComponentHealth[] };
  return ready.components.find((c) => c.name === 'MQTT')!;
};

const untilHealth = (h: WsHub, state: ComponentHealth['state']) => waitFor(async () => (await mqttHealth(h)).state === state, `MQTT ${state} in /readyz`);

const cached = async (h: WsHub): Promise<Record<string, { value: unknown; id: number | null }>> =>
  ((await (await fetch(`${h.hub.url}/api/trigger-status`)).json()) as { triggers: Record<string, { value: unknown; id: number | null }> }).triggers;

const postEvent = (h: WsHub, body: unknown) =>
  fetch(`${h.hub.url}/api/trigger-event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function registerLines(h: WsHub, fields: string[]): Promise<LineServer> {
  const service = await startLineServer();
  services.push(service);
  const registered = await h.api('POST', '/api/register', { name: 'Lines', host: '127.0.0.1', port: service.port, protocol: 'TCP_SOCKET', fields });
  expect(registered.status, JSON.stringify(registered.body)).to.equal(200);
  return service;
}

describe('MQTT: Haven as a client of a real mosquitto broker', function () {
  requirePeers('mosquitto', 'mosquitto-clients');
  let h: WsHub | undefined;
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await h?.stop();
    h = undefined;
    await Promise.all(services.splice(0).map((s) => s.close()));
    await Promise.all(brokers.splice(0).map((b) => b.remove()));
  });

  it('mosquitto_pub (QoS 1, QoS 0, MQTT 5, JSON) and HTTP reach a TCP service and a WebSocket panel with one gap-free seq', async () => {
    const broker = await createMosquitto();
    await broker.start();
    h = await startWsHub(asClientOf(broker));
    const service = await registerLines(h, ['seq', 'source']);
    const panel = await h.login(h.adminToken);

    await pub(broker, 'haven/trigger/Stage/Mode', 'intro', 1);
    await service.waitForLines(1);
    await postEvent(h, { name: 'Dial.Number', value: 3 });
    await service.waitForLines(2);
    await pub(broker, 'haven/trigger/Fog/Burst', null, 0);
    await service.waitForLines(3);
    await pub(broker, 'haven/trigger/Flame/Intensity', '{"value":42.5,"id":17}', 1);
    await service.waitForLines(4);
    await pub(broker, 'haven/trigger/RedTelephone/Button_1', 'On', 1, '-V', 'mqttv5');
    await service.waitForLines(5);
    await pub(broker, 'haven/trigger/Stage/Mode', 'finale', 0);

    const lines = (await service.waitForLines(6)).map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.name, l.value, l.source])).to.deep.equal([
      ['Stage.Mode', 'intro', 'MQTT'],
      ['Dial.Number', 3, 'HTTP'],
      ['Fog.Burst', null, 'MQTT'],
      ['Flame.Intensity', 42.5, 'MQTT'],
      ['RedTelephone.Button_1', 'On', 'MQTT'],
      ['Stage.Mode', 'finale', 'MQTT'],
    ]);
    expect(lines[3].id).to.equal(17);
    const seqs = lines.map((l) => l.seq);
    expect(seqs).to.deep.equal(Array.from({ length: 6 }, (_, i) => seqs[0] + i));
    await panel.waitFor((m) => m.type === 'trigger' && m.seq === seqs[5], 'the last seq at the panel');
    const atPanel = panel.ofType('trigger');
    expect(atPanel.map((m) => m.seq)).to.deep.equal(seqs);
    expect(atPanel.map((m) => m.data.source)).to.deep.equal(['MQTT', 'HTTP', 'MQTT', 'MQTT', 'MQTT', 'MQTT']);
  });

  it('publishes each accepted event on haven/event as the TCP line (QoS 1, MQTT 5 expiry = max age), and each state retained on haven/state', async () => {
    const broker = await createMosquitto();
    await broker.start();
    h = await startWsHub(asClientOf(broker));
    const service = await registerLines(h, ['seq']);
    const events = await subscriber(broker, 'haven/event/#');

    await h.fire('Stage.Mode', 'intro');
    await h.fire('Flame.Intensity', 42.5, 17);
    await h.fire('Fog.Burst');
    await h.fire('RedTelephone.Button_1', 'On');
    await h.fire('Stage.Mode', 'finale');

    const lines = await service.waitForLines(5);
    await waitFor(() => events.packets.length >= 5, '5 events at the MQTT subscriber');
    // The service's lines, as received without their newline.
    expect(events.packets.map((p) => p.payload.toString())).to.deep.equal(lines);
    expect(events.packets.map((p) => p.topic)).to.deep.equal([
      'haven/event/Stage/Mode',
      'haven/event/Flame/Intensity',
      'haven/event/Fog/Burst',
      'haven/event/RedTelephone/Button_1',
      'haven/event/Stage/Mode',
    ]);
    // services.max_age_ms 2000 → 2 s; the broker forwards at once, so none of it has run down.
    expect(events.packets.map((p) => p.properties?.messageExpiryInterval)).to.deep.equal([2, 2, 2, 2, 2]);
    expect(events.packets.map((p) => [p.qos, p.retain])).to.deep.equal(Array(5).fill([1, false]));

    // A device connecting afterwards learns each trigger's last state (a OneShot has none).
    const last = (name: string) => JSON.parse(lines.filter((l) => JSON.parse(l).name === name).pop()!);
    const expected = {
      'haven/state/Stage/Mode': last('Stage.Mode'),
      'haven/state/Flame/Intensity': last('Flame.Intensity'),
      'haven/state/RedTelephone/Button_1': last('RedTelephone.Button_1'),
    };
    let state: Record<string, any> = {};
    await waitFor(async () => Object.keys((state = await retainedByTopic(broker))).length >= 3, 'three retained states');
    expect(state).to.deep.equal(expected);
  });

  it('refuses an invalid value and an unknown trigger on haven/error/<topic>, and keeps serving', async () => {
    const broker = await createMosquitto();
    await broker.start();
    h = await startWsHub(asClientOf(broker));
    const errors = await subscriber(broker, 'haven/error/#');

    await pub(broker, 'haven/trigger/Dial/Number', '42', 1);
    await pub(broker, 'haven/trigger/No/Such', '1', 1);
    await pub(broker, 'haven/trigger/Dial/Number', '{"value":4,"id":9}', 1);
    await waitFor(async () => (await cached(h!))['Dial.Number']?.value === 4, 'Dial.Number 4 in the cache');
    await waitFor(() => errors.packets.length >= 2, 'two errors');

    expect(errors.packets.map((p) => p.topic)).to.deep.equal(['haven/error/haven/trigger/Dial/Number', 'haven/error/haven/trigger/No/Such']);
    const [invalid, unknown] = errors.packets.map((p) => JSON.parse(p.payload.toString()));
    expect(invalid).to.include({ reason: 'invalid_value', topic: 'haven/trigger/Dial/Number', name: 'Dial.Number' });
    expect(unknown).to.include({ reason: 'unknown_trigger', topic: 'haven/trigger/No/Such', name: 'No.Such' });
    expect(invalid.message).to.be.a('string').and.not.empty;
    expect(errors.packets.map((p) => p.qos)).to.deep.equal([0, 0]);
    expect((await cached(h))['Dial.Number']).to.include({ value: 4, id: 9 });
  });

  it('decides a device’s will on a trigger topic, which the broker publishes when the device’s connection is lost', async () => {
    const broker = await createMosquitto();
    await broker.start();
    h = await startWsHub(asClientOf(broker));
    await untilHealth(h, 'ok');
    await pub(broker, 'haven/status/Door/Sensor', 'On', 1);
    await waitFor(async () => (await cached(h!))['Door.Sensor']?.value === 'On', 'Door.Sensor On');
    const device = await connectAsync(broker.url, {
      protocolVersion: 5,
      clientId: `door-${randomUUID().slice(0, 8)}`,
      reconnectPeriod: 0,
      will: { topic: 'haven/status/Door/Sensor', payload: Buffer.from('Off'), qos: 1, retain: false },
    });
    clients.push(device);
    device.stream.destroy();
    await waitFor(async () => (await cached(h!))['Door.Sensor']?.value === 'Off', 'the will decided');
  });

  it('never fires a retained message on an input topic, at the first start or after a restart', async () => {
    const broker = await createMosquitto();
    await broker.start();
    // A device (Tasmota with PowerRetain, a script with -r) left a trigger retained at the broker.
    await pub(broker, 'haven/trigger/Stage/Power', 'ON', 1, '-r');
    for (let round = 1; round <= 2; round++) {
      const dataDir: string | undefined = round === 2 ? h!.hub.config.storage.data_dir : undefined;
      if (h) await h.hub.stop({ keepData: true });
      h = await startWsHub(asClientOf(broker), dataDir ? { dataDir } : {});
      await untilHealth(h, 'ok');
      // A live trigger after it: once it is in, anything the broker sent before it has been decided.
      await pub(broker, 'haven/trigger/Dial/Number', String(round), 1);
      await waitFor(async () => (await cached(h!))['Dial.Number']?.value === round, `Dial.Number ${round}`);
      expect((await cached(h))['Stage.Power'], `round ${round}`).to.equal(undefined);
      expect(h.hub.runtime.lastSeq()).to.equal(round);
    }
  });

  it('keeps its session while away: a trigger received but not yet decided, and one published while Haven is down, are delivered at restart', async () => {
    const broker = await createMosquitto();
    await broker.start();
    // The first Haven receives MQTT inputs but never decides them, as if it stopped mid-decision.
    const held: string[] = [];
    const first = await startWsHub(asClientOf(broker), {
      components: (config, deps) =>
        createComponents(config, {
          ...deps,
          report: (input) => (input.source === 'MQTT' ? (held.push(String(input.value)), new Promise(() => undefined)) : deps.report(input)),
        }),
    });
    h = first;
    await untilHealth(first, 'ok');
    await pub(broker, 'haven/trigger/Stage/Mode', 'intro', 1);
    await waitFor(() => held.length === 1, 'the first Haven to receive Stage.Mode intro');
    expect(held).to.deep.equal(['intro']);
    const dataDir = first.hub.config.storage.data_dir;
    h = undefined;
    await first.stop({ keepData: true });

    await pub(broker, 'haven/trigger/Stage/Mode', 'finale', 1);

    h = await startWsHub(asClientOf(broker), { dataDir });
    const panel = await h.login(h.adminToken, 0);
    await panel.waitFor((m) => m.type === 'trigger' && m.data.value === 'finale', 'finale at the panel');
    expect(panel.ofType('trigger').map((m) => [m.data.name, m.data.value, m.data.source])).to.deep.equal([
      ['Stage.Mode', 'intro', 'MQTT'],
      ['Stage.Mode', 'finale', 'MQTT'],
    ]);
    expect((await cached(h))['Stage.Mode'].value).to.equal('finale');
  });

  it('acknowledges no delivery it could not store: it reconnects once for a burst, the broker delivers them again, each is stored once; a final refusal is acknowledged', async () => {
    const broker = await createMosquitto();
    await broker.start();
    const disk = faultyEventLog();
    const logged: string[] = [];
    h = await startWsHub(asClientOf(broker), { eventLog: disk.eventLog, log: createLogger('Haven', 'info', renderInto(logged)) });
    await untilHealth(h, 'ok');
    const errors = await subscriber(broker, 'haven/error/#');
    const device = await connectAsync(broker.url, { protocolVersion: 5, clientId: `device-${randomUUID().slice(0, 8)}`, reconnectPeriod: 0 });
    clients.push(device);
    const refusedOn = (topic: string) => errors.packets.filter((p) => p.topic === `haven/error/${topic}`).map((p) => JSON.parse(p.payload.toString()).reason);
    const mqttLines = (text: string) => logged.filter((l) => l.includes('[MQTT]') && l.includes(text));
    const dataDir = h.hub.config.storage.data_dir;
    const stored = () => readNew(journalDir(dataDir), { offset: 0, lastSeq: 0 }).events.map((e) => `${e.name}=${e.value}`);

    await pub(broker, 'haven/trigger/No/Such', '1', 1);
    await waitFor(() => refusedOn('haven/trigger/No/Such').length === 1, 'the final refusal');
    disk.faults.writeFails = true;
    // A burst, each publish acknowledged by the broker: three deliveries Haven cannot store.
    await Promise.all([
      device.publishAsync('haven/trigger/Stage/Mode', 'finale', { qos: 1 }),
      device.publishAsync('haven/trigger/Dial/Number', '4', { qos: 1 }),
      device.publishAsync('haven/trigger/Flame/Intensity', '10', { qos: 1 }),
    ]);
    await waitFor(() => mqttLines('delivers again').length > 0, 'Haven to drop its connection for the redelivery');
    disk.faults.writeFails = false;
    await waitFor(() => refusedOn('haven/trigger/Stage/Mode').length > 0, 'the refusal on haven/error');
    expect(refusedOn('haven/trigger/Stage/Mode')[0]).to.equal('not_stored');
    await waitFor(() => stored().length === 3, 'the three redelivered and stored');
    expect(stored()).to.deep.equal(['Stage.Mode=finale', 'Dial.Number=4', 'Flame.Intensity=10']);
    // One reconnect for the burst, told as such (not "lost the broker").
    expect(mqttLines('delivers again').filter((l) => l.includes(' WARN '))).to.have.length(1);
    expect(mqttLines('lost the MQTT broker')).to.deep.equal([]);
    expect(mqttLines('connected to the MQTT broker')).to.have.length(2);
    await untilHealth(h, 'ok');

    // Nothing left unacknowledged in Haven's session: a new Haven on the same session and data gets only the next trigger.
    await h.stop({ keepData: true });
    h = await startWsHub(asClientOf(broker), { dataDir });
    await untilHealth(h, 'ok');
    await pub(broker, 'haven/trigger/Dial/Number', '5', 1);
    await waitFor(async () => (await cached(h!))['Dial.Number']?.value === 5, 'the next trigger');
    expect(stored()).to.deep.equal(['Stage.Mode=finale', 'Dial.Number=4', 'Flame.Intensity=10', 'Dial.Number=5']);
    expect(refusedOn('haven/trigger/No/Such'), 'the final refusal was acknowledged, never delivered again').to.deep.equal(['unknown_trigger']);
  });

  it('after the broker restarts (losing its retained store), reconnects and publishes the state again', async () => {
    const broker = await createMosquitto();
    await broker.start();
    const logged: string[] = [];
    h = await startWsHub(asClientOf(broker), { log: createLogger('Haven', 'warn', renderInto(logged)) });
    await h.fire('Stage.Mode', 'intro');
    await h.fire('Flame.Intensity', 42.5, 17);
    await untilHealth(h, 'ok');

    await broker.kill();
    await untilHealth(h, 'degraded');
    expect((await mqttHealth(h)).detail).to.include(`reaching ${broker.url}`);
    const ready = await fetch(`${h.hub.url}/readyz`);
    expect(ready.status).to.equal(200);
    expect(((await ready.json()) as { status: string }).status).to.equal('degraded');

    await broker.start();
    await untilHealth(h, 'ok');
    let state: Record<string, any> = {};
    await waitFor(async () => Object.keys((state = await retainedByTopic(broker))).length >= 2, 'the state retained again');
    expect(Object.keys(state).sort()).to.deep.equal(['haven/state/Flame/Intensity', 'haven/state/Stage/Mode']);
    expect(state['haven/state/Stage/Mode']).to.include({ name: 'Stage.Mode', value: 'intro' });
    expect(state['haven/state/Flame/Intensity']).to.include({ name: 'Flame.Intensity', value: 42.5, id: 17 });
    // And it reads triggers again: the session's subscriptions went with the broker, Haven made them anew.
    await pub(broker, 'haven/trigger/Stage/Mode', 'finale', 1);
    await waitFor(async () => (await cached(h!))['Stage.Mode']?.value === 'finale', 'Stage.Mode finale in the cache');
    // The loss was worth a warning; the deliberate stop is not.
    const hub = h;
    h = undefined;
    await hub.stop();
    const warnings = logged.filter((l) => l.includes('[MQTT]'));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('lost the MQTT broker');
  });

  it('starts while the broker is down (degraded, serving HTTP) and connects once it is up', async () => {
    const broker = await createMosquitto();
    h = await startWsHub(asClientOf(broker, { connect_timeout_ms: 300 }));
    const health = await mqttHealth(h);
    expect(health.state).to.equal('degraded');
    expect(health.detail).to.include(`reaching ${broker.url}`);
    expect((await postEvent(h, { name: 'Stage.Mode', value: 'intro' })).status).to.equal(200);

    await broker.start();
    await untilHealth(h, 'ok');
    let state: Record<string, any> = {};
    await waitFor(async () => Object.keys((state = await retainedByTopic(broker))).length >= 1, 'the state retained');
    expect(state['haven/state/Stage/Mode']).to.include({ name: 'Stage.Mode', value: 'intro' });
    await pub(broker, 'haven/trigger/Stage/Mode', 'finale', 1);
    await waitFor(async () => (await cached(h!))['Stage.Mode']?.value === 'finale', 'Stage.Mode finale in the cache');
  });

  it('stops within its grace while its publishes wait for a broker that is away or silent', async () => {
    for (const away of [true, false]) {
      const broker = await createMosquitto();
      await broker.start();
      const hub = await startWsHub(asClientOf(broker));
      h = hub;
      await untilHealth(hub, 'ok');
      broker.freeze();
      // Committed before fire resolves, so its event and state are in flight, never acknowledged.
      await hub.fire('Stage.Mode', 'intro');
      if (away) {
        await broker.kill();
        await untilHealth(hub, 'degraded');
      }
      h = undefined;
      await within(2000, hub.stop(), `the hub to stop, the broker ${away ? 'away' : 'silent'}`);
    }
  });
});
