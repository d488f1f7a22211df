import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { CLOCK_TRIGGER } from '../harness/hubConfig';
import { connectLeanMqtt } from '../harness/rawMqtt';
import { connectLeanWs, decimalAt, valueIn } from '../harness/rawWs';
import { runMain, serveRpc } from '../harness/rpc';
import { Samples, wallMs } from '../harness/stats';

/**
 * Subscribers for benchmarks 3 and 4, many per process: Haven WebSocket clients and MQTT
 * subscribers, both lean (they walk frames or packets without decoding them, so thousands share
 * one core and the brokers, not the client libraries, are measured), the `mqtt` npm client as
 * subscriber when asked (`mqtt-npm`), idle clients of the bare `ws` server, or plain TCP
 * connections that read and drop what the bare fan-out server writes (`tcp`). Every message
 * carries its send time (wall clock, comparable across processes), so each delivery is timed
 * where it lands. A separate process of the same script publishes: POSTs to Haven, or the `mqtt`
 * npm client publishing to the broker.
 */
export const MQTT_TOPIC = 'haven/bench/clock';

type Kind = 'haven' | 'ws' | 'mqtt' | 'mqtt-npm' | 'tcp';

const wsSockets: Socket[] = [];
const mqttClients: MqttClient[] = [];
let recording: Samples | undefined;
let received = 0;
let lastAt = 0;
/** MQTT client ids must be unique: a broker drops the older session of a repeated id. */
let clientIds = 0;

function delivered(sentAt: number, now = wallMs()): void {
  received++;
  lastAt = now;
  if (recording && sentAt > 0) recording.push(now - sentAt);
}

interface ConnectArgs {
  readonly kind: Kind;
  readonly port: number;
  readonly count: number;
  readonly path?: string;
  readonly token?: string;
}

/** Opens `count` subscribers, 200 at a time; resolves once every one is connected (and subscribed). */
async function connectAll({ kind, port, count, path = '/', token = '' }: ConnectArgs): Promise<number> {
  const one = async (): Promise<void> => {
    if (kind === 'mqtt') {
      wsSockets.push(
        await connectLeanMqtt(port, MQTT_TOPIC, `bench-${process.pid}-${++clientIds}`, (buf, start, end, at) => delivered(decimalAt(buf, start, end), at)),
      );
    } else if (kind === 'mqtt-npm') {
      const client = await connectAsync({ host: '127.0.0.1', port, protocolVersion: 4, reconnectPeriod: 0, keepalive: 600, clean: true });
      client.on('error', () => undefined);
      client.on('message', (_topic, payload: Buffer) => delivered(Number(payload.toString('latin1'))));
      await client.subscribeAsync(MQTT_TOPIC, { qos: 0 });
      mqttClients.push(client);
    } else if (kind === 'tcp') {
      const socket = connect(port, '127.0.0.1');
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      wsSockets.push(socket);
    } else {
      wsSockets.push(await connectLeanWs(port, path, token, (buf, start, end, at) => (kind === 'haven' ? delivered(valueIn(buf, start, end), at) : undefined)));
    }
  };
  for (let i = 0; i < count; i += 200) await Promise.all(Array.from({ length: Math.min(200, count - i) }, one));
  return kind === 'mqtt-npm' ? mqttClients.length : wsSockets.length;
}

/** Starts timing deliveries from now. */
function arm(): void {
  recording = new Samples();
  received = 0;
  lastAt = 0;
}

/**
 * Waits until `expected` deliveries arrived here, or none arrived for `quietMs`, or `maxWaitMs`
 * passed; then reports what arrived and stops timing.
 */
async function collect({ expected, quietMs = 1000, maxWaitMs = 15_000 }: { expected: number; quietMs?: number; maxWaitMs?: number }) {
  const deadline = Date.now() + maxWaitMs;
  let seen = -1;
  let quietSince = Date.now();
  while (received < expected && Date.now() < deadline) {
    if (received !== seen) {
      seen = received;
      quietSince = Date.now();
    } else if (Date.now() - quietSince > quietMs) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const samples = recording ?? new Samples();
  recording = undefined;
  return { received, lastAt, latency: samples.percentiles() };
}

/** Resolves once nothing arrived for `quietMs` (a broker left behind drains first), or after `maxWaitMs`. */
async function settle({ quietMs = 500, maxWaitMs = 30_000 }: { quietMs?: number; maxWaitMs?: number }): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  let seen = received;
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < quietMs) {
    await new Promise((r) => setTimeout(r, 20));
    if (received !== seen) {
      seen = received;
      quietSince = Date.now();
    }
  }
}

interface PublishArgs {
  readonly kind: 'haven' | 'mqtt' | 'mqtt-npm';
  readonly port: number;
  readonly rate: number;
  readonly count: number;
}

/** Publishes `count` messages at `rate` per second (open loop), each carrying its send time; returns when the first was sent. */
async function publish({ kind, port, rate, count }: PublishArgs): Promise<{ firstAt: number; lastSentAt: number; failed: number }> {
  let failed = 0;
  let send: () => void;
  let finish: () => Promise<void>;
  if (kind === 'haven') {
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    send = () => {
      const body = `{"name":"${CLOCK_TRIGGER}","value":${wallMs()}}`;
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/trigger-event',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          if (res.statusCode !== 200) failed++;
          res.resume();
        },
      );
      req.on('error', () => failed++);
      req.end(body);
    };
    finish = async () => {
      await new Promise((r) => setTimeout(r, 200));
      agent.destroy();
    };
  } else {
    const publisher = await connectAsync({ host: '127.0.0.1', port, protocolVersion: 4, reconnectPeriod: 0 });
    send = () => publisher.publish(MQTT_TOPIC, String(wallMs()), { qos: 0 });
    finish = () => publisher.endAsync();
  }
  const firstAt = wallMs();
  let sent = 0;
  let lastSentAt = firstAt;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < due) {
        sent++;
        send();
      }
      lastSentAt = wallMs();
      if (sent < count) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await finish();
  return { firstAt, lastSentAt, failed };
}

async function closeAll(): Promise<void> {
  for (const s of wsSockets.splice(0)) s.destroy();
  await Promise.all(mqttClients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
}

runMain(async () => {
  serveRpc({ connect: connectAll, arm, collect, settle, publish, close: closeAll, count: () => wsSockets.length + mqttClients.length }, {}, closeAll);
});
