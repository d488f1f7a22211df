import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { promisify } from 'node:util';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { createApiKeys } from '../../../src/keys/apiKeys';
import { journalDir } from '../../../src/eventLog/openEventLog';
import { heldEventLog } from '../../helpers/heldEventLog';
import { faultyEventLog } from './faultyEventLog';
import { readNew } from '../../../src/eventLog/logFollower';
import type { MqttComponent } from '../../../src/mqtt/mqttComponent';
import { createClock } from '../../../src/runtime/clock';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import { parseMetrics, samplesOf } from '../../helpers/metricsText';
import { requirePeers } from '../../helpers/peers';
import { waitFor } from '../../helpers/waitFor';
import { startWsHub, type WsHub } from '../websocket/wsHarness';

const run = promisify(execFile);
const ON = { mqtt: { enabled: true } };

/** One message as a subscriber got it. */
interface Got {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

/** An MQTT 3.1.1 packet: fixed header byte, remaining length (one byte here: short packets), body. */
const packet = (header: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([header, body.length]), body]);
const utf8Field = (s: string): Buffer => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s)]);
/** CONNECT, MQTT 3.1.1, keep-alive 60 s; `clean` off keeps the session (and so its QoS 2 packet ids) across connections. */
const connectPacket = (clientId: string, clean: boolean): Buffer =>
  packet(0x10, Buffer.concat([utf8Field('MQTT'), Buffer.from([4, clean ? 0x02 : 0, 0, 60]), utf8Field(clientId)]));
/** PUBLISH with QoS `qos` (and DUP) and packet id `id`. */
const rawPublish = (topic: string, payload: string, qos: 1 | 2, id: number, dup = false): Buffer =>
  packet(0x30 | (dup ? 0x08 : 0) | (qos << 1), Buffer.concat([utf8Field(topic), Buffer.from([id >> 8, id & 0xff]), Buffer.from(payload)]));

/**
 * A device speaking raw MQTT, so that several packets go out in one TCP write and a DUP is sent
 * when the test says; records [type, id] of what comes back, and whether the hub closed the connection.
 */
async function rawDevice(port: number, { clientId = 'raw-device', clean = true } = {}) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  const got: Array<[number, number]> = [];
  let buffered = Buffer.alloc(0);
  socket.on('data', (c: Buffer) => {
    buffered = Buffer.concat([buffered, c]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered[1]) {
      const type = buffered[0] >> 4;
      got.push([type, buffered[1] >= 2 ? buffered.readUInt16BE(2) : 0]);
      buffered = buffered.subarray(2 + buffered[1]);
    }
  });
  socket.write(connectPacket(clientId, clean));
  await waitFor(() => got.some(([type]) => type === 2), 'the CONNACK');
  return { socket, got: () => got.filter(([type]) => type !== 2), closed: () => closed };
}

/** PUBREC: the packet type that acknowledges a QoS 2 publish. */
const PUBREC = 5;
/** PUBCOMP: the broker's last packet of a QoS 2 exchange, answering the client's PUBREL. */
const PUBCOMP = 7;
/** PUBREL for packet id `id`: the client's end of a QoS 2 exchange, after which it may use the id again. */
const rawPubrel = (id: number): Buffer => Buffer.from([0x62, 2, id >> 8, id & 0xff]);

describe('MQTT on the embedded broker, against mosquitto_pub and mosquitto_sub', function () {
  requirePeers('mosquitto-clients');
  let h: WsHub | undefined;
  const services: LineServer[] = [];
  const clients: MqttClient[] = [];
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.destroy());
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await h?.stop();
    h = undefined;
    await Promise.all(services.splice(0).map((s) => s.close()));
  });
  const port = () => h!.hub.component<MqttComponent>('MQTT').address()!.port;
  /** The cache as GET /api/trigger-status shows it. */
  const cached = async (): Promise<Record<string, { value: unknown }>> => (await h!.api('GET', '/api/trigger-status')).body.triggers;
  const valueOf = async (name: string) => (await cached())[name]?.value;

  /** mosquitto_pub: one publish, `message` null for an empty payload. */
  const pub = (topic: string, message: string | null, qos: 0 | 1 = 1, extra: string[] = []) =>
    run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port()), '-q', String(qos), '-t', topic, ...(message === null ? ['-n'] : ['-m', message]), ...extra]);

  /** mosquitto_sub: the first `count` messages on `topic` (retained ones included), `topic payload` each. */
  const subOnce = async (topic: string, count: number): Promise<string[]> =>
    (await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port()), '-t', topic, '-v', '-C', String(count), '-W', '5'])).stdout.trim().split('\n');

  /** An mqtt.js client subscribed (SUBACK received) to `topic`, recording what it gets. */
  async function subscriber(topic: string, options: IClientOptions = {}): Promise<{ client: MqttClient; got: Got[] }> {
    const client = await connectAsync(`mqtt://127.0.0.1:${port()}`, { protocolVersion: 4, reconnectPeriod: 0, ...options });
    clients.push(client);
    const got: Got[] = [];
    client.on('message', (t, payload, packet) => got.push({ topic: t, payload: payload.toString(), retain: packet.retain }));
    await client.subscribeAsync(topic, { qos: 1 });
    return { client, got };
  }

  async function registerLines(name: string, fields: string[]): Promise<LineServer> {
    const service = await startLineServer();
    services.push(service);
    const registered = await h!.api('POST', '/api/register', { name, host: '127.0.0.1', port: service.port, protocol: 'TCP_SOCKET', fields });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(200);
    return service;
  }

  it('a publish of each QoS and payload form, beside HTTP, reaches a TCP service and a WebSocket client with one gap-free seq; a subscriber gets what the TCP service gets', async () => {
    h = await startWsHub(ON);
    const lines = await registerLines('Lines', ['seq', 'source']);
    const plain = await registerLines('Plain', ['seq']);
    const panel = await h.login(h.adminToken);
    const events = await subscriber('haven/event/#');

    await pub('haven/trigger/Stage/Mode', 'intro', 1);
    await lines.waitForLines(1);
    await fetch(`${h.hub.url}/api/trigger-event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Dial.Number', value: 3 }),
    });
    await lines.waitForLines(2);
    await pub('haven/trigger/Flame/Intensity', '{"value":42.5,"id":17}', 0);
    await lines.waitForLines(3);
    await pub('haven/trigger/Fog/Burst', null, 1);
    await lines.waitForLines(4);
    await pub('haven/trigger/RedTelephone/Button_1', 'ON', 1);

    const got = (await lines.waitForLines(5)).map((l) => JSON.parse(l));
    expect(got.map((l) => [l.name, l.value, l.source])).to.deep.equal([
      ['Stage.Mode', 'intro', 'MQTT'],
      ['Dial.Number', 3, 'HTTP'],
      ['Flame.Intensity', 42.5, 'MQTT'],
      ['Fog.Burst', null, 'MQTT'],
      ['RedTelephone.Button_1', 'On', 'MQTT'],
    ]);
    expect(got[2].id).to.equal(17);
    const seqs = got.map((l) => l.seq);
    expect(seqs).to.deep.equal(Array.from({ length: 5 }, (_, i) => seqs[0] + i));
    await panel.waitFor((m) => m.type === 'trigger' && m.seq === seqs[4], 'the last seq at the panel');
    expect(panel.messages.filter((m) => m.type === 'trigger').map((m) => m.seq)).to.deep.equal(seqs);

    // The MQTT target: every accepted event (HTTP's too), byte for byte the TCP service's line.
    const plainLines = await plain.waitForLines(5);
    await waitFor(() => events.got.length >= 5, 'five events at the subscriber');
    expect(events.got.map((m) => m.topic)).to.deep.equal([
      'haven/event/Stage/Mode',
      'haven/event/Dial/Number',
      'haven/event/Flame/Intensity',
      'haven/event/Fog/Burst',
      'haven/event/RedTelephone/Button_1',
    ]);
    expect(events.got.map((m) => m.payload)).to.deep.equal(plainLines);
    expect(events.got.every((m) => !m.retain)).to.equal(true);
  });

  it('acknowledges a QoS 1 publish only once the event log has stored it', async () => {
    // An event log whose writes wait to be let through, so "decided but not stored" lasts.
    const { held, eventLog } = heldEventLog();
    h = await startWsHub(ON, { eventLog });
    const client = await connectAsync(`mqtt://127.0.0.1:${port()}`, { protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(client);
    const dir = journalDir(h.hub.config.storage.data_dir);
    let storedAtAck: string[] | undefined;
    client.publish('haven/trigger/Stage/Mode', 'finale', { qos: 1 }, () => {
      storedAtAck = readNew(dir, { offset: 0, lastSeq: 0 }).events.map((e) => `${e.name}=${e.value}`);
    });
    await waitFor(() => held.length === 1, 'the write to be held');
    // A round trip of another client: a PUBACK already sent would have arrived by now.
    await subscriber('haven/event/#');
    expect(storedAtAck).to.equal(undefined);
    held[0]();
    await waitFor(() => storedAtAck !== undefined, 'the PUBACK');
    expect(storedAtAck).to.deep.equal(['Stage.Mode=finale']);
  });

  it('acknowledges publishes that came together in the order they came, a refusal after an acceptance still being stored', async () => {
    const { held, eventLog } = heldEventLog();
    h = await startWsHub(ON, { eventLog });
    const device = await rawDevice(port());
    sockets.push(device.socket);
    // One TCP write: an accepted publish (its write held), then one refused at once (not a listed value).
    device.socket.write(Buffer.concat([rawPublish('haven/trigger/Stage/Mode', 'intro', 1, 1), rawPublish('haven/trigger/Stage/Mode', 'nope', 1, 2)]));
    await waitFor(() => held.length === 1, 'the write to be held');
    await subscriber('haven/event/#'); // a round trip: a PUBACK already sent would be here
    expect(device.got()).to.deep.equal([]);
    held[0]();
    await waitFor(() => device.got().length === 2, 'both PUBACKs');
    expect(device.got()).to.deep.equal([
      [4, 1],
      [4, 2],
    ]);
  });

  it('decides a QoS 2 publish once, however often it is sent again before its PUBREL (DUP flag or not), and a publish reusing the id after it anew', async () => {
    h = await startWsHub(ON);
    const device = await rawDevice(port());
    sockets.push(device.socket);
    device.socket.write(rawPublish('haven/trigger/Fog/Burst', '', 2, 7));
    await waitFor(() => device.got().length === 1, 'the PUBREC');
    // The PUBREC was lost, as far as the device knows: it sends the publish again, flagged DUP or,
    // as mqtt.js does, not.
    device.socket.write(rawPublish('haven/trigger/Fog/Burst', '', 2, 7, true));
    await waitFor(() => device.got().length === 2, 'the second PUBREC');
    device.socket.write(rawPublish('haven/trigger/Fog/Burst', '', 2, 7));
    await waitFor(() => device.got().length === 3, 'the third PUBREC');
    expect(device.got()).to.deep.equal([
      [PUBREC, 7],
      [PUBREC, 7],
      [PUBREC, 7],
    ]);
    expect(h.hub.runtime.lastSeq()).to.equal(1);
    // Its exchange ends; a new publish reusing the id is a new trigger, even flagged DUP.
    device.socket.write(rawPubrel(7));
    await waitFor(() => device.got().length === 4, 'the PUBCOMP');
    expect(device.got()[3]).to.deep.equal([PUBCOMP, 7]);
    device.socket.write(rawPublish('haven/trigger/Fog/Burst', '', 2, 7, true));
    await waitFor(() => h!.hub.runtime.lastSeq() === 2, 'the new publish');
    await waitFor(() => device.got().length === 5, 'its PUBREC');
  });

  describe('acknowledged means stored: a publish the event log could not write', () => {
    const stored = () => readNew(journalDir(h!.hub.config.storage.data_dir), { offset: 0, lastSeq: 0 }).events.map((e) => `${e.name}=${e.value}`);

    it('QoS 1: gets no PUBACK, its connection is dropped, and the client’s resend after reconnecting is stored once', async () => {
      const disk = faultyEventLog();
      h = await startWsHub(ON, { eventLog: disk.eventLog });
      const errors = await subscriber('haven/error/#');
      disk.faults.writeFails = true;
      // mqtt.js sends every unacknowledged QoS 1 publish again when it reconnects.
      const device = await connectAsync(`mqtt://127.0.0.1:${port()}`, { protocolVersion: 4, clientId: 'door', clean: false, reconnectPeriod: 50 });
      clients.push(device);
      let closes = 0;
      device.on('close', () => closes++);
      let storedAtAck: string[] | undefined;
      device.publish('haven/trigger/Stage/Mode', 'finale', { qos: 1 }, () => (storedAtAck = stored()));
      await waitFor(() => closes > 0, 'the hub to drop the connection');
      expect(storedAtAck, 'no PUBACK for what was not stored').to.equal(undefined);
      await waitFor(() => errors.got.length > 0, 'the refusal on haven/error');
      expect(JSON.parse(errors.got[0].payload)).to.include({ reason: 'not_stored', name: 'Stage.Mode' });

      disk.faults.writeFails = false;
      await waitFor(() => storedAtAck !== undefined, 'the PUBACK of the resend');
      expect(storedAtAck).to.deep.equal(['Stage.Mode=finale']);
      expect(h.hub.runtime.lastSeq()).to.equal(1);
      expect(await valueOf('Stage.Mode')).to.equal('finale');
    });

    it('QoS 2: a resend (DUP) of a publish not stored is decided anew and stored; a DUP of one stored is answered, not decided again', async () => {
      const disk = faultyEventLog();
      h = await startWsHub(ON, { eventLog: disk.eventLog });
      disk.faults.writeFails = true;
      const first = await rawDevice(port(), { clientId: 'fog', clean: false });
      sockets.push(first.socket);
      first.socket.write(rawPublish('haven/trigger/Stage/Mode', 'intro', 2, 42));
      await waitFor(() => first.closed(), 'the hub to drop the connection');
      expect(first.got(), 'no PUBREC for what was not stored').to.deep.equal([]);
      expect(disk.appended()).to.equal(1);

      disk.faults.writeFails = false;
      const again = await rawDevice(port(), { clientId: 'fog', clean: false });
      sockets.push(again.socket);
      again.socket.write(rawPublish('haven/trigger/Stage/Mode', 'intro', 2, 42, true));
      await waitFor(() => again.got().length === 1, 'the PUBREC');
      expect(again.got()).to.deep.equal([[PUBREC, 42]]);
      expect([disk.appended(), h.hub.runtime.lastSeq()]).to.deep.equal([2, 1]);
      expect(stored()).to.deep.equal(['Stage.Mode=intro']);
      // Its PUBREC lost, as far as the device knows: the same DUP again.
      again.socket.write(rawPublish('haven/trigger/Stage/Mode', 'intro', 2, 42, true));
      await waitFor(() => again.got().length === 2, 'the second PUBREC');
      expect([disk.appended(), h.hub.runtime.lastSeq()]).to.deep.equal([2, 1]);
    });

    it('QoS 2: a DUP of a publish still being stored waits for it: answered once it is stored, decided anew if it was not', async () => {
      const disk = faultyEventLog();
      h = await startWsHub(ON, { eventLog: disk.eventLog });
      disk.faults.hold = true;
      for (const [id, originalStored, dup] of [
        [7, true, true],
        [8, false, true],
        // mqtt.js sends it again without the DUP flag: the id in use says it is a resend.
        [9, true, false],
      ] as const) {
        const clientId = `fog-${id}`;
        const appendedBefore = disk.appended();
        const heldBefore = disk.held.length;
        const seqBefore = h.hub.runtime.lastSeq();
        const first = await rawDevice(port(), { clientId, clean: false });
        sockets.push(first.socket);
        first.socket.write(rawPublish('haven/trigger/Fog/Burst', '', 2, id));
        await waitFor(() => disk.held.length === heldBefore + 1, `the write of ${id} to be held`);
        // The link drops while the write waits; the device sends the publish again on a new connection.
        first.socket.destroy();
        const again = await rawDevice(port(), { clientId, clean: false });
        sockets.push(again.socket);
        again.socket.write(rawPublish('haven/trigger/Fog/Burst', '', 2, id, dup));
        await subscriber('haven/event/#'); // a round trip: a PUBREC already sent would be here
        expect(again.got(), `no PUBREC for ${id} before its original is stored`).to.deep.equal([]);
        expect(disk.appended(), 'the DUP waits, undecided').to.equal(appendedBefore + 1);

        disk.faults.writeFails = !originalStored;
        disk.held[heldBefore]();
        if (!originalStored) {
          // Not stored: the DUP is decided anew, and its own write is held in turn.
          await waitFor(() => disk.held.length === heldBefore + 2, `the DUP of ${id} to be decided anew`);
          await subscriber('haven/event/#');
          expect(again.got(), `no PUBREC for ${id} before the DUP is stored`).to.deep.equal([]);
          disk.faults.writeFails = false;
          disk.held[heldBefore + 1]();
        }
        await waitFor(() => again.got().length === 1, `the PUBREC of ${id}`);
        expect(again.got()).to.deep.equal([[PUBREC, id]]);
        expect(h.hub.runtime.lastSeq(), `${id} stored once`).to.equal(seqBefore + 1);
        expect(disk.appended()).to.equal(appendedBefore + (originalStored ? 1 : 2));
      }
      expect(stored()).to.deep.equal(['Fog.Burst=null', 'Fog.Burst=null', 'Fog.Burst=null']);
    });

    it('QoS 1 publishes that came together: each stored one is acknowledged in order, the one not stored is not, and the connection goes after them', async () => {
      const disk = faultyEventLog();
      h = await startWsHub(ON, { eventLog: disk.eventLog });
      const errors = await subscriber('haven/error/#');
      disk.faults.hold = true;
      const device = await rawDevice(port());
      sockets.push(device.socket);
      // One TCP write: three publishes, each decided at once, their writes held.
      device.socket.write(
        Buffer.concat([
          rawPublish('haven/trigger/Stage/Mode', 'intro', 1, 1),
          rawPublish('haven/trigger/Dial/Number', '3', 1, 2),
          rawPublish('haven/trigger/Fog/Burst', '', 1, 3),
        ]),
      );
      await waitFor(() => disk.held.length === 3, 'the three writes to be held');
      disk.held[0]();
      await waitFor(() => device.got().length === 1, 'the first PUBACK');
      disk.faults.writeFails = true;
      disk.held[1]();
      await waitFor(() => errors.got.length === 1, 'the second one refused');
      expect(JSON.parse(errors.got[0].payload)).to.include({ reason: 'not_stored', name: 'Dial.Number' });
      disk.faults.writeFails = false;
      disk.held[2]();
      await waitFor(() => device.closed(), 'the hub to drop the connection');
      expect(device.got(), 'the third, stored, is acknowledged before the connection goes').to.deep.equal([
        [4, 1],
        [4, 3],
      ]);
      expect(stored()).to.deep.equal(['Stage.Mode=intro', 'Fog.Burst=null']);
    });

    it('a final refusal is acknowledged at each QoS, and a QoS 0 publisher is never dropped for what was not stored (it learns it on haven/error)', async () => {
      const disk = faultyEventLog();
      h = await startWsHub(ON, { eventLog: disk.eventLog });
      const errors = await subscriber('haven/error/#');
      const device = await connectAsync(`mqtt://127.0.0.1:${port()}`, { protocolVersion: 4, clientId: 'panel', clean: false, reconnectPeriod: 0 });
      clients.push(device);
      let closes = 0;
      device.on('close', () => closes++);
      // Resolves on the PUBACK (QoS 1) and the PUBCOMP (QoS 2, after the PUBREC).
      await device.publishAsync('haven/trigger/No/Such', '1', { qos: 1 });
      await device.publishAsync('haven/trigger/Stage/Mode', 'nope', { qos: 2 });
      disk.faults.writeFails = true;
      await device.publishAsync('haven/trigger/Stage/Mode', 'intro', { qos: 0 });
      await waitFor(() => errors.got.length === 3, 'three refusals');
      expect(errors.got.map((m) => JSON.parse(m.payload).reason)).to.deep.equal(['unknown_trigger', 'invalid_value', 'not_stored']);
      disk.faults.writeFails = false;
      await device.publishAsync('haven/trigger/Stage/Mode', 'finale', { qos: 1 });
      expect([closes, device.connected]).to.deep.equal([0, true]);
      expect(stored()).to.deep.equal(['Stage.Mode=finale']);
    });
  });

  it('keeps each trigger’s state retained, so a device that connects learns it, also after the hub restarts', async () => {
    h = await startWsHub(ON);
    await pub('haven/trigger/Stage/Mode', 'intro');
    await pub('haven/trigger/Flame/Intensity', '10');
    await pub('haven/trigger/Stage/Mode', 'finale');
    await pub('haven/status/Dial/Number', '5');
    await pub('haven/trigger/Fog/Burst', null);
    const expected = [
      ['haven/state/Dial/Number', 'Dial.Number', 5, 4],
      ['haven/state/Flame/Intensity', 'Flame.Intensity', 10, 2],
      ['haven/state/Stage/Mode', 'Stage.Mode', 'finale', 3],
    ];
    const states = (lines: string[]) =>
      lines
        .map((l) => {
          const [topic, json] = [l.slice(0, l.indexOf(' ')), JSON.parse(l.slice(l.indexOf(' ') + 1))];
          return [topic, json.name, json.value, json.seq];
        })
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    // A OneShot has no state: three retained messages, not four.
    expect(states(await subOnce('haven/state/#', 3))).to.deep.equal(expected);

    const dataDir = h.hub.config.storage.data_dir;
    await h.hub.stop({ keepData: true });
    h = await startWsHub(ON, { dataDir });
    // A new broker, empty: the states come from the hub's cache, rebuilt from the event log.
    expect(states(await subOnce('haven/state/#', 3))).to.deep.equal(expected);
  });

  it('decides a client’s will on a trigger topic when its connection is lost, as if it had published it then', async () => {
    h = await startWsHub(ON);
    await pub('haven/status/Door/Sensor', 'On');
    expect(await valueOf('Door.Sensor')).to.equal('On');
    const device = await connectAsync(`mqtt://127.0.0.1:${port()}`, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      will: { topic: 'haven/status/Door/Sensor', payload: Buffer.from('Off'), qos: 1, retain: false },
    });
    clients.push(device);
    // A closed connection without DISCONNECT: the broker publishes the will.
    device.stream.destroy();
    await waitFor(async () => (await valueOf('Door.Sensor')) === 'Off', 'the will decided');
  });

  it('publishes the value alone when publish.payload is value', async () => {
    h = await startWsHub({ mqtt: { enabled: true, publish: { payload: 'value' } } });
    const events = await subscriber('haven/event/#');
    await pub('haven/trigger/Stage/Mode', 'intro');
    await pub('haven/trigger/Flame/Intensity', '{"value":12.5}');
    await pub('haven/trigger/Fog/Burst', null);
    await waitFor(() => events.got.length >= 3, 'three events');
    expect(events.got.map((m) => [m.topic, m.payload])).to.deep.equal([
      ['haven/event/Stage/Mode', 'intro'],
      ['haven/event/Flame/Intensity', '12.5'],
      ['haven/event/Fog/Burst', 'null'],
    ]);
    expect(await subOnce('haven/state/Stage/Mode', 1)).to.deep.equal(['haven/state/Stage/Mode intro']);
  });

  it('answers each refusal on haven/error/<topic> with its reason, counts it, and keeps serving', async () => {
    h = await startWsHub({ ...ON, mqtt: { enabled: true, max_payload_bytes: 64 } });
    const errors = await subscriber('haven/error/#');
    await pub('haven/trigger/Stage/Mode', 'nope');
    await pub('haven/trigger/No/Such', '1');
    await pub('haven/trigger/Stage', 'intro');
    await pub('haven/trigger/Stage/Mode', '{"value":"intro",');
    await pub('haven/trigger/Stage/Mode', '{"value":"intro","extra":1}');
    await pub('haven/trigger/Flame/Intensity', 'x'.repeat(65));
    await pub('haven/trigger/Dial/Number', '{"value":4,"id":-1}');
    await run('bash', ['-c', `printf '\\xff\\xfe' | mosquitto_pub -h 127.0.0.1 -p ${port()} -q 1 -t haven/trigger/Stage/Mode -s`]);
    await pub('haven/trigger/Stage/Mode', 'intro');
    await waitFor(() => errors.got.length >= 8, 'eight errors');
    const said = errors.got.map((m) => ({ at: m.topic, ...JSON.parse(m.payload) }));
    expect(said.map((e) => [e.at, e.reason])).to.deep.equal([
      ['haven/error/haven/trigger/Stage/Mode', 'invalid_value'],
      ['haven/error/haven/trigger/No/Such', 'unknown_trigger'],
      ['haven/error/haven/trigger/Stage', 'unknown_topic'],
      ['haven/error/haven/trigger/Stage/Mode', 'bad_payload'],
      ['haven/error/haven/trigger/Stage/Mode', 'bad_payload'],
      ['haven/error/haven/trigger/Flame/Intensity', 'payload_too_large'],
      ['haven/error/haven/trigger/Dial/Number', 'bad_payload'],
      ['haven/error/haven/trigger/Stage/Mode', 'bad_payload'],
    ]);
    expect(said[0].message).to.match(/idle.*intro.*finale/);
    expect(said[0]).to.include({ name: 'Stage.Mode', topic: 'haven/trigger/Stage/Mode' });
    expect(said[4].message).to.match(/"extra"/);
    expect(said[7].message).to.match(/UTF-8/);
    // Still serving: the last, good publish is the cache's.
    await waitFor(async () => (await valueOf('Stage.Mode')) === 'intro', 'Stage.Mode = intro');
    const metrics = parseMetrics(await (await fetch(`${h.hub.url}/metrics`)).text());
    const count = (outcome: string) => samplesOf(metrics, 'haven_inputs_total', { source: 'MQTT', outcome }).reduce((n, s) => n + s.value, 0);
    expect([count('unknown_topic'), count('bad_payload'), count('payload_too_large')]).to.deep.equal([1, 4, 1]);
  });

  it('answers a publish to a topic of nearly 64 KiB on an error topic that is valid, cut to its first 1,024 characters', async () => {
    h = await startWsHub(ON);
    const errors = await subscriber('haven/error/#');
    const device = await connectAsync(`mqtt://127.0.0.1:${port()}`, { protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(device);
    const topic = `haven/trigger/A/${'x'.repeat(65_000)}`;
    await device.publishAsync(topic, 'On', { qos: 1 });
    await waitFor(() => errors.got.length === 1, 'the refusal');
    expect(errors.got[0].topic).to.equal(`haven/error/${topic.slice(0, 1024)}`);
    expect(JSON.parse(errors.got[0].payload)).to.include({ reason: 'unknown_topic', topic });
    expect(errors.client.connected, 'the subscriber of haven/error/# stays connected').to.equal(true);
  });

  it('reads topics of the map: a fixed value, the payload, or a field of a JSON payload (Tasmota, Shelly)', async () => {
    h = await startWsHub({
      mqtt: {
        enabled: true,
        map: [
          { topic: 'qlab/cue/12/go', trigger: 'Stage.Mode', value: 'intro' },
          { topic: 'stat/plug1/POWER', trigger: 'RedTelephone.Button_1' },
          { topic: 'tele/plug1/STATE', trigger: 'Flame.Intensity', json_field: 'Dimmer', kind: 'status' },
        ],
      },
    });
    await pub('qlab/cue/12/go', null);
    await pub('stat/plug1/POWER', 'ON');
    await pub('tele/plug1/STATE', '{"Time":"2026-12-03T05:00:00","Dimmer":35,"POWER":"ON"}');
    await pub('some/other/topic', 'passes through, unread');
    await waitFor(async () => (await valueOf('Flame.Intensity')) !== undefined, 'the status');
    const cache = await cached();
    expect([cache['Stage.Mode']?.value, cache['RedTelephone.Button_1']?.value, cache['Flame.Intensity']?.value]).to.deep.equal(['intro', 'On', 35]);
    expect(h.hub.runtime.lastSeq()).to.equal(3);
  });

  it('lets a client in only with a device key as its password when security.device_keys lists MQTT', async () => {
    h = await startWsHub({ mqtt: { enabled: true }, security: { device_keys: ['MQTT'] } });
    const device = createApiKeys({ store: h.hub.runtime.store }).create({ organization: null, role: 'device', name: 'esp32' }) as { key: string };
    const refused = await pub('haven/trigger/Stage/Mode', 'intro').then(
      () => 'connected',
      (err: { stderr: string }) => err.stderr,
    );
    expect(refused).to.match(/not authori[sz]ed|bad user name or password/i);
    const wrong = await pub('haven/trigger/Stage/Mode', 'intro', 1, ['-u', 'esp32', '-P', 'not-a-key']).then(
      () => 'connected',
      (err: { stderr: string }) => err.stderr,
    );
    expect(wrong).to.match(/bad user name or password/i);
    await pub('haven/trigger/Stage/Mode', 'intro', 1, ['-u', 'esp32', '-P', device.key]);
    expect(await valueOf('Stage.Mode')).to.equal('intro');
  });

  it('refuses a publisher the whitelist does not allow, with its address', async () => {
    h = await startWsHub({ mqtt: { enabled: true }, trigger: { gating: { whitelist: { MQTT: ['10.0.0.0/8'] } } } });
    const errors = await subscriber('haven/error/#');
    await pub('haven/trigger/Stage/Mode', 'intro');
    await waitFor(() => errors.got.length >= 1, 'the refusal');
    expect(JSON.parse(errors.got[0].payload)).to.include({ reason: 'not_whitelisted' });
    expect(h.hub.runtime.lastSeq()).to.equal(0);
  });

  it('never delivers an event older than the max age to a subscriber that was away', async () => {
    let now = Date.parse('2026-12-03T20:00:00Z');
    h = await startWsHub(ON, { clock: createClock(() => now) });
    const away = await subscriber('haven/event/#', { clientId: 'panel-away', clean: false });
    await away.client.endAsync();
    await pub('haven/trigger/Stage/Mode', 'intro');
    // Past the max age (services.max_age_ms, 2 s): the first event expired while queued for the absent subscriber.
    now += 2500;
    await pub('haven/trigger/Stage/Mode', 'finale');
    const back = await connectAsync(`mqtt://127.0.0.1:${port()}`, { protocolVersion: 4, reconnectPeriod: 0, clientId: 'panel-away', clean: false });
    clients.push(back);
    const got: string[] = [];
    back.on('message', (_t, payload) => got.push(JSON.parse(payload.toString()).value));
    await waitFor(() => got.length >= 1, 'the queued event');
    // The first delivery after reconnecting is the fresh event; nothing older follows it.
    const probe = await subscriber('haven/event/#');
    await pub('haven/trigger/Stage/Mode', 'idle');
    await waitFor(() => probe.got.length >= 1 && got.length >= 2, 'the probe event at both');
    expect(got).to.deep.equal(['finale', 'idle']);
  });

  it('disconnects a client that publishes to a topic only Haven publishes to, and keeps serving', async () => {
    h = await startWsHub(ON);
    const forger = await connectAsync(`mqtt://127.0.0.1:${port()}`, { protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(forger);
    const closed = new Promise<void>((resolve) => forger.once('close', () => resolve()));
    forger.publish('haven/state/Stage/Mode', '{"value":"finale"}', { qos: 1, retain: true });
    await closed;
    // Retained messages come first after a SUBACK: the first state a device sees is the hub's, not the forged one.
    const states = await subscriber('haven/state/#');
    await pub('haven/trigger/Stage/Mode', 'intro');
    await waitFor(() => states.got.length >= 1, 'a state');
    expect(states.got.map((m) => JSON.parse(m.payload).value)).to.deep.equal(['intro']);
    expect(await valueOf('Stage.Mode')).to.equal('intro');
  });

  it('with trigger.sources.MQTT off, runs the broker and publishes, but reads no triggers', async () => {
    h = await startWsHub({ mqtt: { enabled: true }, trigger: { sources: { MQTT: { enabled: false } } } });
    const events = await subscriber('haven/event/#');
    const relayed = await subscriber('haven/trigger/#');
    const errors = await subscriber('haven/error/#');
    await pub('haven/trigger/Stage/Mode', 'intro');
    await waitFor(() => relayed.got.length === 1, 'the publish relayed as by any broker');
    await fetch(`${h.hub.url}/api/trigger-event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Dial.Number', value: 3 }),
    });
    await waitFor(() => events.got.length === 1, 'the HTTP event on haven/event');
    expect(JSON.parse(events.got[0].payload)).to.include({ name: 'Dial.Number', seq: 1 });
    expect(h.hub.runtime.lastSeq()).to.equal(1);
    // Not read at all: not refused either (a refusal would be on haven/error before the HTTP event).
    expect(errors.got).to.deep.equal([]);
    const ready = (await (await fetch(`${h.hub.url}/readyz`)).json()) as { components: Array<{ name: string; detail: string }> };
    expect(ready.components.find((c) => c.name === 'MQTT')!.detail).to.match(/reading no triggers/);
  });

  it('is listed in /readyz and on the dashboard, and off by default', async () => {
    h = await startWsHub(ON);
    const ready = (await (await fetch(`${h.hub.url}/readyz`)).json()) as { components: Array<{ name: string; state: string; detail: string }> };
    const mqtt = ready.components.find((c) => c.name === 'MQTT')!;
    expect(mqtt.state).to.equal('ok');
    expect(mqtt.detail).to.match(new RegExp(`embedded broker on 127\\.0\\.0\\.1:${port()}, \\d+ client`));
    const admin = await h.login(h.adminToken);
    const { result } = await admin.request({ type: 'subscribe_dashboard' });
    expect(result.sources.map((s: { name: string }) => s.name)).to.include('MQTT');
    await h.stop();
    h = await startWsHub();
    const off = ((await (await fetch(`${h.hub.url}/readyz`)).json()) as typeof ready).components.find((c) => c.name === 'MQTT');
    expect(off).to.deep.equal({ name: 'MQTT', state: 'stopped', detail: 'disabled in config (mqtt.enabled)' });
    expect(h.hub.component<MqttComponent>('MQTT').address()).to.equal(null);
  });
});
